package scan_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/scan"
)

// seeds returns the fuzz seeds: the hostile table, small clean models, and
// the real corpus files under 200 kB when the shared corpus is present.
func seeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, h := range hostiles() {
		if h.name == "deep-200k" {
			out = append(out, deep(2000))
			continue
		}
		out = append(out, h.data(tb))
	}
	out = append(out,
		enc(tb, doc("model", chain(dense(3, 4), dense(4, 2), fn("NNlib", "#softmax")), "acc", 0.9)),
		lambdaIR(tb, flattenCode(4), func(v any) any { return chain(dense(4, 4), v) }),
		enc(tb, bson.D{{Key: "params", Value: bson.A{f32arr(2, 2), f32arr(2)}}}),
	)
	for _, dir := range []string{"../../shared/corpus/flux-bson", "../shared/corpus/flux-bson"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.bson"))
		for _, f := range m {
			if b, err := os.ReadFile(f); err == nil && len(b) < 200<<10 {
				out = append(out, b)
			}
		}
	}
	return out
}

// FuzzScan checks that File never panics, that every parse failure is a
// typed *modelgate.Error with a rule, and that every blocking finding has
// a rule and a path.
func FuzzScan(f *testing.F) {
	ss := seeds(f)
	if len(ss) == 0 {
		f.Fatal("no fuzz seeds")
	}
	for _, s := range ss {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lambdas := range []bool{false, true} {
			rep, err := scan.File(context.Background(), data, scan.Options{AllowKnownLambdas: lambdas})
			if rep == nil {
				t.Fatal("nil report")
			}
			if err != nil {
				var me *modelgate.Error
				if !asError(err, &me) || me.Rule == "" || me.Code == "" {
					t.Fatalf("untyped error %T %v", err, err)
				}
				continue
			}
			for _, fd := range rep.Findings {
				if fd.Rule == "" || fd.Message == "" || fd.Count < 1 {
					t.Fatalf("bad finding %+v", fd)
				}
				if _, ok := scan.Rules[fd.Rule]; !ok {
					t.Fatalf("finding with undocumented rule %q", fd.Rule)
				}
			}
		}
	})
}
