package juliabson_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDumpGolden compares Graph.Dump of small corpus files with
// testdata/dump/*.txt (regenerate with -update after checking the diff).
func TestDumpGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"09_juliadeploy_boston_mlp_flux01310.bson",
		"16_bsonjl_fixture_test41_from_32bit.bson",
		"01_jc2020_model_conv.bson",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := mustParse(t, readCorpus(t, name))
			var buf bytes.Buffer
			if err := g.Dump(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "dump", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("dump differs from %s:\n%s", golden, buf.String())
			}
		})
	}
}
