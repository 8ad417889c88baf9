package nn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// nn2UpShapes returns the per-sample in and out shapes of an upsample of
// [c, h, w] (or [c, w] when h == 0) by scale.
func nn2UpShapes(c, h, w int, scale []int) (in, out spec.Shape) {
	if h == 0 {
		return spec.Shape{c, w}, spec.Shape{c, w * scale[0]}
	}
	return spec.Shape{c, h, w}, spec.Shape{c, h * scale[0], w * scale[1]}
}

// nn2RefSource is PyTorch's source coordinate for output index i along an
// axis of in -> out (area_pixel_compute_source_index), computed per call.
func nn2RefSource(i, in, out int, align bool) (lo, hi int, frac float64) {
	var src float64
	switch {
	case align && out > 1:
		src = float64(i) * float64(in-1) / float64(out-1)
	case align:
		src = 0
	default:
		src = (float64(i)+0.5)*float64(in)/float64(out) - 0.5
		if src < 0 {
			src = 0
		}
	}
	lo = int(src)
	if lo > in-1 {
		lo = in - 1
	}
	hi = lo + 1
	if hi > in-1 {
		hi = in - 1
	}
	return lo, hi, src - float64(lo)
}

// nn2RefUpsample is the naive reference over one sample [c, h, w] (h = 1
// for 1-D), in float64.
func nn2RefUpsample(x []float32, c, h, w, oh, ow int, bilinear, align bool) []float64 {
	out := make([]float64, 0, c*oh*ow)
	at := func(ch, y, xx int) float64 { return float64(x[(ch*h+y)*w+xx]) }
	for ch := range c {
		for y := range oh {
			for xx := range ow {
				if !bilinear {
					out = append(out, at(ch, y*h/oh, xx*w/ow))
					continue
				}
				y0, y1, fy := nn2RefSource(y, h, oh, align)
				x0, x1, fx := nn2RefSource(xx, w, ow, align)
				v := (1-fy)*((1-fx)*at(ch, y0, x0)+fx*at(ch, y0, x1)) + fy*((1-fx)*at(ch, y1, x0)+fx*at(ch, y1, x1))
				out = append(out, v)
			}
		}
	}
	return out
}

