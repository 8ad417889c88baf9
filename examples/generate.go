// Package examples holds ready-to-run modelgate packages, one directory
// each: mnist-mlp (a trained MNIST classifier), small-cnn and lstm. Each
// directory has model.json, weights.safetensors and a small input.json.
// They are written by internal/examplegen, deterministically:
//
//	go generate ./examples
package examples

//go:generate go run ../internal/examplegen -out . -mnist ../internal/examplegen/testdata/mnist-sample
