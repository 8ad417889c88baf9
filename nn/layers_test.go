package nn

import (
	"fmt"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

func TestDense(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    []int
		units int
		bias  bool
		act   spec.Activation
		n     int
	}{
		{[]int{1}, 1, true, spec.ActIdentity, 1},
		{[]int{7}, 13, true, spec.ActReLU, 3},
		{[]int{13}, 3, false, spec.ActIdentity, 2},
		{[]int{3, 7}, 1, true, spec.ActReLU, 1},
		{[]int{2, 3, 13}, 7, true, spec.ActIdentity, 3},
		{[]int{64}, 33, true, spec.ActIdentity, 5},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := &spec.Dense{Units: c.units, Bias: c.bias, Act: spec.Act{Activation: c.act}}
			b := mustBind(t, testSpec(c.in, l), uint64(i), 2)
			in, out := b.run(t, c.n, uint64(i))
			f := c.in[len(c.in)-1]
			rows := len(in.Data) / f
			act := identity
			if c.act == spec.ActReLU {
				act = relu
			}
			want := refDense(in.Data, rows, f, c.units, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), act)
			assertClose(t, out.Data, want)
		})
	}
}

// convCase is one randomized 2-D convolution case.
type convCase struct {
	c, h, w, f, groups int
	k, s, d            []int
	pad                []int // 4 values: top, bottom, left, right
	bias               bool
	n                  int
}

func (c convCase) args() convArgs {
	return convArgs{kh: c.k[0], kw: c.k[1], sh: c.s[0], sw: c.s[1], dh: c.d[0], dw: c.d[1],
		pt: c.pad[0], pb: c.pad[1], pl: c.pad[2], pr: c.pad[3]}
}

var conv2DCases = []convCase{
	{c: 1, h: 1, w: 1, f: 1, groups: 1, k: []int{1, 1}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 1},
	{c: 3, h: 7, w: 7, f: 7, groups: 1, k: []int{3, 3}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{1, 1, 1, 1}, bias: true, n: 2},
	{c: 3, h: 13, w: 7, f: 13, groups: 1, k: []int{3, 1}, s: []int{2, 1}, d: []int{1, 1}, pad: []int{2, 0, 0, 0}, bias: false, n: 3},
	{c: 4, h: 13, w: 13, f: 6, groups: 2, k: []int{3, 3}, s: []int{2, 3}, d: []int{2, 1}, pad: []int{0, 1, 2, 1}, bias: true, n: 2},
	{c: 6, h: 7, w: 13, f: 6, groups: 6, k: []int{3, 3}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{1, 1, 1, 1}, bias: true, n: 3},  // depthwise
	{c: 3, h: 7, w: 7, f: 9, groups: 3, k: []int{5, 3}, s: []int{3, 2}, d: []int{1, 3}, pad: []int{2, 1, 0, 2}, bias: true, n: 1},   // multiplier 3
	{c: 7, h: 3, w: 13, f: 13, groups: 1, k: []int{1, 1}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 2}, // pointwise
	{c: 2, h: 13, w: 13, f: 3, groups: 1, k: []int{1, 1}, s: []int{2, 2}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: false, n: 1},
	{c: 5, h: 9, w: 11, f: 4, groups: 1, k: []int{3, 3}, s: []int{1, 1}, d: []int{3, 2}, pad: []int{3, 3, 0, 1}, bias: true, n: 2},
	{c: 16, h: 7, w: 7, f: 32, groups: 1, k: []int{3, 3}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{1, 1, 1, 1}, bias: true, n: 3},
	{c: 4, h: 9, w: 5, f: 10, groups: 2, k: []int{2, 3}, s: []int{1, 1}, d: []int{2, 1}, pad: []int{0, 2, 1, 0}, bias: true, n: 2},  // grouped, stride 1
	{c: 1, h: 12, w: 12, f: 6, groups: 1, k: []int{5, 5}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 3}, // LeNet-like
}

func TestConv2D(t *testing.T) {
	t.Parallel()
	for i, c := range conv2DCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := &spec.Conv{Filters: c.f, Kernel: c.k, Stride: c.s, Dilation: c.d, Padding: c.pad, Groups: c.groups, Bias: c.bias}
			b := mustBind(t, testSpec([]int{c.c, c.h, c.w}, l), uint64(i), 1+i%2)
			in, out := b.run(t, c.n, uint64(i))
			want, oh, ow := refConv2D(in.Data, c.n, c.c, c.h, c.w, c.f, c.groups, c.args(),
				b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
			if got := b.a.Output; got[1] != oh || got[2] != ow {
				t.Fatalf("output %v, reference %dx%d", got, oh, ow)
			}
			assertClose(t, out.Data, want)
		})
	}
}

