package nn

import (
	"fmt"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

func TestBatchNorm(t *testing.T) {
	t.Parallel()
	for i, shape := range [][]int{{1}, {7}, {3, 13}, {3, 7, 5}, {13, 1, 1}} {
		for _, affine := range []bool{true, false} {
			l := &spec.BatchNorm{Eps: 1e-3, Affine: affine}
			b := mustBind(t, testSpec(shape, l), uint64(i), 1)
			in, out := b.run(t, 3, uint64(i))
			c := shape[0]
			inner := len(in.Data) / (3 * c)
			p := func(n string) []float32 { return b.param("layers.0.", n) }
			want := make([]float64, len(in.Data))
			for k, v := range in.Data {
				ch := (k / inner) % c
				y := (float64(v) - float64(p("mean")[ch])) / sqrt64(float64(p("var")[ch])+1e-3)
				if affine {
					y = y*float64(p("scale")[ch]) + float64(p("bias")[ch])
				}
				want[k] = y
			}
			assertClose(t, out.Data, want)
		}
	}
}

func TestLayerNorm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		shape []int
		dims  int
	}{{[]int{1}, 1}, {[]int{7}, 1}, {[]int{3, 13}, 1}, {[]int{3, 13}, 2}, {[]int{2, 3, 7}, 2}}
	for i, c := range cases {
		for _, affine := range []bool{true, false} {
			l := &spec.LayerNorm{Dims: c.dims, Eps: 1e-5, Affine: affine}
			b := mustBind(t, testSpec(c.shape, l), uint64(i), 1)
			in, out := b.run(t, 3, uint64(i))
			d := int(spec.Shape(c.shape[len(c.shape)-c.dims:]).Elements())
			want := refNormGroups(in.Data, d, 1e-5, b.param("layers.0.", "scale"), b.param("layers.0.", "bias"), 1)
			if d == 1 {
				// A single element normalises to 0 (plus bias): compare absolutely.
				for k := range want {
					if diff := float64(out.Data[k]) - want[k]; diff > 1e-6 || diff < -1e-6 {
						t.Fatalf("element %d: got %v, want %v", k, out.Data[k], want[k])
					}
				}
				continue
			}
			assertClose(t, out.Data, want)
		}
	}
}

func TestGroupNorm(t *testing.T) {
	t.Parallel()
	cases := []struct {
		shape  []int
		groups int
	}{{[]int{3, 7}, 1}, {[]int{6, 13}, 3}, {[]int{4, 3, 5}, 2}, {[]int{4, 3, 5}, 4}, {[]int{13, 7}, 13}}
	for i, c := range cases {
		l := &spec.GroupNorm{Groups: c.groups, Eps: 1e-5, Affine: true}
		b := mustBind(t, testSpec(c.shape, l), uint64(i), 1)
		in, out := b.run(t, 2, uint64(i))
		s := int(spec.Shape(c.shape[1:]).Elements())
		want := refNormGroups(in.Data, s*c.shape[0]/c.groups, 1e-5, b.param("layers.0.", "scale"), b.param("layers.0.", "bias"), s)
		assertClose(t, out.Data, want)
	}
}

func TestInstanceNorm(t *testing.T) {
	t.Parallel()
	for i, shape := range [][]int{{3, 7}, {2, 5, 3}, {4, 13, 1}} {
		for _, affine := range []bool{false, true} {
			l := &spec.InstanceNorm{Eps: 1e-5, Affine: affine}
			b := mustBind(t, testSpec(shape, l), uint64(i), 1)
			in, out := b.run(t, 3, uint64(i))
			s := int(spec.Shape(shape[1:]).Elements())
			want := refNormGroups(in.Data, s, 1e-5, b.param("layers.0.", "scale"), b.param("layers.0.", "bias"), s)
			assertClose(t, out.Data, want)
		}
	}
}

