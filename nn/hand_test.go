package nn

import (
	"context"
	"math"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

// bindWith binds s with the given parameter values (shapes from the
// analysis).
func bindWith(tb testing.TB, s *spec.Spec, vals map[string][]float32) *Model {
	tb.Helper()
	a := mustAnalyze(tb, s)
	w := memWeights{}
	for _, p := range a.Params {
		t := &memTensor{dtype: "F32", data: vals[p.Name]}
		for _, d := range p.Shape {
			t.shape = append(t.shape, int64(d))
		}
		w[p.Name] = t
	}
	m, err := Bind(context.Background(), s, a, w, Options{Threads: 1})
	if err != nil {
		tb.Fatalf("Bind: %v", err)
	}
	return m
}

func iota32(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i + 1)
	}
	return x
}

func ones(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 1
	}
	return x
}

// TestHandComputed checks tiny cases whose outputs were worked out by hand.
func TestHandComputed(t *testing.T) {
	t.Parallel()
	inv := float32(1 / math.Sqrt(1+1e-5))
	cases := []struct {
		name string
		s    *spec.Spec
		vals map[string][]float32
		in   Tensor
		want []float32
	}{
		{"dense", testSpec([]int{2}, &spec.Dense{Units: 2, Bias: true}),
			map[string][]float32{"layers.0.weight": {1, 0, 0.5, -1}, "layers.0.bias": {0.5, 1}},
			Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, []float32{1.5, -0.5}},
		{"dense-relu", testSpec([]int{2}, &spec.Dense{Units: 2, Bias: true, Act: spec.Act{Activation: spec.ActReLU}}),
			map[string][]float32{"layers.0.weight": {1, 0, 0.5, -1}, "layers.0.bias": {0.5, 1}},
			Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, []float32{1.5, 0}},
		{"conv-2x2-pad-top", testSpec([]int{1, 3, 3}, &spec.Conv{Filters: 1, Kernel: []int{2, 2}, Padding: []int{1, 0, 0, 0}, Groups: 1}),
			map[string][]float32{"layers.0.weight": ones(4)},
			Tensor{Shape: []int{1, 1, 3, 3}, Data: iota32(9)}, []float32{3, 5, 12, 16, 24, 28}},
		{"conv-stride2-dilation2", testSpec([]int{1, 5, 5}, &spec.Conv{Filters: 1, Kernel: []int{2, 2}, Stride: []int{2, 2}, Dilation: []int{2, 2}, Groups: 1, Bias: true}),
			map[string][]float32{"layers.0.weight": {1, 0, 0, 1}, "layers.0.bias": {100}},
			// windows at (0,0),(0,2),(2,0),(2,2): x[r][c] + x[r+2][c+2]
			Tensor{Shape: []int{1, 1, 5, 5}, Data: iota32(25)}, []float32{114, 118, 134, 138}},
		{"conv1d-groups", testSpec([]int{2, 3}, &spec.Conv{Filters: 2, Kernel: []int{2}, Groups: 2}),
			map[string][]float32{"layers.0.weight": {1, 1, 1, -1}},
			Tensor{Shape: []int{1, 2, 3}, Data: []float32{1, 2, 3, 10, 20, 40}}, []float32{3, 5, -10, -20}},
		{"conv-transpose-stride2", testSpec([]int{1, 2, 2}, &spec.ConvTranspose{Filters: 1, Kernel: []int{2, 2}, Stride: []int{2, 2}, Groups: 1}),
			map[string][]float32{"layers.0.weight": ones(4)},
			Tensor{Shape: []int{1, 1, 2, 2}, Data: []float32{1, 2, 3, 4}},
			[]float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"conv-transpose-overlap-pad", testSpec([]int{1, 1, 3}, &spec.ConvTranspose{Filters: 1, Kernel: []int{1, 3}, Padding: []int{0, 0, 1, 1}, Groups: 1, Bias: true}),
			map[string][]float32{"layers.0.weight": {1, 10, 100}, "layers.0.bias": {0.5}},
			// full output [1, 12, 123, 230, 300], cropped by 1 on each side, plus bias
			Tensor{Shape: []int{1, 1, 1, 3}, Data: []float32{1, 2, 3}}, []float32{12.5, 123.5, 230.5}},
		{"max-pool", testSpec([]int{1, 4, 4}, &spec.MaxPool{Kernel: []int{2, 2}}), nil,
			Tensor{Shape: []int{1, 1, 4, 4}, Data: iota32(16)}, []float32{6, 8, 14, 16}},
		{"mean-pool-count-pad", testSpec([]int{1, 3, 3}, &spec.MeanPool{Kernel: []int{2, 2}, Padding: []int{1, 0, 1, 0}, CountPadding: true}), nil,
			Tensor{Shape: []int{1, 1, 3, 3}, Data: iota32(9)}, []float32{0.25, 1.25, 2.75, 7}},
		{"mean-pool-no-count-pad", testSpec([]int{1, 3, 3}, &spec.MeanPool{Kernel: []int{2, 2}, Padding: []int{1, 0, 1, 0}}), nil,
			Tensor{Shape: []int{1, 1, 3, 3}, Data: iota32(9)}, []float32{1, 2.5, 5.5, 7}},
		{"adaptive-max-1d", testSpec([]int{1, 5}, &spec.AdaptiveMaxPool{Output: []int{2}}), nil,
			Tensor{Shape: []int{1, 1, 5}, Data: []float32{1, 5, 2, 0, 3}}, []float32{5, 3}},
		{"global-mean", testSpec([]int{2, 2}, &spec.GlobalMeanPool{}), nil,
			Tensor{Shape: []int{1, 2, 2}, Data: []float32{1, 2, 3, 5}}, []float32{1.5, 4}},
		{"batchnorm", testSpec([]int{2}, &spec.BatchNorm{Eps: 1, Affine: true}),
			map[string][]float32{"layers.0.scale": {2, 1}, "layers.0.bias": {0, 1}, "layers.0.mean": {1, 1}, "layers.0.var": {3, 0}},
			Tensor{Shape: []int{1, 2}, Data: []float32{1, 3}}, []float32{0, 3}},
		{"layernorm", testSpec([]int{2}, &spec.LayerNorm{Dims: 1, Eps: 1e-5, Affine: true}),
			map[string][]float32{"layers.0.scale": {1, 2}, "layers.0.bias": {0, 1}},
			Tensor{Shape: []int{1, 2}, Data: []float32{1, 3}}, []float32{-inv, 2*inv + 1}},
		{"softmax", testSpec([]int{2}, &spec.Softmax{Axis: -1}), nil,
			Tensor{Shape: []int{1, 2}, Data: []float32{0, float32(math.Log(3))}}, []float32{0.25, 0.75}},
		{"skip-add", testSpec([]int{2}, &spec.Skip{Layers: spec.Layers{&spec.Dense{Units: 2}}, Combine: spec.CombineAdd}),
			map[string][]float32{"layers.0.layers.0.weight": {0, 1, 1, 0}},
			Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, []float32{3, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := bindWith(t, c.s, c.vals)
			out, err := m.Predict(context.Background(), c.in)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float64, len(c.want))
			for i, v := range c.want {
				want[i] = float64(v)
			}
			assertClose(t, out.Data, want)
		})
	}
}
