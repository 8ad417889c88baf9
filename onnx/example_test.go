package onnx_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/onnx"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// Export a two-layer classifier whose weights are a safetensors file.
func ExampleExport() {
	doc := []byte(`{"format": "modelgate/v1", "name": "tiny",
		"input": {"shape": [3]},
		"layers": [{"type": "dense", "units": 2, "activation": "relu"}, {"type": "softmax"}],
		"weights": {"sha256": "` + fmt.Sprintf("%064d", 0) + `", "bytes": 8}}`)
	lim := modelgate.DefaultLimits()
	s, err := spec.ParseJSON(doc, lim)
	if err != nil {
		log.Fatal(err)
	}
	a, err := spec.Analyze(s, lim)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	err = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{2, 3}, []float32{1, 0, 0, 0, 1, 0}),
		safetensors.F32("layers.0.bias", []int64{2}, []float32{0, 0}),
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	w, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), lim)
	if err != nil {
		log.Fatal(err)
	}
	model, err := onnx.Export(context.Background(), s, a, w)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(model) > 0, onnx.InputName, a.Input, "->", onnx.OutputName, a.Output)
	// Output: true input [3] -> output [2]
}
