package nn

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// memTensor is one tensor of memWeights.
type memTensor struct {
	dtype string
	shape []int64
	data  []float32
}

// memWeights is an in-memory Weights: a map from name to tensor.
type memWeights map[string]*memTensor

var _ Weights = memWeights(nil)

func (m memWeights) TensorNames() []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (m memWeights) TensorInfo(name string) (string, []int64, bool) {
	t, ok := m[name]
	if !ok {
		return "", nil, false
	}
	return t.dtype, t.shape, true
}

func (m memWeights) ReadFloat32(ctx context.Context, name string, dst []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t, ok := m[name]
	if !ok || len(dst) != len(t.data) {
		return modelgate.Errorf(modelgate.EINVALID, name, "test", "bad read")
	}
	copy(dst, t.data)
	return nil
}

// testSpec builds and resolves a spec around layers.
func testSpec(in []int, layers ...spec.Layer) *spec.Spec {
	s := &spec.Spec{
		Format:  spec.FormatV1,
		Name:    "test",
		Input:   spec.Input{Shape: in},
		Layers:  layers,
		Weights: spec.WeightsRef{SHA256: strings.Repeat("ab", 32), Bytes: 8},
	}
	spec.Resolve(s)
	return s
}

// mustAnalyze runs spec.Analyze and fails the test on error.
func mustAnalyze(tb testing.TB, s *spec.Spec) *spec.Analysis {
	tb.Helper()
	a, err := spec.Analyze(s, modelgate.DefaultLimits())
	if err != nil {
		tb.Fatalf("Analyze: %v", err)
	}
	return a
}

// randWeights returns F32 tensors for every parameter of a, uniform in
// [-1, 1) except batchnorm variances (in [0.1, 2)).
func randWeights(a *spec.Analysis, seed uint64) memWeights {
	r := rand.New(rand.NewPCG(seed, 7))
	w := memWeights{}
	for _, p := range a.Params {
		t := &memTensor{dtype: "F32", data: make([]float32, p.Shape.Elements())}
		for _, d := range p.Shape {
			t.shape = append(t.shape, int64(d))
		}
		for i := range t.data {
			t.data[i] = r.Float32()*2 - 1
			if strings.HasSuffix(p.Name, ".var") {
				t.data[i] = 0.1 + r.Float32()*1.9
			}
		}
		w[p.Name] = t
	}
	return w
}

// randData returns n values uniform in [-1, 1).
func randData(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 11))
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// bound is a model with its inputs, for tests.
type bound struct {
	m *Model
	a *spec.Analysis
	w memWeights
}

// mustBind analyzes s, generates random weights and binds.
func mustBind(tb testing.TB, s *spec.Spec, seed uint64, threads int) bound {
	tb.Helper()
	a := mustAnalyze(tb, s)
	w := randWeights(a, seed)
	m, err := Bind(context.Background(), s, a, w, Options{Threads: threads})
	if err != nil {
		tb.Fatalf("Bind: %v", err)
	}
	return bound{m: m, a: a, w: w}
}

// param returns the data of the parameter named prefix+name, or nil.
func (b bound) param(prefix, name string) []float32 {
	if t, ok := b.w[prefix+name]; ok {
		return t.data
	}
	return nil
}

// run predicts a random batch of n and returns input and output.
func (b bound) run(tb testing.TB, n int, seed uint64) (in, out Tensor) {
	tb.Helper()
	in = Tensor{Shape: append([]int{n}, b.a.Input...), Data: randData(n*int(b.a.Input.Elements()), seed)}
	out, err := b.m.Predict(context.Background(), in)
	if err != nil {
		tb.Fatalf("Predict: %v", err)
	}
	if want := append([]int{n}, b.a.Output...); !slices.Equal(out.Shape, want) {
		tb.Fatalf("output shape %v, want %v", out.Shape, want)
	}
	return in, out
}

// assertClose compares got with the float64 reference want: every element
// within 1e-5 relative to max(|want|, mean |want|) (plus a tiny absolute
// slack for outputs that are all near zero).
func assertClose(tb testing.TB, got []float32, want []float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d values, want %d", len(got), len(want))
	}
	var mag float64
	for _, w := range want {
		mag += math.Abs(w)
	}
	mag /= float64(max(len(want), 1))
	bad := 0
	for i, g := range got {
		w := want[i]
		tol := 1e-5*math.Max(math.Abs(w), mag) + 1e-7
		if d := math.Abs(float64(g) - w); !(d <= tol) {
			if bad < 5 {
				tb.Errorf("element %d: got %v, want %v (diff %.3g, tol %.3g)", i, g, w, d, tol)
			}
			bad++
		}
	}
	if bad > 0 {
		tb.Fatalf("%d of %d elements differ", bad, len(got))
	}
}

// assertExact compares got with want exactly.
func assertExact(tb testing.TB, got []float32, want []float32) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d values %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
			tb.Fatalf("element %d: got %v, want %v\ngot  %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}
