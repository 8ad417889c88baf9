package safetensors

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/modelgate/modelgate"
)

// BenchmarkInspect10k parses and validates the header of a file of 10,000
// small tensors.
func BenchmarkInspect10k(b *testing.B) {
	ts := make([]Tensor, 10_000)
	for i := range ts {
		ts[i] = F32("model.layers."+strconv.Itoa(i)+".weight", []int64{2, 2}, []float32{1, 2, 3, 4})
	}
	file := mustWrite(b, ts, map[string]string{"format": "pt"})
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(bytes.NewReader(file), int64(len(file)), modelgate.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRead measures ReadFloat32 of a 4M-element tensor of dtype dt.
func benchRead(b *testing.B, dt string, mapped bool) {
	const n = 4 << 20
	size, _ := byteSize(dt, []int64{n})
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	file := mustWrite(b, []Tensor{{Name: "x", DType: dt, Shape: []int64{n}, Data: data}}, nil)
	var f *File
	if mapped {
		path := filepath.Join(b.TempDir(), "x.safetensors")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			b.Fatal(err)
		}
		var err error
		if f, err = OpenFile(path, modelgate.Limits{}); err != nil {
			b.Fatal(err)
		}
		defer f.Close()
	} else {
		f = mustOpen(b, file)
	}
	dst := make([]float32, n)
	b.SetBytes(n * 4) // float32 bytes produced
	for b.Loop() {
		if err := f.ReadFloat32(context.Background(), "x", dst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFloat32 measures conversion throughput per dtype, from a
// mapped file and through an io.ReaderAt.
func BenchmarkReadFloat32(b *testing.B) {
	for _, dt := range []string{"F32", "F16", "BF16", "F64"} {
		b.Run(dt+"/mmap", func(b *testing.B) { benchRead(b, dt, true) })
		b.Run(dt+"/readerat", func(b *testing.B) { benchRead(b, dt, false) })
	}
}
