package nn

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// modelFiles returns the spec files under testdata/models.
func modelFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "models", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no model specs in testdata/models (err %v)", err)
	}
	return files
}

// intInput returns n samples of whole numbers in [0, 3): valid embedding
// indices for every vocabulary of the test models, and ordinary values for
// every other input.
func intInput(shape spec.Shape, n int, seed uint64) Tensor {
	x := randData(n*int(shape.Elements()), seed)
	for i, v := range x {
		x[i] = float32(math.Floor(float64(v+1) * 1.5))
	}
	return Tensor{Shape: append([]int{n}, shape...), Data: x}
}

// TestModels runs every test model end to end: ParseJSON, Analyze, Bind with
// random weights, Predict; the outputs must be finite and each sample of a
// batch must match the same sample run alone.
func TestModels(t *testing.T) {
	t.Parallel()
	for _, file := range modelFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := spec.ParseJSON(data, modelgate.DefaultLimits())
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			a := mustAnalyze(t, s)
			m, err := Bind(context.Background(), s, a, specWeights(s, a, 1), Options{Threads: 2})
			if err != nil {
				t.Fatalf("Bind: %v", err)
			}
			const n = 3
			in := intInput(a.Input, n, 7)
			out, err := m.Predict(context.Background(), in)
			if err != nil {
				t.Fatalf("Predict: %v", err)
			}
			if i := firstNonFinite(out.Data); i >= 0 {
				t.Fatalf("output %d is %v", i, out.Data[i])
			}
			per, outPer := int(a.Input.Elements()), int(a.Output.Elements())
			for k := 0; k < n; k++ {
				one := Tensor{Shape: append([]int{1}, a.Input...), Data: in.Data[k*per : (k+1)*per]}
				got, err := m.Predict(context.Background(), one)
				if err != nil {
					t.Fatal(err)
				}
				want := make([]float64, outPer)
				for i, v := range out.Data[k*outPer : (k+1)*outPer] {
					want[i] = float64(v)
				}
				assertClose(t, got.Data, want)
			}
		})
	}
}

// fuzzLimits keep fuzzed models small and fast.
var fuzzLimits = modelgate.Limits{
	Layers:          64,
	Params:          1 << 16,
	Tensors:         256,
	ActivationBytes: 1 << 20,
	FLOPs:           1 << 22,
	Batch:           4,
}

// FuzzModel feeds arbitrary spec documents through ParseJSON, Analyze, Bind
// (random weights) and Predict: nothing may panic, every error must be a
// typed modelgate error, and outputs must have the analysed shape.
func FuzzModel(f *testing.F) {
	seeds := 0
	for _, file := range modelFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(2))
		seeds++
	}
	if seeds == 0 {
		f.Fatal("FuzzModel has no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte, batch uint8) {
		s, err := spec.ParseJSON(data, fuzzLimits)
		if err != nil {
			return
		}
		a, err := spec.Analyze(s, fuzzLimits)
		if err != nil {
			return
		}
		m, err := Bind(context.Background(), s, a, specWeights(s, a, uint64(len(data))), Options{Limits: fuzzLimits, Threads: 2})
		if err != nil {
			assertTyped(t, err)
			return
		}
		n := int(batch%4) + 1
		out, err := m.Predict(context.Background(), intInput(a.Input, n, uint64(batch)))
		if err != nil {
			assertTyped(t, err)
			return
		}
		if want := append([]int{n}, a.Output...); !slices.Equal(out.Shape, want) || len(out.Data) != n*int(a.Output.Elements()) {
			t.Fatalf("output shape %v (%d values), want %v", out.Shape, len(out.Data), want)
		}
	})
}

// assertTyped fails unless err carries a *modelgate.Error.
func assertTyped(t *testing.T, err error) {
	t.Helper()
	var e *modelgate.Error
	if !errors.As(err, &e) {
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

// specWeights is randWeights with every tensor in the spec's dtype.
func specWeights(s *spec.Spec, a *spec.Analysis, seed uint64) memWeights {
	w := randWeights(a, seed)
	dt, _ := safetensorsDType(s.Weights.DType)
	for _, t := range w {
		t.dtype = dt
	}
	return w
}
