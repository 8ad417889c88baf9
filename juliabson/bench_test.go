package juliabson_test

import (
	"testing"

	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/juliabson"
)

func BenchmarkBuild(b *testing.B) {
	data := readCorpus(b, "01_jc2020_model_conv.bson")
	doc, err := bson.Parse(data, bson.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := juliabson.Build(doc, juliabson.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAndWalk(b *testing.B) {
	data := readCorpus(b, "01_jc2020_model_conv.bson")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		g, err := juliabson.Parse(data, juliabson.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		g.Walk(func(*juliabson.Path, juliabson.Value) bool { return true })
	}
}
