package nn

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// smallCNN is a model touching most layer types, used by the bind, predict
// and concurrency tests.
func smallCNN() *spec.Spec {
	relu := spec.Act{Activation: spec.ActReLU}
	return testSpec([]int{3, 16, 16},
		&spec.Conv{Filters: 8, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: 1, Bias: true, Act: relu},
		&spec.BatchNorm{Eps: 1e-5, Affine: true},
		&spec.MaxPool{Kernel: []int{2, 2}},
		&spec.Skip{Combine: spec.CombineAdd, Layers: spec.Layers{
			&spec.Conv{Filters: 8, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: 2, Bias: true},
			&spec.GroupNorm{Groups: 4, Eps: 1e-5, Affine: true, Act: relu},
		}},
		&spec.ConvTranspose{Filters: 4, Kernel: []int{2, 2}, Stride: []int{2, 2}, Groups: 1, Bias: true},
		&spec.AdaptiveMeanPool{Output: []int{4, 4}},
		&spec.Flatten{},
		&spec.Dense{Units: 32, Bias: true, Act: relu},
		&spec.Dropout{Rate: 0.5},
		&spec.Dense{Units: 10, Bias: true},
		&spec.Softmax{Axis: -1},
	)
}

// problemRules returns the rule and location of every problem in err.
func problemRules(t *testing.T, err error) []string {
	t.Helper()
	var ps modelgate.Problems
	if !errors.As(err, &ps) {
		var e *modelgate.Error
		if errors.As(err, &e) {
			return []string{e.Rule + "@" + e.Where}
		}
		t.Fatalf("error %v (%T) is neither Problems nor *Error", err, err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Rule+"@"+p.Where)
	}
	return out
}

func TestBindErrors(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	a := mustAnalyze(t, s)
	cases := []struct {
		name   string
		edit   func(w memWeights)
		want   []string // rule@where, in order
		code   string
		dtype  string // spec weights dtype, default float32
		limits modelgate.Limits
		n      int // when > 0: the number of problems; want lists the first only
	}{
		{name: "missing", edit: func(w memWeights) { delete(w, "layers.0.bias") },
			want: []string{"missing-tensor@layers.0.bias"}},
		{name: "extra", edit: func(w memWeights) {
			w["layers.99.weight"] = &memTensor{dtype: "F32", shape: []int64{1}, data: []float32{0}}
		},
			want: []string{"unexpected-tensor@layers.99.weight"}},
		{name: "wrong-shape", edit: func(w memWeights) { w["layers.0.weight"].shape = []int64{8, 3, 9} },
			want: []string{"shape-mismatch@layers.0.weight"}},
		{name: "transposed-shape", edit: func(w memWeights) { w["layers.7.weight"].shape = []int64{64, 32} },
			want: []string{"shape-mismatch@layers.7.weight"}},
		{name: "wrong-dtype", edit: func(w memWeights) { w["layers.1.mean"].dtype = "F16" },
			want: []string{"dtype-mismatch@layers.1.mean"}},
		{name: "spec-dtype", dtype: "float16", edit: func(memWeights) {},
			want: []string{"dtype-mismatch@layers.0.weight"}, n: 16},
		{name: "nan", edit: func(w memWeights) { w["layers.3.layers.0.weight"].data[5] = float32(math.NaN()) },
			want: []string{"non-finite-weight@layers.3.layers.0.weight"}},
		{name: "inf-and-nan", edit: func(w memWeights) {
			w["layers.0.bias"].data[0] = float32(math.Inf(1))
			w["layers.9.bias"].data[9] = float32(math.NaN())
		}, want: []string{"non-finite-weight@layers.0.bias", "non-finite-weight@layers.9.bias"}},
		{name: "negative-var", edit: func(w memWeights) { w["layers.1.var"].data[2] = -0.5 },
			want: []string{"negative-variance@/layers/1"}},
		{name: "all-at-once", edit: func(w memWeights) {
			delete(w, "layers.9.weight")
			w["layers.4.weight"].shape = []int64{4, 8, 2, 2}
			w["layers.4.bias"].dtype = "F64"
			w["extra"] = &memTensor{dtype: "F32", shape: []int64{1}, data: []float32{0}}
		}, want: []string{"shape-mismatch@layers.4.weight", "dtype-mismatch@layers.4.bias",
			"missing-tensor@layers.9.weight", "unexpected-tensor@extra"}},
		{name: "params-limit", edit: func(memWeights) {}, limits: modelgate.Limits{Params: 100},
			want: []string{"params-limit@/layers"}, code: modelgate.ELIMIT},
		{name: "tensors-limit", edit: func(memWeights) {}, limits: modelgate.Limits{Tensors: 3},
			want: []string{"tensors-limit@/layers"}, code: modelgate.ELIMIT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := randWeights(a, 1)
			c.edit(w)
			s2 := *s
			if c.dtype != "" {
				s2.Weights.DType = c.dtype
			}
			_, err := Bind(context.Background(), &s2, a, w, Options{Limits: c.limits})
			if err == nil {
				t.Fatal("Bind succeeded")
			}
			got := problemRules(t, err)
			if c.n > 0 {
				if len(got) != c.n {
					t.Fatalf("%d problems, want %d:\n%v", len(got), c.n, err)
				}
				got = got[:1]
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("problems %q, want %q\n%v", got, c.want, err)
			}
			code := c.code
			if code == "" {
				code = modelgate.EINVALID
			}
			if g := modelgate.ErrorCode(err); g != code {
				t.Fatalf("code %q, want %q", g, code)
			}
		})
	}
}

