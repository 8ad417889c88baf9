package juliabson_test

import (
	"testing"

	"github.com/modelgate/modelgate/internal/bsontest"
)

// sharedCorpus returns the shared Flux BSON corpus directory, or "".
func sharedCorpus(tb testing.TB) string { return bsontest.SharedCorpus(tb) }

// wantRule checks that err is a *modelgate.Error with the given code and rule.
func wantRule(tb testing.TB, err error, code, rule string) { bsontest.WantRule(tb, err, code, rule) }
