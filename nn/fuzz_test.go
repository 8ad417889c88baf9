package nn

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

// winParams are fuzzed window hyper-parameters, mapped into small valid
// ranges by geom.
type winParams struct {
	c, h, w, f, groups, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr uint8
}

// geom maps the raw bytes to sizes: channels 1..8, spatial 1..16, kernel
// 1..5, stride 1..3, dilation 1..3, padding below the dilated extent.
func (p winParams) geom(oneD bool) (c, h, w, groups int, a convArgs) {
	c = 1 + int(p.c%8)
	h, w = 1+int(p.h%16), 1+int(p.w%16)
	groups = 1 + int(p.groups)%c
	for c%groups != 0 {
		groups--
	}
	a = convArgs{kh: 1 + int(p.kh%5), kw: 1 + int(p.kw%5), sh: 1 + int(p.sh%3), sw: 1 + int(p.sw%3),
		dh: 1 + int(p.dh%3), dw: 1 + int(p.dw%3)}
	eh, ew := a.dh*(a.kh-1)+1, a.dw*(a.kw-1)+1
	a.pt, a.pb, a.pl, a.pr = int(p.pt)%eh, int(p.pb)%eh, int(p.pl)%ew, int(p.pr)%ew
	if oneD {
		h, a.kh, a.sh, a.dh, a.pt, a.pb = 1, 1, 1, 1, 0, 0
	}
	return c, h, w, groups, a
}

// tryBind analyzes and binds s; ok is false when Analyze refuses the
// (fuzzed) hyper-parameters. Bind must not fail on an analysed spec.
func tryBind(t *testing.T, s *spec.Spec, seed uint64) (bound, bool) {
	a, err := spec.Analyze(s, fuzzLimits)
	if err != nil {
		return bound{}, false
	}
	w := randWeights(a, seed)
	m, err := Bind(context.Background(), s, a, w, Options{Limits: fuzzLimits, Threads: 2})
	if err != nil {
		t.Fatalf("Bind refused an analysed spec: %v", err)
	}
	return bound{m: m, a: a, w: w}, true
}

func addConvSeeds(f *testing.F) {
	for _, c := range conv2DCases {
		f.Add(uint8(c.c), uint8(c.h-1), uint8(c.w-1), uint8(c.f), uint8(c.groups-1), uint8(c.k[0]-1), uint8(c.k[1]-1),
			uint8(c.s[0]-1), uint8(c.s[1]-1), uint8(c.d[0]-1), uint8(c.d[1]-1),
			uint8(c.pad[0]), uint8(c.pad[1]), uint8(c.pad[2]), uint8(c.pad[3]), c.bias, false)
	}
	f.Add(uint8(3), uint8(12), uint8(12), uint8(2), uint8(0), uint8(2), uint8(4), uint8(1), uint8(2), uint8(0), uint8(2),
		uint8(0), uint8(0), uint8(3), uint8(1), true, true)
}

// FuzzConv compares conv (1-D and 2-D, groups, stride, dilation, asymmetric
// padding) with the naive reference on fuzzed hyper-parameters.
func FuzzConv(f *testing.F) {
	addConvSeeds(f)
	f.Fuzz(func(t *testing.T, c0, h0, w0, f0, g0, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr uint8, bias, oneD bool) {
		p := winParams{c0, h0, w0, f0, g0, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr}
		c, h, w, groups, a := p.geom(oneD)
		filters := groups * (1 + int(f0%4))
		l := &spec.Conv{Filters: filters, Kernel: []int{a.kh, a.kw}, Stride: []int{a.sh, a.sw}, Dilation: []int{a.dh, a.dw},
			Padding: []int{a.pt, a.pb, a.pl, a.pr}, Groups: groups, Bias: bias}
		in := []int{c, h, w}
		if oneD {
			l.Kernel, l.Stride, l.Dilation, l.Padding = []int{a.kw}, []int{a.sw}, []int{a.dw}, []int{a.pl, a.pr}
			in = []int{c, w}
		}
		b, ok := tryBind(t, testSpec(in, l), uint64(c0))
		if !ok {
			return
		}
		x, out := b.run(t, 2, uint64(h0))
		want, _, _ := refConv2D(x.Data, 2, c, h, w, filters, groups, a, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
		assertClose(t, out.Data, want)
	})
}

// FuzzConvTranspose compares conv_transpose with the naive scatter
// reference on fuzzed hyper-parameters, output padding included.
func FuzzConvTranspose(f *testing.F) {
	addConvSeeds(f)
	f.Fuzz(func(t *testing.T, c0, h0, w0, f0, g0, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr uint8, bias, op bool) {
		p := winParams{c0, h0, w0, f0, g0, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr}
		c, h, w, groups, a := p.geom(false)
		filters := groups * (1 + int(f0%4))
		oph, opw := 0, 0
		if op {
			oph, opw = max(a.sh, a.dh)-1, max(a.sw, a.dw)-1
		}
		l := &spec.ConvTranspose{Filters: filters, Kernel: []int{a.kh, a.kw}, Stride: []int{a.sh, a.sw}, Dilation: []int{a.dh, a.dw},
			Padding: []int{a.pt, a.pb, a.pl, a.pr}, OutputPadding: []int{oph, opw}, Groups: groups, Bias: bias}
		b, ok := tryBind(t, testSpec([]int{c, h, w}, l), uint64(c0))
		if !ok {
			return
		}
		x, out := b.run(t, 2, uint64(h0))
		want, _, _ := refConvT2D(x.Data, 2, c, h, w, filters, groups, a, oph, opw, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"))
		assertClose(t, out.Data, want)
	})
}

// FuzzPool compares max and mean pooling (both padding-count modes) with
// the reference on fuzzed hyper-parameters.
func FuzzPool(f *testing.F) {
	addConvSeeds(f)
	f.Fuzz(func(t *testing.T, c0, h0, w0, f0, g0, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr uint8, isMax, countPad bool) {
		p := winParams{c0, h0, w0, f0, g0, kh, kw, sh, sw, 0, 0, pt, pb, pl, pr}
		c, h, w, _, a := p.geom(false)
		pad := []int{a.pt, a.pb, a.pl, a.pr}
		var l spec.Layer = &spec.MeanPool{Kernel: []int{a.kh, a.kw}, Stride: []int{a.sh, a.sw}, Padding: pad, CountPadding: countPad}
		if isMax {
			l = &spec.MaxPool{Kernel: []int{a.kh, a.kw}, Stride: []int{a.sh, a.sw}, Padding: pad}
		}
		b, ok := tryBind(t, testSpec([]int{c, h, w}, l), 1)
		if !ok {
			return
		}
		x, out := b.run(t, 2, uint64(h0))
		want, _, _ := refPool2D(x.Data, 2, c, h, w, a, isMax, countPad)
		assertClose(t, out.Data, want)
	})
}