func TestSoftmax(t *testing.T) {
	t.Parallel()
	shape := []int{3, 4, 5}
	for _, axis := range []int{0, 1, 2, -1, -3} {
		for _, log := range []bool{false, true} {
			var l spec.Layer = &spec.Softmax{Axis: axis}
			if log {
				l = &spec.LogSoftmax{Axis: axis}
			}
			b := mustBind(t, testSpec(shape, l), 1, 1)
			in, out := b.run(t, 2, uint64(axis+10))
			ax := (axis + 3) % 3
			outer := 2 * int(spec.Shape(shape[:ax]).Elements())
			inner := int(spec.Shape(shape[ax+1:]).Elements())
			assertClose(t, out.Data, refSoftmax(in.Data, outer, shape[ax], inner, log))
		}
	}
}

func TestSoftmaxStable(t *testing.T) {
	t.Parallel()
	b := mustBind(t, testSpec([]int{3}, &spec.Softmax{Axis: -1}), 1, 1)
	out, err := b.m.Predict(t.Context(), Tensor{Shape: []int{1, 3}, Data: []float32{1000, 1000, -1000}})
	if err != nil {
		t.Fatal(err)
	}
	assertExact(t, out.Data, []float32{0.5, 0.5, 0})
}

func TestCopyLayers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		l   spec.Layer
		out []int
	}{
		{&spec.Flatten{}, []int{30}},
		{&spec.Reshape{Shape: []int{5, -1}}, []int{5, 6}},
		{&spec.Reshape{Shape: []int{30}}, []int{30}},
		{&spec.Dropout{Rate: 0.5}, []int{2, 3, 5}},
	}
	for i, c := range cases {
		b := mustBind(t, testSpec([]int{2, 3, 5}, c.l), 1, 1)
		in, out := b.run(t, 3, uint64(i))
		if !slices.Equal(b.a.Output, spec.Shape(c.out)) {
			t.Fatalf("case %d: output %v, want %v", i, b.a.Output, c.out)
		}
		assertExact(t, out.Data, in.Data)
	}
}

func TestSkipAndParallel(t *testing.T) {
	t.Parallel()
	dense := func(u int) *spec.Dense { return &spec.Dense{Units: u, Bias: true} }
	cases := []struct {
		name string
		l    spec.Layer
		ref  func(b bound, x []float32, n int) []float64
	}{
		{"skip-add", &spec.Skip{Layers: spec.Layers{dense(4)}, Combine: spec.CombineAdd}, func(b bound, x []float32, n int) []float64 {
			y := refDense(x, n, 4, 4, b.param("layers.0.layers.0.", "weight"), b.param("layers.0.layers.0.", "bias"), identity)
			for i := range y {
				y[i] += float64(x[i])
			}
			return y
		}},
		{"skip-multiply", &spec.Skip{Layers: spec.Layers{dense(4)}, Combine: spec.CombineMultiply}, func(b bound, x []float32, n int) []float64 {
			y := refDense(x, n, 4, 4, b.param("layers.0.layers.0.", "weight"), b.param("layers.0.layers.0.", "bias"), identity)
			for i := range y {
				y[i] *= float64(x[i])
			}
			return y
		}},
		{"skip-concat-empty", &spec.Skip{Layers: spec.Layers{}, Combine: spec.CombineConcat}, func(b bound, x []float32, n int) []float64 {
			var y []float64
			for s := 0; s < n; s++ {
				for r := 0; r < 2; r++ {
					for _, v := range x[s*4 : s*4+4] {
						y = append(y, float64(v))
					}
				}
			}
			return y
		}},
		{"parallel-concat", &spec.Parallel{Branches: []spec.Layers{{dense(3)}, {}, {dense(1), dense(2)}}, Combine: spec.CombineConcat}, func(b bound, x []float32, n int) []float64 {
			p := func(pre, name string) []float32 { return b.param("layers.0.branches."+pre, name) }
			y0 := refDense(x, n, 4, 3, p("0.0.", "weight"), p("0.0.", "bias"), identity)
			h := refDense(x, n, 4, 1, p("2.0.", "weight"), p("2.0.", "bias"), identity)
			y2 := refDense(f32(h), n, 1, 2, p("2.1.", "weight"), p("2.1.", "bias"), identity)
			var y []float64
			for s := 0; s < n; s++ {
				y = append(y, y0[s*3:s*3+3]...)
				for _, v := range x[s*4 : s*4+4] {
					y = append(y, float64(v))
				}
				y = append(y, y2[s*2:s*2+2]...)
			}
			return y
		}},
		{"parallel-add", &spec.Parallel{Branches: []spec.Layers{{dense(4)}, {}, {dense(4)}}, Combine: spec.CombineAdd}, func(b bound, x []float32, n int) []float64 {
			p := func(pre, name string) []float32 { return b.param("layers.0.branches."+pre, name) }
			y := refDense(x, n, 4, 4, p("0.0.", "weight"), p("0.0.", "bias"), identity)
			y2 := refDense(x, n, 4, 4, p("2.0.", "weight"), p("2.0.", "bias"), identity)
			for i := range y {
				y[i] += float64(x[i]) + y2[i]
			}
			return y
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := mustBind(t, testSpec([]int{4}, c.l), uint64(i), 2)
			in, out := b.run(t, 3, uint64(i))
			assertClose(t, out.Data, c.ref(b, in.Data, 3))
		})
	}
}

