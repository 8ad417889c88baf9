package nn

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

// TestFoldBatchNorm checks conv/dense + batchnorm, which Bind folds into
// one op, against the unfolded float64 reference, for 1 and 2 threads.
func TestFoldBatchNorm(t *testing.T) {
	t.Parallel()
	reluAct := spec.Act{Activation: spec.ActReLU}
	for _, tc := range []struct {
		bias, affine bool
		act          spec.Act
		groups       int
	}{{false, true, reluAct, 1}, {true, true, spec.Act{}, 1}, {true, false, reluAct, 1}, {false, true, reluAct, 4}} {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("conv/%v/%d", tc, threads), func(t *testing.T) {
				const n, c, h, f = 3, 4, 9, 8
				s := testSpec([]int{c, h, h},
					&spec.Conv{Filters: f, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: tc.groups, Bias: tc.bias},
					&spec.BatchNorm{Eps: 1e-5, Affine: tc.affine, Act: tc.act})
				b := mustBind(t, s, 5, threads)
				if got := len(b.m.root.ops); got != 1 {
					t.Fatalf("%d ops after folding, want 1", got)
				}
				in, out := b.run(t, n, 9)
				y, _, _ := refConv2D(in.Data, n, c, h, h, f, tc.groups, convArgs{kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 1, pb: 1, pl: 1, pr: 1},
					b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
				act := identity
				if tc.act.Activation == spec.ActReLU {
					act = relu
				}
				assertClose(t, out.Data, refBNPlanes(b, "layers.1.", y, f, h*h, 1e-5, act))
			})
		}
	}
	t.Run("dense", func(t *testing.T) {
		s := testSpec([]int{20}, &spec.Dense{Units: 16, Bias: true}, &spec.BatchNorm{Eps: 1e-3, Affine: true, Act: reluAct})
		b := mustBind(t, s, 3, 1)
		if got := len(b.m.root.ops); got != 1 {
			t.Fatalf("%d ops after folding, want 1", got)
		}
		in, out := b.run(t, 5, 4)
		y := refDense(in.Data, 5, 20, 16, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
		assertClose(t, out.Data, refBNPlanes(b, "layers.1.", y, 16, 1, 1e-3, relu))
	})
	t.Run("not-folded", func(t *testing.T) {
		// An activation on the conv forbids folding.
		s := testSpec([]int{2, 5, 5}, &spec.Conv{Filters: 3, Kernel: []int{3, 3}, Groups: 1, Act: reluAct},
			&spec.BatchNorm{Eps: 1e-5})
		b := mustBind(t, s, 3, 1)
		if got := len(b.m.root.ops); got != 2 {
			t.Fatalf("%d ops, want 2 (no folding after an activation)", got)
		}
	})
}

// refBNPlanes applies batchnorm to y, [n, c, inner] in float64.
func refBNPlanes(b bound, prefix string, y []float64, c, inner int, eps float64, act func(float64) float64) []float64 {
	p := func(n string) []float32 { return b.param(prefix, n) }
	out := make([]float64, len(y))
	for k, v := range y {
		ch := (k / inner) % c
		z := (v - float64(p("mean")[ch])) / sqrt64(float64(p("var")[ch])+eps)
		if p("scale") != nil {
			z = z*float64(p("scale")[ch]) + float64(p("bias")[ch])
		}
		out[k] = act(z)
	}
	return out
}

// TestCopyAliasing checks that flatten/dropout/reshape in the middle of a
// layer list (skipped: the next layer reads their input as is) keep the
// ping-pong buffers straight, against the float64 reference.
func TestCopyAliasing(t *testing.T) {
	t.Parallel()
	s := testSpec([]int{2, 6},
		&spec.Dense{Units: 5, Bias: true},
		&spec.Flatten{},
		&spec.Dropout{Rate: 0.5},
		&spec.Dense{Units: 7, Bias: true},
		&spec.Reshape{Shape: []int{7, 1}},
		&spec.Flatten{},
		&spec.Dense{Units: 3, Bias: true},
		&spec.Flatten{})
	b := mustBind(t, s, 2, 1)
	in, out := b.run(t, 3, 5)
	y := refDense(in.Data, 3*2, 6, 5, b.param("layers.0.", "weight"), b.param("layers.0.", "bias"), identity)
	y32 := make([]float32, len(y))
	for i, v := range y {
		y32[i] = float32(v)
	}
	z := refDense(y32, 3, 10, 7, b.param("layers.3.", "weight"), b.param("layers.3.", "bias"), identity)
	z32 := make([]float32, len(z))
	for i, v := range z {
		z32[i] = float32(v)
	}
	assertClose(t, out.Data, refDense(z32, 3, 7, 3, b.param("layers.6.", "weight"), b.param("layers.6.", "bias"), identity))
}

// TestFuseAddReLU checks that a ReLU layer after an add-combined skip or
// parallel layer, fused into the add, gives the same bits as when it runs
// on its own (a dropout in between prevents the fusion).
func TestFuseAddReLU(t *testing.T) {
	t.Parallel()
	conv := func(f int) *spec.Conv {
		return &spec.Conv{Filters: f, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: 1, Bias: true}
	}
	relu := &spec.ActivationLayer{Act: spec.Act{Activation: spec.ActReLU}}
	build := func(sep bool) *spec.Spec {
		var mid spec.Layers
		if sep {
			mid = spec.Layers{&spec.Dropout{Rate: 0.1}}
		}
		layers := spec.Layers{&spec.Skip{Combine: spec.CombineAdd, Layers: spec.Layers{conv(3), conv(3)}}}
		layers = append(append(layers, mid...), relu)
		layers = append(layers, &spec.Parallel{Combine: spec.CombineAdd, Branches: []spec.Layers{{conv(4)}, {conv(4)}, {conv(4), conv(4)}}})
		layers = append(append(layers, mid...), relu)
		layers = append(layers, &spec.Parallel{Combine: spec.CombineAdd, Branches: []spec.Layers{{conv(4)}}})
		layers = append(append(layers, mid...), relu)
		return testSpec([]int{3, 6, 5}, layers...)
	}
	for _, threads := range []int{1, 2} {
		fused := mustBind(t, build(false), 7, threads)
		plain := mustBind(t, build(true), 7, threads)
		if got, want := len(fused.m.root.ops), 3; got != want {
			t.Fatalf("%d ops after fusion, want %d", got, want)
		}
		in := Tensor{Shape: []int{2, 3, 6, 5}, Data: randData(2*3*6*5, 8)}
		a, err := fused.m.Predict(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := plain.m.Predict(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		assertExact(t, a.Data, b.Data)
	}
}
