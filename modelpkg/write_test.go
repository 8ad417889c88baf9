package modelpkg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// tinySpec is a 3-2 dense layer; tinyTensors its weights.
func tinySpec() *spec.Spec {
	return &spec.Spec{
		Format: spec.FormatV1,
		Name:   "tiny",
		Input:  spec.Input{Shape: []int{3}},
		Layers: spec.Layers{&spec.Dense{Units: 2, Bias: true}},
	}
}

func tinyTensors() []safetensors.Tensor {
	return []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		safetensors.F32("layers.0.bias", []int64{2}, []float32{0.5, -0.5}),
	}
}

func TestWriteLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "pkg")
	s := tinySpec()
	if err := Write(ctx, dir, s, tinyTensors()); err != nil {
		t.Fatal(err)
	}
	if s.Weights.DType != "float32" || len(s.Weights.SHA256) != 64 || s.Weights.Bytes < 8 {
		t.Fatalf("Weights not filled: %+v", s.Weights)
	}
	p, err := Load(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Predict(ctx, nnTensor([]int{1, 3}, []float32{1, 1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	if out.Data[0] != 6.5 || out.Data[1] != 14.5 {
		t.Fatalf("output %v", out.Data)
	}
	// The spec file is canonical and there are no leftovers.
	b, _ := os.ReadFile(filepath.Join(dir, SpecJSON))
	canon, _ := spec.Marshal(p.Spec)
	if !bytes.Equal(b, canon) {
		t.Fatalf("model.json is not canonical:\n%s\n%s", b, canon)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("directory holds %d entries", len(entries))
	}
}

func TestWriteRefusesNonEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, SpecYAML), []byte("x"), 0o644)
	err := Write(ctx, dir, tinySpec(), tinyTensors())
	if modelgate.ErrorCode(err) != modelgate.ECONFLICT {
		t.Fatalf("err = %v", err)
	}
	if err := WriteWith(ctx, dir, tinySpec(), tinyTensors(), WriteOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SpecYAML)); !os.IsNotExist(err) {
		t.Fatal("Overwrite left model.yaml behind")
	}
	if _, err := Load(ctx, dir, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteRefusesBadPackage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	ts := tinyTensors()[:1] // bias missing
	err := Write(ctx, dir, tinySpec(), ts)
	if err == nil {
		t.Fatal("wrote a package that does not bind")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left %d files behind", len(entries))
	}
	bad := tinySpec()
	bad.Layers = spec.Layers{&spec.Dense{Units: 0}}
	if err := Write(ctx, dir, bad, tinyTensors()); err == nil {
		t.Fatal("wrote an invalid spec")
	}
	if err := Write(ctx, dir, nil, nil); err == nil {
		t.Fatal("wrote a nil spec")
	}
}

// TestExamplesCanonical checks that the committed example specs are in
// canonical form: Write produced them.
func TestExamplesCanonical(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"mnist-mlp", "small-cnn", "lstm"} {
		b, err := os.ReadFile(filepath.Join(examplesDir, name, SpecJSON))
		if err != nil {
			t.Fatal(err)
		}
		s, err := spec.ParseJSON(b, modelgate.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		canon, _ := spec.Marshal(s)
		if !bytes.Equal(b, canon) {
			t.Errorf("%s: model.json is not canonical", name)
		}
	}
}

func nnTensor(shape []int, data []float32) nn.Tensor { return nn.Tensor{Shape: shape, Data: data} }
