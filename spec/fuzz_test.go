package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/modelgate/modelgate"
)

// maxSeed keeps huge hostile inputs out of the fuzz corpus.
const maxSeed = 64 << 10

// addSeeds adds every file matching the patterns and every extra input, and
// fails when there are none.
func addSeeds(f *testing.F, extra []string, patterns ...string) {
	f.Helper()
	n := 0
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			n++
		}
	}
	for _, s := range extra {
		if len(s) <= maxSeed {
			f.Add([]byte(s))
			n++
		}
	}
	if n == 0 {
		f.Fatal("no fuzz seeds")
	}
}

// checkAccepted checks the round-trip properties of an accepted spec.
func checkAccepted(t *testing.T, s *Spec) {
	out, err := Marshal(s)
	if err != nil {
		t.Fatalf("Marshal of an accepted spec: %v", err)
	}
	back, err := ParseJSON(out, modelgate.DefaultLimits())
	if err != nil {
		t.Fatalf("canonical form refused: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip changed the spec:\n%s", out)
	}
	again, err := Marshal(back)
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("Marshal is not idempotent")
	}
	_, _ = Analyze(s, modelgate.DefaultLimits()) // must not panic
}

func FuzzParseJSON(f *testing.F) {
	var extra []string
	for _, tc := range hostileJSON {
		extra = append(extra, tc.input)
	}
	for _, tc := range invalidLayers {
		extra = append(extra, string(doc(tc.shape, tc.layers)))
	}
	for _, tc := range shapeErrors {
		extra = append(extra, string(doc(tc.shape, tc.layers)))
	}
	addSeeds(f, extra, "testdata/valid/*.json", "testdata/invalid/*.json", "testdata/canonical/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseJSON(data, modelgate.DefaultLimits())
		checkParsed(t, s, err)
	})
}

func FuzzParseYAML(f *testing.F) {
	var extra []string
	for _, tc := range hostileYAML {
		extra = append(extra, tc.input)
	}
	addSeeds(f, extra, "testdata/yaml/*.yaml", "testdata/valid/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseYAML(data, modelgate.DefaultLimits())
		checkParsed(t, s, err)
	})
}

// checkParsed checks one result of a parser: a rejection is typed and
// carries no spec, an accepted spec passes checkAccepted.
func checkParsed(t *testing.T, s *Spec, err error) {
	t.Helper()
	if err != nil {
		if s != nil {
			t.Fatal("spec and error")
		}
		checkRejection(t, err)
		return
	}
	checkAccepted(t, s)
}

// checkRejection fails unless err is a *modelgate.Error or Problems whose
// every entry has a non-internal Code and a Rule.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	var ps modelgate.Problems
	switch e := err.(type) {
	case *modelgate.Error:
		ps = modelgate.Problems{e}
	case modelgate.Problems:
		ps = e
	default:
		t.Fatalf("untyped error %T: %v", err, err)
	}
	if len(ps) == 0 {
		t.Fatal("empty Problems as an error")
	}
	for _, p := range ps {
		if p == nil || p.Code == "" || p.Code == modelgate.EINTERNAL || p.Rule == "" {
			t.Fatalf("rejection without code or rule: %#v", p)
		}
	}
}
