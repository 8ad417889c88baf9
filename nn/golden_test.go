package nn

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden")

// TestGolden runs every test model with seeded weights and inputs and
// compares the outputs with testdata/golden/<model>.txt (one value per
// line, tolerance as assertClose). It catches end-to-end regressions such
// as wiring, parameter naming or layout changes. Regenerate with -update-golden
// after an intended change, and say why in the commit.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, file := range modelFiles(t) {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := spec.ParseJSON(data, modelgate.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			a := mustAnalyze(t, s)
			m, err := Bind(context.Background(), s, a, specWeights(s, a, 42), Options{Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Predict(context.Background(), intInput(a.Input, 2, 43))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".txt")
			if *updateGolden {
				var b bytes.Buffer
				for _, v := range out.Data {
					fmt.Fprintf(&b, "%.9g\n", v)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := readGolden(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-golden to create it)", err)
			}
			assertClose(t, out.Data, want)
		})
	}
}

// readGolden reads one float per line.
func readGolden(path string) ([]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []float64
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}
