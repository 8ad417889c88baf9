package nn

import (
	"context"
	"errors"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// TestBuilderSetsThreads checks that ops whose constructors take no
// thread count (recurrent, activation, upsample) get Options.Threads.
func TestBuilderSetsThreads(t *testing.T) {
	t.Parallel()
	s := testSpec([]int{5, 4},
		&spec.LSTM{Hidden: 6, ReturnSequences: true},
		&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActTanh}})
	b := mustBind(t, s, 1, 3)
	if got := b.m.root.ops[0].(*recurrentOp).threads; got != 3 {
		t.Errorf("lstm threads = %d, want 3", got)
	}
	if got := b.m.root.ops[1].(*activationOp).threads; got != 3 {
		t.Errorf("activation threads = %d, want 3", got)
	}
}

// TestParamExactShape checks that recurrent and embedding layers refuse a
// parameter with the right number of elements but the wrong shape (an
// analysis that disagrees with the layer).
func TestParamExactShape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		s     *spec.Spec
		param string
	}{
		{"lstm", testSpec([]int{5, 4}, &spec.LSTM{Hidden: 6}), "layers.0.weight_hh"},
		{"gru", testSpec([]int{5, 4}, &spec.GRU{Hidden: 6}), "layers.0.weight_ih"},
		{"embedding", testSpec([]int{5}, &spec.Embedding{Vocab: 6, Dim: 4}), "layers.0.weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustAnalyze(t, tc.s)
			for i, p := range a.Params {
				if p.Name == tc.param {
					a.Params[i].Shape = spec.Shape{p.Shape[1], p.Shape[0]} // same count, transposed
				}
			}
			_, err := Bind(context.Background(), tc.s, a, randWeights(a, 1), Options{Threads: 1})
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Rule != "param-shape" || e.Where != tc.param {
				t.Fatalf("Bind: %v, want param-shape at %s", err, tc.param)
			}
		})
	}
}

// TestPredictAllocs checks the steady-state allocations of Predict at one
// thread after warm-up: only the returned tensor (its data and shape).
func TestPredictAllocs(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts (not under -race: sync.Pool drops items)")
	}
	for _, tc := range []struct {
		name string
		s    *spec.Spec
		n    int
	}{{"mlp", mnistMLP(), 4}, {"cnn", benchCNN(), 2}, {"parallel", testSpec([]int{3, 6, 6}, &spec.Parallel{Combine: spec.CombineAdd,
		Branches: []spec.Layers{{&spec.Conv{Filters: 4, Kernel: []int{3, 3}, Padding: []int{1, 1, 1, 1}, Groups: 1}}, {&spec.Conv{Filters: 4, Kernel: []int{1, 1}, Groups: 1}}}},
		&spec.ActivationLayer{Act: spec.Act{Activation: spec.ActReLU}}), 2}, {"lstm", testSpec([]int{6, 5}, &spec.LSTM{Hidden: 8}, &spec.Dense{Units: 3, Bias: true}), 3}} {
		t.Run(tc.name, func(t *testing.T) {
			b := mustBind(t, tc.s, 1, 1)
			in := Tensor{Shape: append([]int{tc.n}, b.a.Input...), Data: randData(tc.n*int(b.a.Input.Elements()), 2)}
			ctx := context.Background()
			for range 3 {
				if _, err := b.m.Predict(ctx, in); err != nil {
					t.Fatal(err)
				}
			}
			allocs := testing.AllocsPerRun(20, func() {
				if _, err := b.m.Predict(ctx, in); err != nil {
					t.Fatal(err)
				}
			})
			out := make([]float32, tc.n*int(b.a.Output.Elements()))
			allocsInto := testing.AllocsPerRun(20, func() {
				if err := b.m.PredictInto(ctx, in, out); err != nil {
					t.Fatal(err)
				}
			})
			t.Logf("%s: %.1f allocs per Predict, %.1f per PredictInto", tc.name, allocs, allocsInto)
			if allocs > 2 || allocsInto > 0 {
				t.Errorf("%.1f allocs per Predict (want <= 2: the result), %.1f per PredictInto (want 0)", allocs, allocsInto)
			}
		})
	}
}

// TestPredictInto checks PredictInto against Predict (same bits) and its
// refusal of a wrongly sized output buffer.
func TestPredictInto(t *testing.T) {
	t.Parallel()
	b := mustBind(t, benchCNN(), 3, 2)
	in, want := b.run(t, 3, 4)
	out := make([]float32, len(want.Data))
	if err := b.m.PredictInto(context.Background(), in, out); err != nil {
		t.Fatal(err)
	}
	assertExact(t, out, want.Data)
	err := b.m.PredictInto(context.Background(), in, out[1:])
	var e *modelgate.Error
	if !errors.As(err, &e) || e.Rule != "output-length" {
		t.Fatalf("short output: %v, want output-length", err)
	}
	if err := b.m.PredictInto(context.Background(), Tensor{Shape: []int{1, 2}, Data: []float32{1, 2}}, out); err == nil {
		t.Fatal("bad input accepted")
	}
}
