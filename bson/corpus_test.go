package bson_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/magic"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// corpusFiles returns the local testdata copies plus, when present, every
// file of the shared corpus.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("testdata/corpus/*.b*")
	if err != nil {
		tb.Fatal(err)
	}
	if dir := sharedCorpus(tb); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*.bson"))
		files = append(files, more...)
	}
	return files
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t)
	if len(files) < 8 {
		t.Fatalf("only %d corpus files", len(files))
	}
	if sharedCorpus(t) == "" {
		t.Log("../shared/corpus/flux-bson absent: testing the local copies only")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			format := magic.Detect(data)
			doc, err := bson.Parse(data, bson.Limits{})
			if strings.HasPrefix(filepath.Base(f), "15_") {
				if format != magic.JuliaSerialization {
					t.Errorf("format %v, want %v", format, magic.JuliaSerialization)
				}
				if err == nil {
					t.Fatal("a Julia Serialization stream parsed as BSON")
				}
				return
			}
			if format != magic.BSON {
				t.Errorf("format %v, want bson", format)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.AppendTo(nil); !bytes.Equal(got, data) {
				t.Fatal("re-encoding differs from the input")
			}
			if err := bsoncore.Document(data).Validate(); err != nil {
				t.Fatalf("bsoncore refuses: %v", err)
			}
			sameAsCore(t, doc, bsoncore.Document(data))
		})
	}
}

func TestCorpusKeys(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/corpus/09_juliadeploy_boston_mlp_flux01310.bson")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := bson.Parse(data, bson.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(doc.Keys(), ","); got != "model,_backrefs" {
		t.Fatalf("keys %q", got)
	}
	model, ok := doc.Lookup("model")
	if !ok || model.Kind != bson.KindDocument {
		t.Fatalf("model: %v %v", model.Kind, ok)
	}
	md, _ := model.Doc()
	tag, _ := md.Lookup("tag")
	if s, _ := tag.Str(); s != "struct" {
		t.Fatalf("tag %q", s)
	}
	if _, ok := doc.Lookup("nope"); ok {
		t.Fatal("lookup of a missing key succeeded")
	}
}

func TestLimitsTooLarge(t *testing.T) {
	t.Parallel()
	data := mustEncode(t, bson.D{{"a", "0123456789"}})
	_, err := bson.Parse(data, bson.Limits{MaxBytes: int64(len(data) - 1)})
	wantRule(t, err, modelgate.ELIMIT, "too-large")
	if _, err := bson.Parse(data, bson.Limits{MaxBytes: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
}
