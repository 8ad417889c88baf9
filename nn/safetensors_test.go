package nn_test

// Integration with the real weights reader: a safetensors file written by
// package safetensors, opened and bound. The import is test-only; package
// nn itself never imports a reader.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

var _ nn.Weights = (*safetensors.File)(nil)

// writeWeights writes one F32 tensor per parameter of a (value i*scale for
// element i) plus extra tensors, and opens the result.
func writeWeights(t *testing.T, a *spec.Analysis, extra ...safetensors.Tensor) *safetensors.File {
	t.Helper()
	ts := extra
	for _, p := range a.Params {
		n := p.Shape.Elements()
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i%7-3) * 0.01
		}
		shape := make([]int64, len(p.Shape))
		for i, d := range p.Shape {
			shape[i] = int64(d)
		}
		ts = append(ts, safetensors.F32(p.Name, shape, data))
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ts, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestBindSafetensors(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/models/cnn.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.ParseJSON(data, modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	a, err := spec.Analyze(s, modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m, err := nn.Bind(context.Background(), s, a, writeWeights(t, a), nn.Options{})
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	in := nn.Tensor{Shape: append([]int{2}, a.Input...), Data: make([]float32, 2*a.Input.Elements())}
	out, err := m.Predict(context.Background(), in)
	if err != nil || len(out.Data) != 2*int(a.Output.Elements()) {
		t.Fatalf("Predict: %v, %d values", err, len(out.Data))
	}

	// One tensor too many: refused, naming the tensor.
	extra := safetensors.F32("layers.0.extra", []int64{1}, []float32{1})
	_, err = nn.Bind(context.Background(), s, a, writeWeights(t, a, extra), nn.Options{})
	var ps modelgate.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Rule != "unexpected-tensor" || ps[0].Where != "layers.0.extra" {
		t.Fatalf("err = %v, want one unexpected-tensor problem", err)
	}
}
