package juliabson_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
)

// sharedCorpus returns ../shared/corpus/flux-bson relative to the
// repository root, or "" if it is absent.
func sharedCorpus(tb testing.TB) string {
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

// wantRule checks that err is a *modelgate.Error with the given code and rule.
func wantRule(tb testing.TB, err error, code, rule string) {
	tb.Helper()
	var me *modelgate.Error
	if !errors.As(err, &me) {
		tb.Fatalf("error %v (%T) is not a *modelgate.Error", err, err)
	}
	if me.Code != code || me.Rule != rule {
		tb.Fatalf("got code %q rule %q (%v), want code %q rule %q", me.Code, me.Rule, err, code, rule)
	}
}