// TestConcatAxis checks concatenation along inner axes of [C, H, W].
func TestConcatAxis(t *testing.T) {
	t.Parallel()
	for _, axis := range []int{0, 1, 2, -1} {
		t.Run(fmt.Sprint(axis), func(t *testing.T) {
			t.Parallel()
			l := &spec.Skip{Layers: spec.Layers{&spec.Softmax{Axis: -1}}, Combine: spec.CombineConcat, Axis: axis}
			b := mustBind(t, testSpec([]int{2, 3, 4}, l), 1, 1)
			in, out := b.run(t, 2, 3)
			sm := refSoftmax(in.Data, 12, 4, 1, false)
			ax := (axis + 3) % 3
			outer := int(spec.Shape([]int{2, 3, 4}[:ax]).Elements())
			chunk := 24 / outer
			var want []float64
			for s := 0; s < 2; s++ {
				for o := 0; o < outer; o++ {
					base := s*24 + o*chunk
					want = append(want, sm[base:base+chunk]...)
					for _, v := range in.Data[base : base+chunk] {
						want = append(want, float64(v))
					}
				}
			}
			assertClose(t, out.Data, want)
		})
	}
}

func f32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestLargeThreaded runs layers on inputs large enough to be split across
// goroutines and compares them with the references.
func TestLargeThreaded(t *testing.T) {
	t.Parallel()
	const c, h, w, n = 16, 48, 40, 2
	shape := []int{c, h, w}
	pad := []int{1, 0, 2, 1}
	t.Run("maxpool", func(t *testing.T) {
		t.Parallel()
		b := mustBind(t, testSpec(shape, &spec.MaxPool{Kernel: []int{3, 3}, Stride: []int{2, 1}, Padding: pad}), 1, 3)
		in, out := b.run(t, n, 1)
		want, _, _ := refPool2D(in.Data, n, c, h, w, convArgs{kh: 3, kw: 3, sh: 2, sw: 1, pt: 1, pb: 0, pl: 2, pr: 1}, true, false)
		assertClose(t, out.Data, want)
	})
	t.Run("depthwise", func(t *testing.T) {
		t.Parallel()
		l := &spec.Conv{Filters: 2 * c, Kernel: []int{3, 3}, Dilation: []int{2, 1}, Padding: []int{2, 2, 1, 1}, Groups: c, Bias: true}
		b := mustBind(t, testSpec(shape, l), 2, 3)
		in, out := b.run(t, n, 2)
		want, _, _ := refConv2D(in.Data, n, c, h, w, 2*c, c, convArgs{kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 1, pt: 2, pb: 2, pl: 1, pr: 1},
			b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
		assertClose(t, out.Data, want)
	})
	t.Run("groupnorm", func(t *testing.T) {
		t.Parallel()
		b := mustBind(t, testSpec(shape, &spec.GroupNorm{Groups: 4, Eps: 1e-5, Affine: true}), 3, 3)
		in, out := b.run(t, n, 3)
		want := refNormGroups(in.Data, h*w*c/4, 1e-5, b.param("layers.0.", "scale"), b.param("layers.0.", "bias"), h*w)
		assertClose(t, out.Data, want)
	})
	t.Run("softmax", func(t *testing.T) {
		t.Parallel()
		b := mustBind(t, testSpec(shape, &spec.Softmax{Axis: 1}), 4, 3)
		in, out := b.run(t, n, 4)
		assertClose(t, out.Data, refSoftmax(in.Data, n*c, h, w, false))
	})
	t.Run("conv", func(t *testing.T) {
		t.Parallel()
		l := &spec.Conv{Filters: 5, Kernel: []int{3, 3}, Stride: []int{1, 2}, Padding: pad, Groups: 1, Bias: true}
		b := mustBind(t, testSpec(shape, l), 5, 3)
		in, out := b.run(t, n, 5)
		want, _, _ := refConv2D(in.Data, n, c, h, w, 5, 1, convArgs{kh: 3, kw: 3, sh: 1, sw: 2, dh: 1, dw: 1, pt: 1, pb: 0, pl: 2, pr: 1},
			b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
		assertClose(t, out.Data, want)
	})
}

// TestConvBands runs a convolution whose column matrix exceeds colBudget,
// so it is computed in bands of output rows.
func TestConvBands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large reference computation")
	}
	const c, h, w = 32, 130, 128
	l := &spec.Conv{Filters: 3, Kernel: []int{3, 3}, Stride: []int{1, 1}, Padding: []int{1, 2, 0, 1}, Groups: 1, Bias: true}
	b := mustBind(t, testSpec([]int{c, h, w}, l), 6, 2)
	if k := c * 9; k*w*(h+1) <= colBudget {
		t.Fatalf("case too small to need bands")
	}
	in, out := b.run(t, 1, 6)
	want, _, _ := refConv2D(in.Data, 1, c, h, w, 3, 1, convArgs{kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pb: 2, pl: 0, pr: 1},
		b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
	assertClose(t, out.Data, want)
}

// TestConvTransposeBands runs a transposed convolution whose column matrix
// exceeds colBudget, so it is computed in bands of input rows.
func TestConvTransposeBands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large reference computation")
	}
	const c, h, w, f = 4, 97, 96, 32
	l := &spec.ConvTranspose{Filters: f, Kernel: []int{4, 4}, Stride: []int{2, 2}, Padding: []int{1, 2, 1, 0},
		OutputPadding: []int{1, 0}, Groups: 2, Bias: true}
	b := mustBind(t, testSpec([]int{c, h, w}, l), 7, 2)
	if m := f / 2 * 16; m*w*h <= colBudget {
		t.Fatalf("case too small to need bands")
	}
	in, out := b.run(t, 1, 7)
	want, _, _ := refConvT2D(in.Data, 1, c, h, w, f, 2, convArgs{kh: 4, kw: 4, sh: 2, sw: 2, dh: 1, dw: 1, pt: 1, pb: 2, pl: 1, pr: 0},
		1, 0, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"))
	assertClose(t, out.Data, want)
}

// TestDenseChunks runs a dense layer over more rows than one GEMM chunk.
func TestDenseChunks(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large reference computation")
	}
	const rows, in, units = 130, 2048, 1024
	if chunk := max(denseMACs/(in*units), denseMinRows); chunk >= rows {
		t.Fatalf("chunk %d covers all %d rows", chunk, rows)
	}
	b := mustBind(t, testSpec([]int{rows, in}, &spec.Dense{Units: units, Bias: true}), 8, 2)
	x, out := b.run(t, 1, 8)
	assertClose(t, out.Data, refDense(x.Data, rows, in, units, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity))
}