func TestConv2DFusedReLU(t *testing.T) {
	t.Parallel()
	// Strided (panel im2col), stride 1 (padded rows), dilated with
	// asymmetric padding, pointwise; 1 and 2 threads.
	for _, i := range []int{3, 1, 8, 6, 9} {
		for _, threads := range []int{1, 2} {
			c := conv2DCases[i]
			l := &spec.Conv{Filters: c.f, Kernel: c.k, Stride: c.s, Dilation: c.d, Padding: c.pad, Groups: c.groups, Bias: true,
				Act: spec.Act{Activation: spec.ActReLU}}
			b := mustBind(t, testSpec([]int{c.c, c.h, c.w}, l), 99, threads)
			for seed := range uint64(3) { // scratch buffers are reused across calls
				in, out := b.run(t, c.n+1, 99+seed)
				want, _, _ := refConv2D(in.Data, c.n+1, c.c, c.h, c.w, c.f, c.groups, c.args(),
					b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), relu)
				assertClose(t, out.Data, want)
			}
		}
	}
}

func TestConv1D(t *testing.T) {
	t.Parallel()
	cases := []struct{ c, l, f, groups, k, s, d, pb, pe, n int }{
		{1, 1, 1, 1, 1, 1, 1, 0, 0, 1},
		{3, 13, 7, 1, 3, 1, 1, 1, 1, 2},
		{4, 13, 6, 2, 3, 2, 2, 0, 3, 3},
		{6, 7, 6, 6, 5, 1, 1, 2, 2, 1},
		{3, 13, 3, 1, 7, 3, 1, 6, 0, 2},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := &spec.Conv{Filters: c.f, Kernel: []int{c.k}, Stride: []int{c.s}, Dilation: []int{c.d},
				Padding: []int{c.pb, c.pe}, Groups: c.groups, Bias: i%2 == 0}
			b := mustBind(t, testSpec([]int{c.c, c.l}, l), uint64(i), 2)
			in, out := b.run(t, c.n, uint64(i))
			want := refConv1D(in.Data, c.n, c.c, c.l, c.f, c.groups, c.k, c.s, c.d, c.pb, c.pe,
				b.param("layers.0.", "weight"), b.param("layers.0.", "bias"))
			assertClose(t, out.Data, want)
		})
	}
}

func TestConvTranspose(t *testing.T) {
	t.Parallel()
	cases := []struct {
		convCase
		op []int
	}{
		{convCase{c: 1, h: 1, w: 1, f: 1, groups: 1, k: []int{1, 1}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 1}, []int{0, 0}},
		{convCase{c: 3, h: 1, w: 1, f: 2, groups: 1, k: []int{3, 3}, s: []int{1, 1}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 2}, []int{0, 0}},
		{convCase{c: 3, h: 7, w: 7, f: 5, groups: 1, k: []int{3, 3}, s: []int{2, 2}, d: []int{1, 1}, pad: []int{1, 1, 1, 1}, bias: true, n: 2}, []int{1, 1}},
		{convCase{c: 4, h: 3, w: 7, f: 6, groups: 2, k: []int{4, 3}, s: []int{2, 3}, d: []int{1, 2}, pad: []int{0, 2, 1, 0}, bias: false, n: 3}, []int{1, 0}},
		{convCase{c: 6, h: 7, w: 3, f: 6, groups: 6, k: []int{3, 3}, s: []int{1, 2}, d: []int{3, 1}, pad: []int{2, 1, 1, 1}, bias: true, n: 1}, []int{2, 1}},
		{convCase{c: 2, h: 13, w: 13, f: 3, groups: 1, k: []int{2, 2}, s: []int{2, 2}, d: []int{1, 1}, pad: []int{0, 0, 0, 0}, bias: true, n: 2}, []int{0, 0}},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			l := &spec.ConvTranspose{Filters: c.f, Kernel: c.k, Stride: c.s, Dilation: c.d, Padding: c.pad,
				OutputPadding: c.op, Groups: c.groups, Bias: c.bias}
			b := mustBind(t, testSpec([]int{c.c, c.h, c.w}, l), uint64(i), 2)
			in, out := b.run(t, c.n, uint64(i))
			want, oh, ow := refConvT2D(in.Data, c.n, c.c, c.h, c.w, c.f, c.groups, c.args(), c.op[0], c.op[1],
				b.param("layers.0.", "weight"), b.param("layers.0.", "bias"))
			if got := b.a.Output; got[1] != oh || got[2] != ow {
				t.Fatalf("output %v, reference %dx%d", got, oh, ow)
			}
			assertClose(t, out.Data, want)
		})
	}
}

