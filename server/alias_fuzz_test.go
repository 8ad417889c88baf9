package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var aliasBodies = []string{
	`{"version": 3}`, `{"version": "latest"}`, `{"version": "3"}`, `{"version": 0}`, `{"version": -1}`,
	`{"version": 1.5}`, `{"version": 1e3}`, `{"version": "../x"}`, `{"version": null}`, `{"version": [1]}`,
	`{"version": 1, "version": 2}`, `{"Version": 1}`, `{"version": 1, "x": 0}`, `{}`, `[]`, ``, `{"version": 1}{}`,
	"{\"version\": \"a\xff\"}",
}

func TestReadAliasBody(t *testing.T) {
	t.Parallel()
	want := map[string]string{`{"version": 3}`: "3", `{"version": "latest"}`: "latest", `{"version": "3"}`: "3", `{"version": 1e3}`: ""}
	for _, b := range aliasBodies {
		ref, err := readAliasBody(strings.NewReader(b))
		w, ok := want[b]
		if ok && w != "" {
			if err != nil || ref != w {
				t.Errorf("%q: %q %v, want %q", b, ref, err, w)
			}
			continue
		}
		if err == nil && !ok {
			t.Errorf("%q accepted as %q", b, ref)
		}
	}
}

// FuzzAliasBody: the alias body decoder never panics and only returns
// valid version references.
func FuzzAliasBody(f *testing.F) {
	for _, b := range aliasBodies {
		f.Add([]byte(b))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "alias", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if len(files) == 0 {
		f.Fatal("no seed files in testdata/alias")
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ref, err := readAliasBody(strings.NewReader(string(body)))
		if err == nil && !validRef(ref) {
			t.Fatalf("returned invalid ref %q", ref)
		}
	})
}
