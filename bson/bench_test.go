package bson_test

import (
	"os"
	"testing"

	"github.com/modelgate/modelgate/bson"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/corpus/01_jc2020_model_conv.bson")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bson.Parse(data, bson.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLarge parses a 64 MiB document of 16 binaries, the shape of
// a weights-heavy file: payloads are not copied.
func BenchmarkParseLarge(b *testing.B) {
	d := bson.D{}
	for i := range 16 {
		d = append(d, bson.E{Key: string(rune('a' + i)), Value: make([]byte, 4<<20)})
	}
	data, err := bson.Encode(d)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bson.Parse(data, bson.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