func TestPool(t *testing.T) {
	t.Parallel()
	cases := []struct {
		c, h, w  int
		k, s     []int
		pad      []int
		max      bool
		countPad bool
	}{
		{1, 1, 1, []int{1, 1}, []int{1, 1}, []int{0, 0, 0, 0}, true, false},
		{3, 7, 7, []int{2, 2}, []int{2, 2}, []int{0, 0, 0, 0}, true, false},
		{2, 8, 10, []int{2, 2}, []int{2, 2}, []int{0, 0, 0, 0}, true, false},
		{3, 7, 13, []int{3, 3}, []int{2, 1}, []int{1, 0, 2, 1}, true, false},
		{2, 13, 7, []int{3, 2}, []int{1, 2}, []int{2, 1, 1, 0}, false, true},
		{2, 13, 7, []int{3, 2}, []int{1, 2}, []int{2, 1, 1, 0}, false, false},
		{4, 7, 7, []int{7, 7}, []int{7, 7}, []int{0, 0, 0, 0}, false, true},
		{1, 13, 13, []int{3, 3}, []int{3, 3}, []int{1, 1, 1, 1}, false, false},
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			var l spec.Layer = &spec.MaxPool{Kernel: c.k, Stride: c.s, Padding: c.pad}
			if !c.max {
				l = &spec.MeanPool{Kernel: c.k, Stride: c.s, Padding: c.pad, CountPadding: c.countPad}
			}
			b := mustBind(t, testSpec([]int{c.c, c.h, c.w}, l), uint64(i), 2)
			in, out := b.run(t, 3, uint64(i))
			a := convArgs{kh: c.k[0], kw: c.k[1], sh: c.s[0], sw: c.s[1], pt: c.pad[0], pb: c.pad[1], pl: c.pad[2], pr: c.pad[3]}
			want, _, _ := refPool2D(in.Data, 3, c.c, c.h, c.w, a, c.max, c.countPad)
			assertClose(t, out.Data, want)
		})
	}
}

func TestPool1D(t *testing.T) {
	t.Parallel()
	for i, max := range []bool{true, false} {
		var l spec.Layer = &spec.MaxPool{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1, 2}}
		if !max {
			l = &spec.MeanPool{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1, 2}, CountPadding: false}
		}
		b := mustBind(t, testSpec([]int{3, 13}, l), uint64(i), 1)
		in, out := b.run(t, 2, uint64(i))
		a := convArgs{kh: 1, kw: 3, sh: 1, sw: 2, pl: 1, pr: 2}
		want, _, _ := refPool2D(in.Data, 2, 3, 1, 13, a, max, false)
		assertClose(t, out.Data, want)
	}
}

func TestAdaptivePool(t *testing.T) {
	t.Parallel()
	cases := []struct{ c, h, w, oh, ow int }{
		{1, 1, 1, 1, 1}, {3, 7, 7, 3, 3}, {2, 13, 7, 5, 7}, {3, 13, 13, 1, 1}, {2, 7, 13, 7, 4},
	}
	for i, c := range cases {
		for _, max := range []bool{true, false} {
			var l spec.Layer = &spec.AdaptiveMaxPool{Output: []int{c.oh, c.ow}}
			if !max {
				l = &spec.AdaptiveMeanPool{Output: []int{c.oh, c.ow}}
			}
			b := mustBind(t, testSpec([]int{c.c, c.h, c.w}, l), uint64(i), 1)
			in, out := b.run(t, 2, uint64(i))
			assertClose(t, out.Data, refAdaptive2D(in.Data, 2, c.c, c.h, c.w, c.oh, c.ow, max))
		}
	}
	// 1-D adaptive pooling is the 2-D one with height 1.
	b := mustBind(t, testSpec([]int{3, 13}, &spec.AdaptiveMeanPool{Output: []int{4}}), 5, 1)
	in, out := b.run(t, 2, 5)
	assertClose(t, out.Data, refAdaptive2D(in.Data, 2, 3, 1, 13, 1, 4, false))
}

func TestGlobalPool(t *testing.T) {
	t.Parallel()
	for i, shape := range [][]int{{1, 1}, {3, 7}, {3, 7, 13}, {2, 3, 3, 5}} {
		for _, max := range []bool{true, false} {
			var l spec.Layer = &spec.GlobalMaxPool{}
			if !max {
				l = &spec.GlobalMeanPool{}
			}
			b := mustBind(t, testSpec(shape, l), uint64(i), 1)
			in, out := b.run(t, 3, uint64(i))
			inner := len(in.Data) / (3 * shape[0])
			a := convArgs{kh: 1, kw: inner, sh: 1, sw: 1}
			want, _, _ := refPool2D(in.Data, 3, shape[0], 1, inner, a, max, true)
			assertClose(t, out.Data, want)
		}
	}
}
