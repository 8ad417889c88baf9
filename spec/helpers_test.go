package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

const testSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// doc builds a JSON spec with the given input shape and layers array body.
func doc(shape, layers string) []byte {
	return []byte(fmt.Sprintf(`{"format":"modelgate/v1","name":"t","input":{"shape":%s},"layers":[%s],"weights":{"sha256":%q,"bytes":100}}`,
		shape, layers, testSHA))
}

// firstProblem returns the first *modelgate.Error of err.
func firstProblem(t testing.TB, err error) *modelgate.Error {
	t.Helper()
	var e *modelgate.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) holds no *modelgate.Error", err, err)
	}
	return e
}

// wantProblem checks that err holds a problem with the rule (and where, when
// not empty).
func wantProblem(t testing.TB, err error, rule, where string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want rule %q", rule)
	}
	var ps modelgate.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v is %T, want modelgate.Problems", err, err)
	}
	for _, e := range ps {
		if e.Rule == rule && (where == "" || e.Where == where) {
			return
		}
	}
	t.Fatalf("got %v\nwant rule %q at %q", err, rule, where)
}

func mustParse(t testing.TB, data []byte) *Spec {
	t.Helper()
	s, err := ParseJSON(data, modelgate.DefaultLimits())
	if err != nil {
		t.Fatalf("ParseJSON: %v\n%s", err, data)
	}
	return s
}

func nested(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}
