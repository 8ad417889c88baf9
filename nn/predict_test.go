package nn

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

func TestPredictInputErrors(t *testing.T) {
	t.Parallel()
	s := smallCNN()
	a := mustAnalyze(t, s)
	m, err := Bind(context.Background(), s, a, randWeights(a, 1), Options{Limits: modelgate.Limits{Batch: 4}})
	if err != nil {
		t.Fatal(err)
	}
	per := 3 * 16 * 16
	cases := []struct {
		name string
		in   Tensor
		rule string
	}{
		{"no-batch-axis", Tensor{Shape: []int{3, 16, 16}, Data: make([]float32, per)}, "input-shape"},
		{"wrong-dims", Tensor{Shape: []int{1, 3, 16, 15}, Data: make([]float32, per)}, "input-shape"},
		{"transposed", Tensor{Shape: []int{1, 16, 16, 3}, Data: make([]float32, per)}, "input-shape"},
		{"extra-axis", Tensor{Shape: []int{1, 1, 3, 16, 16}, Data: make([]float32, per)}, "input-shape"},
		{"nil-shape", Tensor{}, "input-shape"},
		{"batch-0", Tensor{Shape: []int{0, 3, 16, 16}}, "batch-size"},
		{"batch-negative", Tensor{Shape: []int{-1, 3, 16, 16}}, "batch-size"},
		{"batch-over-limit", Tensor{Shape: []int{5, 3, 16, 16}, Data: make([]float32, 5*per)}, "batch-size"},
		{"short-data", Tensor{Shape: []int{2, 3, 16, 16}, Data: make([]float32, 2*per-1)}, "input-length"},
		{"long-data", Tensor{Shape: []int{1, 3, 16, 16}, Data: make([]float32, per+1)}, "input-length"},
		{"nil-data", Tensor{Shape: []int{1, 3, 16, 16}}, "input-length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := m.Predict(context.Background(), c.in)
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Rule != c.rule || e.Code != modelgate.EINVALID {
				t.Fatalf("err = %v, want rule %s", err, c.rule)
			}
		})
	}
	if _, err := m.Predict(context.Background(), Tensor{Shape: []int{4, 3, 16, 16}, Data: make([]float32, 4*per)}); err != nil {
		t.Fatalf("batch at the limit: %v", err)
	}
}

