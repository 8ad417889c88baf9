package models

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelgate/modelgate/nn"
)

// TestCasesBind checks that every benchmark model parses, analyses, binds
// and runs at its batch size, and that its weights are deterministic.
func TestCasesBind(t *testing.T) {
	t.Parallel()
	for _, c := range Cases() {
		m, err := c.Build()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		model, err := nn.Bind(context.Background(), m.Spec, m.Analysis, m.Weights, nn.Options{Threads: 1})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		x := Input(c.Batch*int(m.Analysis.Input.Elements()), -1, 1, 1)
		out, err := model.Predict(context.Background(), nn.Tensor{Shape: append([]int{c.Batch}, m.Analysis.Input...), Data: x})
		if err != nil || out.Shape[0] != c.Batch {
			t.Fatalf("%s: Predict %v %v", c.Name, out.Shape, err)
		}
		again, _ := c.Build()
		for _, name := range m.Weights.TensorNames() {
			a, b := m.Weights.Tensor(name), again.Weights.Tensor(name)
			if len(a) == 0 || a[0] != b[0] || a[len(a)-1] != b[len(b)-1] {
				t.Fatalf("%s: weights of %s are not deterministic", c.Name, name)
			}
		}
	}
}

// BenchmarkModels runs modelgate alone on every benchmark case, one
// thread (the side-by-side numbers come from cmd/ortbench).
func BenchmarkModels(b *testing.B) {
	for _, c := range Cases() {
		b.Run(fmt.Sprintf("%s/b%d", c.Name, c.Batch), func(b *testing.B) {
			m, err := c.Build()
			if err != nil {
				b.Fatal(err)
			}
			model, err := nn.Bind(context.Background(), m.Spec, m.Analysis, m.Weights, nn.Options{Threads: 1})
			if err != nil {
				b.Fatal(err)
			}
			x := Input(c.Batch*int(m.Analysis.Input.Elements()), -1, 1, 1)
			in := nn.Tensor{Shape: append([]int{c.Batch}, m.Analysis.Input...), Data: x}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := model.Predict(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(c.Batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
