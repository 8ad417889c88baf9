package npy

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkReader streams a [1000, 784] float32 array in chunks of 256 rows.
func BenchmarkReader(b *testing.B) {
	data := make([]float32, 1000*784)
	var buf bytes.Buffer
	if err := Write(&buf, []int{1000, 784}, data); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	chunk := make([]float32, 256*784)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(file), 0)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Read(chunk)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