func nn2NewUpsample(t testing.TB, c, h, w int, scale []int, mode string, align bool) op {
	t.Helper()
	in, out := nn2UpShapes(c, h, w, scale)
	o, err := newUpsample(&spec.Upsample{Scale: scale, Mode: mode, AlignCorners: align}, spec.LayerInfo{Pointer: "/layers/0", In: in, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestUpsampleHand checks the 2×2 -> 4×4 examples of PyTorch's
// interpolate documentation.
func TestUpsampleHand(t *testing.T) {
	t.Parallel()
	x := []float32{1, 2, 3, 4}
	cases := []struct {
		mode  string
		align bool
		want  []float32
	}{
		{"nearest", false, []float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"bilinear", false, []float32{1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}},
		{"bilinear", true, []float32{1, 4.0 / 3, 5.0 / 3, 2, 5.0 / 3, 2, 7.0 / 3, 8.0 / 3, 7.0 / 3, 8.0 / 3, 3, 10.0 / 3, 3, 10.0 / 3, 11.0 / 3, 4}},
	}
	for _, c := range cases {
		o := nn2NewUpsample(t, 1, 2, 2, []int{2, 2}, c.mode, c.align)
		out := make([]float32, 16)
		if err := o.forward(context.Background(), 1, x, out); err != nil {
			t.Fatal(err)
		}
		for i := range out {
			if !nn2Close(out[i], float64(c.want[i]), 1e-6, 0) {
				t.Fatalf("%s align=%v: out = %v, want %v", c.mode, c.align, out, c.want)
			}
		}
	}
	// 1-D linear, align_corners = false: [0, 3] by 3.
	o := nn2NewUpsample(t, 1, 0, 2, []int{3}, "bilinear", false)
	out := make([]float32, 6)
	if err := o.forward(context.Background(), 1, []float32{0, 3}, out); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 1, 2, 3, 3} // sources 0(clamped), 0, 1/3, 2/3, 1, 1(clamped)
	for i := range want {
		if !nn2Close(out[i], float64(want[i]), 1e-6, 1e-7) {
			t.Fatalf("1-D: out = %v, want %v", out, want)
		}
	}
}

// TestUpsampleReference compares odd sizes, 1-D and 2-D, all modes, with
// the naive reference.
func TestUpsampleReference(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	type tc struct {
		c, h, w int
		scale   []int
	}
	shapes := []tc{{1, 1, 1, []int{1, 1}}, {3, 1, 7, []int{2, 3}}, {2, 5, 3, []int{3, 1}}, {1, 7, 13, []int{2, 2}},
		{3, 0, 7, []int{3}}, {1, 0, 1, []int{5}}, {2, 0, 13, []int{1}}, {1, 3, 1, []int{1, 4}}}
	for _, s := range shapes {
		for _, mode := range []struct {
			name  string
			align bool
		}{{"nearest", false}, {"bilinear", false}, {"bilinear", true}} {
			name := fmt.Sprintf("%d_%d_%d_%v_%s_%v", s.c, s.h, s.w, s.scale, mode.name, mode.align)
			o := nn2NewUpsample(t, s.c, s.h, s.w, s.scale, mode.name, mode.align)
			h, oh := max(s.h, 1), max(s.h, 1)
			ow := s.w * s.scale[len(s.scale)-1]
			if s.h > 0 {
				oh = s.h * s.scale[0]
			}
			const n = 3
			inPer, outPer := s.c*h*s.w, s.c*oh*ow
			x := nn2Rand(rng, n*inPer, 2)
			out := make([]float32, n*outPer)
			if err := o.forward(context.Background(), n, x, out); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for b := range n {
				want := nn2RefUpsample(x[b*inPer:(b+1)*inPer], s.c, h, s.w, oh, ow, mode.name == "bilinear", mode.align)
				for i, wv := range want {
					if !nn2Close(out[b*outPer+i], wv, 1e-5, 1e-6) {
						t.Fatalf("%s: sample %d out[%d] = %v, want %v", name, b, i, out[b*outPer+i], wv)
					}
				}
			}
			nn2CheckOpErrors(t, o, inPer, outPer)
		}
	}
}

func TestUpsampleErrors(t *testing.T) {
	t.Parallel()
	li := spec.LayerInfo{In: spec.Shape{2, 3, 4}, Out: spec.Shape{2, 6, 8}}
	cases := []struct {
		name string
		l    *spec.Upsample
		li   spec.LayerInfo
		code string
	}{
		{"nil", nil, li, modelgate.EINTERNAL},
		{"mode", &spec.Upsample{Scale: []int{2, 2}, Mode: "bicubic"}, li, modelgate.EUNSUPPORTED},
		{"scale count", &spec.Upsample{Scale: []int{2}, Mode: "nearest"}, li, modelgate.EINVALID},
		{"scale 0", &spec.Upsample{Scale: []int{0, 2}, Mode: "nearest"}, li, modelgate.EINVALID},
		{"scale 65", &spec.Upsample{Scale: []int{65, 2}, Mode: "nearest"}, li, modelgate.EINVALID},
		{"scale -1", &spec.Upsample{Scale: []int{2, -1}, Mode: "bilinear"}, li, modelgate.EINVALID},
		{"out mismatch", &spec.Upsample{Scale: []int{2, 3}, Mode: "nearest"}, li, modelgate.EINVALID},
		{"rank 1", &spec.Upsample{Scale: []int{2}, Mode: "nearest"}, spec.LayerInfo{In: spec.Shape{4}, Out: spec.Shape{8}}, modelgate.EINVALID},
		{"rank 4", &spec.Upsample{Scale: []int{2, 2, 2}, Mode: "nearest"}, spec.LayerInfo{In: spec.Shape{1, 2, 2, 2}, Out: spec.Shape{1, 4, 4, 4}}, modelgate.EINVALID},
		{"zero dim", &spec.Upsample{Scale: []int{2, 2}, Mode: "nearest"}, spec.LayerInfo{In: spec.Shape{1, 0, 2}, Out: spec.Shape{1, 0, 4}}, modelgate.EINVALID},
		{"huge", &spec.Upsample{Scale: []int{64, 64}, Mode: "nearest"}, spec.LayerInfo{In: spec.Shape{1, 1 << 14, 1 << 14}, Out: spec.Shape{1, 1 << 20, 1 << 20}}, modelgate.ELIMIT},
	}
	for _, c := range cases {
		_, err := newUpsample(c.l, c.li)
		if got := modelgate.ErrorCode(err); got != c.code {
			t.Errorf("%s: code %q, want %q (%v)", c.name, got, c.code, err)
		}
	}
}

// FuzzUpsample builds upsample layers from fuzzed geometry: construction
// must succeed or fail cleanly, and a built layer must match the reference.
func FuzzUpsample(f *testing.F) {
	seeds := []struct {
		c, h, w, sh, sw uint8
		mode            uint8
	}{{1, 2, 2, 2, 2, 1}, {3, 0, 7, 3, 0, 0}, {2, 5, 3, 3, 1, 2}, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 65, 200, 3}, {255, 255, 255, 255, 255, 255}}
	for _, s := range seeds {
		f.Add(s.c, s.h, s.w, s.sh, s.sw, s.mode)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, c, h, w, sh, sw, mode uint8) {
		c, h, w = c%5, h%9, w%9 // keep the work small; 0 stays possible
		modes := []string{"nearest", "bilinear", "bilinear", "trilinear"}
		scale := []int{int(sh), int(sw)}
		in, out := spec.Shape{int(c), int(h), int(w)}, spec.Shape{int(c), int(h) * int(sh), int(w) * int(sw)}
		if h == 0 {
			scale = scale[:1]
			in, out = spec.Shape{int(c), int(w)}, spec.Shape{int(c), int(w) * int(sh)}
		}
		l := &spec.Upsample{Scale: scale, Mode: modes[mode%4], AlignCorners: mode%4 == 2}
		o, err := newUpsample(l, spec.LayerInfo{In: in, Out: out})
		if err != nil {
			var e *modelgate.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *modelgate.Error", err)
			}
			return
		}
		ih, oh := max(int(h), 1), max(int(h), 1)*scale[0]
		ow := int(w) * scale[len(scale)-1]
		if h == 0 {
			oh = 1
		}
		x := make([]float32, int(c)*ih*int(w))
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		y := make([]float32, int(c)*oh*ow)
		if err := o.forward(context.Background(), 1, x, y); err != nil {
			t.Fatal(err)
		}
		want := nn2RefUpsample(x, int(c), ih, int(w), oh, ow, l.Mode == "bilinear", l.AlignCorners)
		for i := range want {
			if math.Abs(float64(y[i])-want[i]) > 1e-5 {
				t.Fatalf("out[%d] = %v, want %v", i, y[i], want[i])
			}
		}
	})
}

// BenchmarkUpsample measures bilinear 2× upsampling of [64, 56, 56].
func BenchmarkUpsample(b *testing.B) {
	for _, mode := range []string{"nearest", "bilinear"} {
		b.Run(mode, func(b *testing.B) {
			o := nn2NewUpsample(b, 64, 56, 56, []int{2, 2}, mode, false)
			x := make([]float32, 64*56*56)
			y := make([]float32, 64*112*112)
			for b.Loop() {
				if err := o.forward(context.Background(), 1, x, y); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(y))*float64(b.N)/b.Elapsed().Seconds()/1e6, "Melem/s")
		})
	}
}
