package nn

import (
	"context"
	"math"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// upsMaxScale is the largest scale factor per axis (spec: 1..64).
const upsMaxScale = 64

// upsAxis maps each output position along one axis to two input positions
// and their interpolation weights: out = w0*in[i0] + w1*in[i1]. For nearest
// mode i1 == i0 and w0 = 1, w1 = 0 (not used).
type upsAxis struct {
	i0, i1 []int
	w0, w1 []float32
}

// upsampleOp scales [C, L] or [C, H, W] by whole factors. A 1-D signal is
// handled as an image of height 1.
type upsampleOp struct {
	c, h, w    int // input channels, height, width
	oh, ow     int // output height and width
	bilinear   bool
	ay, ax     upsAxis
	where      string
	planeElems int // oh*ow
	threads    int // goroutines (see setThreads)
}

var _ op = (*upsampleOp)(nil)

// newUpsample binds an upsample layer. Nearest mode repeats each value
// scale times along each axis (out[i] = in[i/scale], exact integer
// division, as NNlib's upsample_nearest). Bilinear mode follows PyTorch's
// interpolate: with AlignCorners the source coordinate of output i is
// i·(in-1)/(out-1); without, (i+0.5)/scale-0.5 clamped at 0; the two
// neighbours are floor(src) and min(floor(src)+1, in-1).
func newUpsample(l *spec.Upsample, li spec.LayerInfo) (op, error) {
	if l == nil {
		return nil, modelgate.Errorf(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil upsample layer")
	}
	if _, err := ewElems(li.Pointer, li.In); err != nil {
		return nil, err
	}
	if _, err := ewElems(li.Pointer, li.Out); err != nil {
		return nil, err
	}
	o := &upsampleOp{where: li.Pointer, threads: 1}
	switch l.Mode {
	case "nearest", "":
	case "bilinear":
		o.bilinear = true
	default:
		return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, li.Pointer+"/mode", "upsample-mode", "unknown upsample mode %q", l.Mode)
	}
	if err := o.setShape(l, li); err != nil {
		return nil, err
	}
	o.ay = upsTable(o.h, o.oh, o.bilinear, l.AlignCorners)
	o.ax = upsTable(o.w, o.ow, o.bilinear, l.AlignCorners)
	return o, nil
}

// setShape reads [C, L] or [C, H, W] from li.In and checks Scale and li.Out.
func (o *upsampleOp) setShape(l *spec.Upsample, li spec.LayerInfo) error {
	in := li.In
	if len(in) != 2 && len(in) != 3 {
		return modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape", "upsample input %v is not [C, L] or [C, H, W]", in)
	}
	if len(l.Scale) != len(in)-1 {
		return modelgate.Errorf(modelgate.EINVALID, li.Pointer+"/scale", "upsample-scale", "%d scale factors for %d spatial axes", len(l.Scale), len(in)-1)
	}
	for _, s := range l.Scale {
		if s < 1 || s > upsMaxScale {
			return modelgate.Errorf(modelgate.EINVALID, li.Pointer+"/scale", "upsample-scale", "scale %d outside 1..%d", s, upsMaxScale)
		}
	}
	o.c, o.h, o.w = in[0], 1, in[len(in)-1]
	sh, sw := 1, l.Scale[len(l.Scale)-1]
	if len(in) == 3 {
		o.h, sh = in[1], l.Scale[0]
	}
	// Dims are <= 2^28 (ewElems) and scales <= 64: no overflow.
	o.oh, o.ow = o.h*sh, o.w*sw
	want := spec.Shape{o.c, o.oh, o.ow}
	if len(in) == 2 {
		want = spec.Shape{o.c, o.ow}
	}
	if len(li.Out) != len(want) {
		return modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape", "upsample output %v, want %v", li.Out, want)
	}
	for i := range want {
		if li.Out[i] != want[i] {
			return modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape", "upsample output %v, want %v", li.Out, want)
		}
	}
	o.planeElems = o.oh * o.ow
	return nil
}

// upsTable builds the index and weight table of one axis.
func upsTable(in, out int, bilinear, alignCorners bool) upsAxis {
	t := upsAxis{i0: make([]int, out), i1: make([]int, out), w0: make([]float32, out), w1: make([]float32, out)}
	scale := out / in
	for i := range out {
		if !bilinear {
			t.i0[i], t.i1[i], t.w0[i] = i/scale, i/scale, 1
			continue
		}
		var src float64
		if alignCorners {
			if out > 1 {
				src = float64(i) * float64(in-1) / float64(out-1)
			}
		} else {
			src = max(0, (float64(i)+0.5)*float64(in)/float64(out)-0.5)
		}
		i0 := min(int(math.Floor(src)), in-1)
		lam := src - float64(i0)
		t.i0[i], t.i1[i] = i0, min(i0+1, in-1)
		t.w0[i], t.w1[i] = float32(1-lam), float32(lam)
	}
	return t
}

// forward scales every channel plane of every sample.
func (o *upsampleOp) forward(ctx context.Context, n int, in, out []float32) error {
	inPlane := o.h * o.w
	if _, err := ewBatchLen2(o.where, n, o.c*inPlane, o.c*o.planeElems, len(in), len(out)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return runUnits(ctx, o.threads, n*o.c, o.planeElems, o, in, out, upsampleUnits)
}

// upsampleUnits scales planes [lo, hi).
func upsampleUnits(o *upsampleOp, in, out []float32, lo, hi int) {
	inPlane := o.h * o.w
	for p := lo; p < hi; p++ {
		src := in[p*inPlane : (p+1)*inPlane]
		dst := out[p*o.planeElems : (p+1)*o.planeElems]
		if o.bilinear {
			o.bilinearPlane(src, dst)
		} else {
			o.nearestPlane(src, dst)
		}
	}
}

// setThreads lets forward split the channel planes over up to n goroutines
// (n < 1 means 1). Each plane is computed the same way whatever n is.
func (o *upsampleOp) setThreads(n int) { o.threads = max(1, n) }

// nearestPlane fills one output plane by repetition.
func (o *upsampleOp) nearestPlane(src, dst []float32) {
	for y := range o.oh {
		srow := src[o.ay.i0[y]*o.w : (o.ay.i0[y]+1)*o.w]
		drow := dst[y*o.ow : (y+1)*o.ow]
		for x, ix := range o.ax.i0 {
			drow[x] = srow[ix]
		}
	}
}

// bilinearPlane fills one output plane by interpolating along x in the two
// source rows, then along y.
func (o *upsampleOp) bilinearPlane(src, dst []float32) {
	for y := range o.oh {
		r0 := src[o.ay.i0[y]*o.w : (o.ay.i0[y]+1)*o.w]
		r1 := src[o.ay.i1[y]*o.w : (o.ay.i1[y]+1)*o.w]
		wy0, wy1 := o.ay.w0[y], o.ay.w1[y]
		drow := dst[y*o.ow : (y+1)*o.ow]
		for x := range drow {
			i0, i1 := o.ax.i0[x], o.ax.i1[x]
			wx0, wx1 := o.ax.w0[x], o.ax.w1[x]
			top := wx0*r0[i0] + wx1*r0[i1]
			bot := wx0*r1[i0] + wx1*r1[i1]
			drow[x] = wy0*top + wy1*bot
		}
	}
}
