// Command examplegen writes the example packages under examples/: a trained
// MNIST MLP (examples/mnist-mlp), a small CNN (examples/small-cnn) and an
// LSTM (examples/lstm), each with model.json, weights.safetensors and a
// small input.json. The output is deterministic: running it again
// reproduces the committed bytes exactly (a test checks this). Training
// uses no threads and no fused multiply-adds; it calls math.Exp, whose
// assembly and pure-Go versions may differ in the last bit, so the trained
// weights are reproduced exactly on amd64, where they were made.
//
// Run it from the repository root:
//
//	go run ./internal/examplegen
//
// or, equivalently, go generate ./examples.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/modelgate/modelgate/modelpkg"
)

// epochs of SGD for the MNIST MLP.
const epochs = 15

func main() {
	out := flag.String("out", "examples", "directory to write the example packages into")
	mnist := flag.String("mnist", filepath.Join("internal", "examplegen", "testdata", "mnist-sample"), "directory of the MNIST sample (IDX, gzip)")
	only := flag.String("only", "", "generate only this example (mnist-mlp, small-cnn or lstm)")
	flag.Parse()
	if err := generate(context.Background(), *out, *mnist, *only); err != nil {
		fmt.Fprintln(os.Stderr, "examplegen:", err)
		os.Exit(1)
	}
}

// names lists the examples in generation order.
var names = []string{"mnist-mlp", "small-cnn", "lstm"}

// generate writes the examples (or only the one named) into out.
func generate(ctx context.Context, out, mnist, only string) error {
	for _, name := range names {
		if only != "" && name != only {
			continue
		}
		ex, err := build(name, mnist)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := write(ctx, filepath.Join(out, name), ex); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// build makes the named example.
func build(name, mnist string) (*example, error) {
	switch name {
	case "mnist-mlp":
		return mnistMLP(mnist, epochs)
	case "small-cnn":
		return smallCNN(mnist)
	case "lstm":
		return lstm(), nil
	}
	return nil, fmt.Errorf("unknown example %q", name)
}

// write stores the package and its input.json in dir.
func write(ctx context.Context, dir string, ex *example) error {
	if err := modelpkg.WriteWith(ctx, dir, ex.spec, ex.tensors, modelpkg.WriteOptions{Overwrite: true}); err != nil {
		return err
	}
	b := appendNested(nil, ex.input, ex.spec.Input.Shape)
	return os.WriteFile(filepath.Join(dir, "input.json"), b, 0o644)
}

// appendNested formats samples as a JSON nested array, batch first, one
// sample per line, each of the given per-sample shape.
func appendNested(b []byte, samples [][]float32, shape []int) []byte {
	b = append(b, "[\n"...)
	for i, x := range samples {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = appendArray(b, x, shape)
	}
	return append(b, "\n]\n"...)
}

// appendArray formats one row-major array of shape as nested JSON arrays.
func appendArray(b []byte, x []float32, shape []int) []byte {
	if len(shape) == 0 {
		return strconv.AppendFloat(b, float64(x[0]), 'g', -1, 32)
	}
	step := len(x) / shape[0]
	b = append(b, '[')
	for i := range shape[0] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendArray(b, x[i*step:(i+1)*step], shape[1:])
	}
	return append(b, ']')
}
