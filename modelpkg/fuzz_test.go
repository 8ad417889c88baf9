package modelpkg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
)

// FuzzOpen drives the whole loader path (spec parse, analysis, size and
// digest check, safetensors, binding) with mutated packages: it must never
// panic, every refusal must be typed, and Validate must agree with Open.
func FuzzOpen(f *testing.F) {
	seeds := 0
	for _, name := range []string{"lstm", "small-cnn"} {
		s, err1 := os.ReadFile(filepath.Join(examplesDir, name, SpecJSON))
		w, err2 := os.ReadFile(filepath.Join(examplesDir, name, WeightsFile))
		if err1 != nil || err2 != nil {
			f.Fatal(err1, err2)
		}
		f.Add(s, false, w)
		seeds++
	}
	if y, err := os.ReadFile(filepath.Join("testdata", "lstm.yaml")); err == nil {
		f.Add(y, true, []byte{})
		seeds++
	}
	if seeds < 3 {
		f.Fatal("missing seeds")
	}
	lim := modelgate.DefaultLimits()
	lim.Params, lim.FLOPs, lim.WeightsBytes = 1<<20, 1<<26, 1<<22
	opt := Options{Limits: lim, SkipDigest: true, Threads: 1}
	f.Fuzz(func(t *testing.T, specData []byte, isYAML bool, weights []byte) {
		ctx := context.Background()
		r := bytes.NewReader(weights)
		p, err := Open(ctx, specData, isYAML, r, int64(len(weights)), opt)
		rep, verr := ValidateBytes(ctx, specData, isYAML, r, int64(len(weights)), opt)
		if verr != nil {
			t.Fatalf("ValidateBytes error: %v", verr)
		}
		if (err == nil) != rep.Valid() {
			t.Fatalf("Open err %v but Validate problems %v", err, rep.Problems)
		}
		if err != nil {
			if c := modelgate.ErrorCode(err); c == modelgate.EINTERNAL {
				t.Fatalf("untyped error: %v", err)
			}
			for _, pr := range rep.Problems {
				if pr == nil || pr.Code == "" || pr.Code == modelgate.EINTERNAL || pr.Rule == "" {
					t.Fatalf("problem without code or rule: %#v", pr)
				}
			}
			return
		}
		if p.Model == nil || len(p.SpecDigest) != 64 {
			t.Fatal("incomplete package")
		}
	})
}
