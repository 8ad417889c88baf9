package main

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkJSONInput decodes 1000 samples of [784] from JSON in chunks of
// 256, as run does.
func BenchmarkJSONInput(b *testing.B) {
	data := make([]float32, 1000*784)
	for i := range data {
		data[i] = float32(i%255) / 255
	}
	var buf bytes.Buffer
	s := newJSONSink(&buf, []int{784})
	s.write(data, 1000)
	s.close()
	doc := buf.Bytes()
	dst := make([]float32, 256*784)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		src, err := openSource(bytes.NewReader(doc), []int{784}, 0)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := src.next(dst)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkJSONOutput formats 1000 samples of [10].
func BenchmarkJSONOutput(b *testing.B) {
	data := make([]float32, 1000*10)
	for i := range data {
		data[i] = float32(i) / 7
	}
	for b.Loop() {
		s := newJSONSink(io.Discard, []int{10})
		s.write(data, 1000)
		s.close()
	}
}
