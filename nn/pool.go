package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// poolKind selects max or mean pooling.
type poolKind int

const (
	poolMax poolKind = iota
	poolMean
)

// poolOp is windowed max or mean pooling over 1 or 2 spatial axes.
type poolOp struct {
	g        kernels.Geom2D
	kind     poolKind
	countPad bool
	threads  int
}

var _ op = (*poolOp)(nil)

// newPool builds max_pool / mean_pool (stride defaults to the kernel).
func newPool(li spec.LayerInfo, kernel, stride, padding []int, kind poolKind, countPad bool, threads int) (op, error) {
	g, err := geometry(li, li.In, windowArgs{kernel: kernel, stride: stride, padding: padding, defStride: kernel})
	if err != nil {
		return nil, err
	}
	return newPoolGeom(li, g, len(kernel), kind, countPad, threads)
}

// newPoolGeom checks the output shape and builds the op.
func newPoolGeom(li spec.LayerInfo, g kernels.Geom2D, n int, kind poolKind, countPad bool, threads int) (op, error) {
	if err := checkOut(li, outShape(g.C, g, n)); err != nil {
		return nil, err
	}
	return &poolOp{g: g, kind: kind, countPad: countPad, threads: threads}, nil
}

// newAdaptivePool builds an adaptive pool with Flux's rule: per axis
// stride = in/out and kernel = in-(out-1)*stride, no padding.
func newAdaptivePool(li spec.LayerInfo, output []int, kind poolKind, threads int) (op, error) {
	n := len(output)
	if (n != 1 && n != 2) || len(li.In) != n+1 {
		return nil, errLayer(li, "bad-rank", "adaptive pool to %v needs input rank %d, got %v", output, n+1, li.In)
	}
	k := make([]int, n)
	s := make([]int, n)
	for i, o := range output {
		in := li.In[i+1]
		if o < 1 || o > in {
			return nil, errLayer(li, "bad-output", "adaptive output %v must be within 1..%v", output, li.In[1:])
		}
		s[i] = in / o
		k[i] = in - (o-1)*s[i]
	}
	g, err := geometry(li, li.In, windowArgs{kernel: k, stride: s})
	if err != nil {
		return nil, err
	}
	return newPoolGeom(li, g, n, kind, true, threads)
}

// forward pools every (sample, channel) plane; planes are independent.
func (p *poolOp) forward(ctx context.Context, n int, in, out []float32) error {
	hw, ohw := p.g.H*p.g.W, p.g.OH*p.g.OW
	g := p.g
	if p.kind == poolMax && g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.DH == 1 && g.DW == 1 &&
		g.PT+g.PB+g.PL+g.PR == 0 {
		return runUnits(ctx, p.threads, n*g.C, hw+ohw*4, p, in, out, maxPool2x2Planes)
	}
	return runUnits(ctx, p.threads, n*p.g.C, hw+ohw*p.g.KH*p.g.KW, p, in, out, poolUnits)
}

// poolUnits pools planes [lo, hi).
func poolUnits(p *poolOp, in, out []float32, lo, hi int) {
	hw, ohw := p.g.H*p.g.W, p.g.OH*p.g.OW
	g := p.g
	g.C = hi - lo
	x, y := in[lo*hw:hi*hw], out[lo*ohw:hi*ohw]
	if p.kind == poolMax {
		kernels.MaxPool2D(g, x, y)
	} else {
		kernels.MeanPool2D(g, p.countPad, x, y)
	}
}

// globalPoolOp reduces every spatial axis: [C, d...] -> [C, 1...].
type globalPoolOp struct {
	c, inner int
	kind     poolKind
	threads  int
}

var _ op = (*globalPoolOp)(nil)

func newGlobalPool(li spec.LayerInfo, kind poolKind, threads int) (op, error) {
	if len(li.In) < 2 {
		return nil, errLayer(li, "bad-rank", "global pooling needs input rank >= 2, got %v", li.In)
	}
	out := spec.Shape{li.In[0]}
	for range li.In[1:] {
		out = append(out, 1)
	}
	if err := checkOut(li, out); err != nil {
		return nil, err
	}
	return &globalPoolOp{c: li.In[0], inner: int(li.In[1:].Elements()), kind: kind, threads: threads}, nil
}

func (p *globalPoolOp) forward(ctx context.Context, n int, in, out []float32) error {
	return runUnits(ctx, p.threads, n*p.c, p.inner, p, in, out, globalPoolUnits)
}

// globalPoolUnits reduces planes [lo, hi).
func globalPoolUnits(p *globalPoolOp, in, out []float32, lo, hi int) {
	x, y := in[lo*p.inner:hi*p.inner], out[lo:hi]
	if p.kind == poolMax {
		kernels.GlobalMax(x, p.inner, y)
	} else {
		kernels.GlobalMean(x, p.inner, y)
	}
}

// maxPool2x2Planes is kernels.MaxPool2D for the 2×2, stride-2, unpadded
// window over planes [lo, hi): vector blocks where the CPU has them (the
// same bits: max is exact and order-independent), scalar for the rest and
// for blocks holding a NaN.
func maxPool2x2Planes(p *poolOp, in, out []float32, lo, hi int) {
	g := p.g
	hw, ohw := g.H*g.W, g.OH*g.OW
	for c := lo; c < hi; c++ {
		plane := in[c*hw : (c+1)*hw]
		for oh := 0; oh < g.OH; oh++ {
			acc := out[c*ohw+oh*g.OW : c*ohw+(oh+1)*g.OW]
			r0 := plane[2*oh*g.W : 2*oh*g.W+2*g.OW]
			r1 := plane[(2*oh+1)*g.W : (2*oh+1)*g.W+2*g.OW]
			for i := 0; i < len(acc); {
				i += vecMaxPool2x2(acc[i:], r0[2*i:], r1[2*i:])
				end := min(i+8, len(acc))
				for ; i < end; i++ {
					acc[i] = max(max(r0[2*i], r0[2*i+1]), max(r1[2*i], r1[2*i+1]))
				}
			}
		}
	}
}
