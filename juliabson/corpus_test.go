package juliabson_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/juliabson"
)

// corpusFiles returns the bson package's testdata copies plus, when present,
// the shared corpus, without the Julia Serialization stream.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../bson/testdata/corpus/*.bson")
	if err != nil {
		tb.Fatal(err)
	}
	if dir := sharedCorpus(tb); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*.bson"))
		for _, f := range more {
			if !strings.HasPrefix(filepath.Base(f), "15_") {
				files = append(files, f)
			}
		}
	}
	return files
}

func TestCorpusBuilds(t *testing.T) {
	t.Parallel()
	files := corpusFiles(t)
	if len(files) < 7 {
		t.Fatalf("only %d corpus files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g, err := juliabson.Parse(data, juliabson.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			g.Walk(func(at *juliabson.Path, v juliabson.Value) bool { n++; return true })
			t.Logf("keys %v, %d nodes, %d backrefs, cycles %v, walked %d", g.Keys(), g.Nodes, len(g.Backrefs), g.Cycles, n)
		})
	}
}
