// Package bsontest holds test helpers shared by the tests of the bson and
// juliabson packages: locating the shared Flux BSON corpus and checking the
// typed errors both parsers return. It is imported only by tests.
package bsontest

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
)

// SharedCorpus returns the directory ../shared/corpus/flux-bson relative to
// the repository root (the nearest parent of the working directory holding
// go.mod), or "" if it is absent.
func SharedCorpus(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus", "flux-bson")
	if _, err := os.Stat(c); err != nil {
		return ""
	}
	return c
}

// WantRule fails tb unless err is a *modelgate.Error with the given code
// and rule.
func WantRule(tb testing.TB, err error, code, rule string) {
	tb.Helper()
	var me *modelgate.Error
	if !errors.As(err, &me) {
		tb.Fatalf("error %v (%T) is not a *modelgate.Error", err, err)
	}
	if me.Code != code || me.Rule != rule {
		tb.Fatalf("got code %q rule %q (%v), want code %q rule %q", me.Code, me.Rule, err, code, rule)
	}
}

// AddSeeds adds to f every file of files and every input of extra that is
// shorter than maxLen bytes (large seeds make the fuzzer's minimization
// crawl), and returns how many it added. A file that cannot be read is
// skipped.
func AddSeeds(f *testing.F, files []string, extra [][]byte, maxLen int) int {
	f.Helper()
	n := 0
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil && len(data) < maxLen {
			f.Add(data)
			n++
		}
	}
	for _, data := range extra {
		if len(data) < maxLen {
			f.Add(data)
			n++
		}
	}
	return n
}