// refusingWeights fails the test if any tensor is looked at.
type refusingWeights struct{ t *testing.T }

func (r refusingWeights) TensorNames() []string { r.t.Error("TensorNames called"); return nil }
func (r refusingWeights) TensorInfo(string) (string, []int64, bool) {
	r.t.Error("TensorInfo called")
	return "", nil, false
}
func (r refusingWeights) ReadFloat32(context.Context, string, []float32) error {
	r.t.Error("ReadFloat32 called")
	return nil
}

func TestBindChecksBudgetFirst(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	a := mustAnalyze(t, s)
	_, err := Bind(context.Background(), s, a, refusingWeights{t}, Options{Limits: modelgate.Limits{Params: a.TotalParams - 1}})
	if modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Fatalf("err = %v, want an ELIMIT error", err)
	}
	// A lying analysis (huge TotalParams) is refused before anything is read.
	a2 := *a
	a2.TotalParams = 1 << 40
	if _, err := Bind(context.Background(), s, &a2, refusingWeights{t}, Options{}); modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Fatalf("err = %v, want an ELIMIT error", err)
	}
}

func TestBindInconsistentAnalysis(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	other := testSpec([]int{3, 16, 16}, &spec.Flatten{})
	a := mustAnalyze(t, other)
	if _, err := Bind(context.Background(), s, a, memWeights{}, Options{}); modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
	// Params of the wrong layer: the analysis of a different spec with the
	// same parameter names.
	s1 := testSpec([]int{4}, &spec.Dense{Units: 3, Bias: true})
	s2 := testSpec([]int{4}, &spec.Dense{Units: 3, Bias: true})
	a1 := mustAnalyze(t, s1)
	if _, err := Bind(context.Background(), s2, a1, randWeights(a1, 1), Options{}); modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Fatalf("err = %v, want EINVALID (analysis of another spec)", err)
	}
	if _, err := Bind(context.Background(), nil, a1, memWeights{}, Options{}); err == nil {
		t.Fatal("nil spec accepted")
	}
}

func TestBindCancelled(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	a := mustAnalyze(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bind(ctx, s, a, randWeights(a, 1), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// f16Weights serves every tensor as F16 (values are already float32).
type f16Weights struct{ memWeights }

func (f f16Weights) TensorInfo(name string) (string, []int64, bool) {
	_, shape, ok := f.memWeights.TensorInfo(name)
	return "F16", shape, ok
}

func TestBindOtherDType(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	s.Weights.DType = "float16"
	a := mustAnalyze(t, s)
	if _, err := Bind(context.Background(), s, a, f16Weights{randWeights(a, 1)}, Options{}); err != nil {
		t.Fatal(err)
	}
}