// countdownCtx reports Canceled from the k-th call of Err on.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestPredictCancelled(t *testing.T) {
	t.Parallel()
	b := mustBind(t, smallCNN(), 1, 2)
	in := Tensor{Shape: []int{2, 3, 16, 16}, Data: randData(2*3*16*16, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.m.Predict(ctx, in); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Cancellation seen at every check point inside the run.
	checks := 0
	for k := int64(0); ; k++ {
		c := &countdownCtx{Context: context.Background()}
		c.left.Store(k)
		_, err := b.m.Predict(c, in)
		if err == nil {
			checks = int(k)
			break
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("after %d checks: err = %v, want context.Canceled", k, err)
		}
	}
	if checks < 12 {
		t.Fatalf("only %d cancellation checks in a run of 13 layers", checks)
	}
}

func TestPredictConcurrent(t *testing.T) {
	t.Parallel()
	b := mustBind(t, smallCNN(), 3, 2)
	const workers, rounds = 8, 4
	inputs := make([]Tensor, workers)
	want := make([][]float32, workers)
	for i := range inputs {
		n := 1 + i%3
		inputs[i] = Tensor{Shape: []int{n, 3, 16, 16}, Data: randData(n*3*16*16, uint64(i))}
		out, err := b.m.Predict(context.Background(), inputs[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = out.Data
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for i := range workers {
		wg.Go(func() {
			for range rounds {
				out, err := b.m.Predict(context.Background(), inputs[i])
				if err != nil {
					errs <- err
					return
				}
				if !bitsEqual(out.Data, want[i]) {
					errs <- errors.New("concurrent output differs from the serial one")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestDeterministicThreads checks the output bits do not depend on the
// thread count, on a model large enough for GEMMs to be split.
func TestDeterministicThreads(t *testing.T) {
	t.Parallel()
	big := func() *spec.Spec {
		return testSpec([]int{8, 64, 64},
			&spec.GroupNorm{Groups: 2, Eps: 1e-5, Affine: true},
			&spec.LayerNorm{Dims: 2, Eps: 1e-5, Affine: true},
			&spec.InstanceNorm{Eps: 1e-5},
			&spec.Conv{Filters: 8, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: 8, Bias: true},
			&spec.BatchNorm{Eps: 1e-5, Affine: true, Act: spec.Act{Activation: spec.ActReLU}},
			&spec.MeanPool{Kernel: []int{3, 3}, Stride: []int{1, 1}, Padding: []int{1, 1, 1, 1}, CountPadding: false},
			&spec.ConvTranspose{Filters: 8, Kernel: []int{2, 2}, Stride: []int{2, 2}, Groups: 1, Bias: true},
			&spec.MaxPool{Kernel: []int{2, 2}},
			&spec.LogSoftmax{Axis: 0},
			&spec.GlobalMeanPool{},
		)
	}
	rec := func() *spec.Spec {
		return testSpec([]int{12, 40},
			&spec.LSTM{Hidden: 96, ReturnSequences: true},
			&spec.GRU{Hidden: 64, ReturnSequences: true},
			&spec.RNN{Hidden: 32, Act: spec.Act{Activation: spec.ActTanh}},
			&spec.Dense{Units: 5, Bias: true})
	}
	resnet := func() *spec.Spec {
		conv := func(f, s int) spec.Layers {
			return spec.Layers{&spec.Conv{Filters: f, Kernel: []int{3, 3}, Stride: []int{s, s}, Padding: []int{1, 1, 1, 1}, Groups: 1},
				&spec.BatchNorm{Eps: 1e-5, Affine: true}}
		}
		relu := &spec.ActivationLayer{Act: spec.Act{Activation: spec.ActReLU}}
		return testSpec([]int{3, 20, 20},
			&spec.Skip{Combine: spec.CombineAdd, Layers: append(conv(3, 1), conv(3, 1)...)}, relu,
			&spec.Parallel{Combine: spec.CombineAdd, Branches: []spec.Layers{append(conv(16, 2), conv(16, 1)...),
				{&spec.Conv{Filters: 16, Kernel: []int{1, 1}, Stride: []int{2, 2}, Groups: 1}}}}, relu,
			&spec.MaxPool{Kernel: []int{2, 2}}, &spec.GlobalMeanPool{}, &spec.Flatten{}, &spec.Dense{Units: 4})
	}
	models := []struct {
		s func() *spec.Spec
		n int
	}{{mnistMLP, 7}, {smallCNN, 3}, {benchCNN, 3}, {big, 2}, {rec, 9}, {resnet, 5}}
	for _, m := range models {
		var ref []float32
		for _, threads := range []int{1, 2, 3} {
			b := mustBind(t, m.s(), 5, threads)
			_, out := b.run(t, m.n, 9)
			if ref == nil {
				ref = out.Data
			} else if !bitsEqual(out.Data, ref) {
				t.Fatalf("%s: output with %d threads differs from the 1-thread output", b.m.Spec().Name, threads)
			}
		}
	}
}

// TestPredictDoesNotModifyInput checks in.Data is left untouched.
func TestPredictDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	b := mustBind(t, smallCNN(), 1, 1)
	in := Tensor{Shape: []int{2, 3, 16, 16}, Data: randData(2*3*16*16, 4)}
	keep := slices.Clone(in.Data)
	if _, err := b.m.Predict(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(in.Data, keep) {
		t.Fatal("Predict modified its input")
	}
	if s := b.m.InputShape(); !slices.Equal(s, b.a.Input) {
		t.Fatalf("InputShape %v", s)
	}
	if s := b.m.OutputShape(); !slices.Equal(s, b.a.Output) {
		t.Fatalf("OutputShape %v", s)
	}
	b.m.InputShape()[0] = 99 // a copy: the model is unchanged
	if b.m.InputShape()[0] != 3 || b.m.Spec() == nil || b.m.Analysis() != b.a {
		t.Fatal("accessors")
	}
}

func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// TestPredictBatchMemory checks a batch whose buffers could not be sized is
// refused before anything is allocated.
func TestPredictBatchMemory(t *testing.T) {
	t.Parallel()
	s := testSpec([]int{1 << 20}, &spec.Dense{Units: 1})
	a := mustAnalyze(t, s)
	m, err := Bind(context.Background(), s, a, randWeights(a, 1), Options{Limits: modelgate.Limits{Batch: 1 << 40}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Predict(context.Background(), Tensor{Shape: []int{1 << 31, 1 << 20}})
	var e *modelgate.Error
	if !errors.As(err, &e) || e.Rule != "batch-memory" || e.Code != modelgate.ELIMIT {
		t.Fatalf("err = %v, want batch-memory", err)
	}
}
