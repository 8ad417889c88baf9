package spec_test

import (
	"errors"
	"fmt"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

const mlp = `{
  "format": "modelgate/v1",
  "name": "mnist-mlp",
  "input": {"shape": [784]},
  "layers": [
    {"type": "dense", "units": 128, "activation": "relu"},
    {"type": "dense", "units": 10},
    {"type": "softmax"}
  ],
  "weights": {"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "bytes": 407080}
}`

func ExampleAnalyze() {
	s, err := spec.ParseJSON([]byte(mlp), modelgate.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := spec.Analyze(s, modelgate.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range a.Layers {
		fmt.Println(l.Pointer, l.Layer.LayerType(), l.In, "->", l.Out)
	}
	for _, p := range a.Params {
		fmt.Println(p.Name, p.Shape)
	}
	fmt.Println("params", a.TotalParams, "flops", a.TotalFLOPs)
	// Output:
	// /layers/0 dense [784] -> [128]
	// /layers/1 dense [128] -> [10]
	// /layers/2 softmax [10] -> [10]
	// layers.0.weight [128, 784]
	// layers.0.bias [128]
	// layers.1.weight [10, 128]
	// layers.1.bias [10]
	// params 101770 flops 203560
}

func ExampleParseJSON_problems() {
	bad := `{"format": "modelgate/v1", "name": "x", "input": {"shape": [4]},
  "layers": [{"type": "dense", "units": 0}, {"type": "dropout", "rate": 1.5}],
  "weights": {"sha256": "abc", "bytes": 100}}`
	_, err := spec.ParseJSON([]byte(bad), modelgate.Limits{})
	var ps modelgate.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Println(p.Code, p.Where, p.Rule)
		}
	}
	// Output:
	// invalid /weights/sha256 bad-sha256
	// invalid /layers/0/units out-of-range
	// invalid /layers/1/rate out-of-range
}

func ExampleParseYAML() {
	doc := `
format: modelgate/v1
name: tiny
input: {shape: [4]}
layers:
  - type: dense
    units: 2
    bias: no
weights: {sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, bytes: 100}
`
	_, err := spec.ParseYAML([]byte(doc), modelgate.Limits{})
	fmt.Println(err)
	// Output:
	// /layers/0/bias: want true or false, got string (YAML line 8) [type-mismatch]
}

func ExampleMarshal() {
	l, _ := spec.NewLayer(spec.TypeMaxPool)
	l.(*spec.MaxPool).Kernel = []int{2}
	s := &spec.Spec{
		Format:  spec.FormatV1,
		Name:    "pool",
		Input:   spec.Input{Shape: []int{1, 8}},
		Layers:  spec.Layers{l},
		Weights: spec.WeightsRef{SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Bytes: 8},
	}
	out, err := spec.Marshal(s)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// {
	//   "format": "modelgate/v1",
	//   "name": "pool",
	//   "input": {
	//     "shape": [1, 8],
	//     "dtype": "float32"
	//   },
	//   "layers": [
	//     {
	//       "type": "max_pool",
	//       "kernel": [2],
	//       "stride": [2],
	//       "padding": [0, 0]
	//     }
	//   ],
	//   "weights": {
	//     "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	//     "bytes": 8,
	//     "dtype": "float32"
	//   }
	// }
}
