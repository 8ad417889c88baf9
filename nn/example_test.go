package nn_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// Example binds a two-layer model to a safetensors file and runs a batch of
// two samples.
func Example() {
	doc := []byte(`{
	  "format": "modelgate/v1",
	  "name": "tiny",
	  "input": {"shape": [2]},
	  "layers": [
	    {"type": "dense", "units": 2, "activation": "relu"},
	    {"type": "softmax"}
	  ],
	  "weights": {"sha256": "` + fmt.Sprintf("%064d", 0) + `", "bytes": 8}
	}`)
	lim := modelgate.DefaultLimits()
	s, err := spec.ParseJSON(doc, lim)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := spec.Analyze(s, lim)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Parameter names come from the layer's position: layers.0.weight is
	// [units, in], layers.0.bias is [units].
	var buf bytes.Buffer
	err = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{2, 2}, []float32{1, 0, 0, 1}),
		safetensors.F32("layers.0.bias", []int64{2}, []float32{0, 0}),
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := safetensors.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), lim)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()

	m, err := nn.Bind(context.Background(), s, a, w, nn.Options{Limits: lim})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Predict(context.Background(), nn.Tensor{Shape: []int{2, 2}, Data: []float32{0, 0, 3, -1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Shape)
	fmt.Printf("%.4f\n", out.Data)
	// Output:
	// [2 2]
	// [0.5000 0.5000 0.9526 0.0474]
}
