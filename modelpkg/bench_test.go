package modelpkg

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkLoad loads the MNIST example: open, parse, analyse, hash,
// validate the safetensors header and bind (0.94 MB of weights).
func BenchmarkLoad(b *testing.B) {
	dir := filepath.Join(examplesDir, "mnist-mlp")
	ctx := context.Background()
	for b.Loop() {
		if _, err := Load(ctx, dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigest measures the streaming SHA-256 of the weights check.
func BenchmarkDigest(b *testing.B) {
	data := bytes.Repeat([]byte{1, 2, 3, 4}, 4<<20)
	b.SetBytes(int64(len(data)))
	r := bytes.NewReader(data)
	for b.Loop() {
		if _, err := Digest(context.Background(), r, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}
