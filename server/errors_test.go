package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/modelgate/modelgate"
)

func TestStatusOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		status int
		rule   string
	}{
		{modelgate.Errorf(modelgate.EINVALID, "/layers/0", "unknown-field", "x"), 422, "unknown-field"},
		{modelgate.Errorf(modelgate.EUNSUPPORTED, "", "legacy-unsupported", "x"), 422, "legacy-unsupported"},
		{modelgate.Errorf(modelgate.ELIMIT, "", "too-many-params", "x"), 422, "too-many-params"},
		{modelgate.Errorf(modelgate.ELIMIT, "", ruleRateLimit, "x"), 429, ruleRateLimit},
		{modelgate.Errorf(modelgate.ENOTFOUND, "", "model-not-found", "x"), 404, "model-not-found"},
		{modelgate.Errorf(modelgate.ECONFLICT, "", "version-aliased", "x"), 409, "version-aliased"},
		{modelgate.Errorf(modelgate.EUNAUTHORIZED, "", "unauthorized", "x"), 401, "unauthorized"},
		{modelgate.Errorf(modelgate.EFORBIDDEN, "", "missing-scope", "x"), 403, "missing-scope"},
		{badRequest("", "bad-multipart", "x"), 400, "bad-multipart"},
		{fmt.Errorf("wrapped: %w", badRequest("", "bad-alias-body", "x")), 400, "bad-alias-body"},
		{modelgate.Problems{modelgate.Errorf(modelgate.EINVALID, "a", "r1", "x"), modelgate.Errorf(modelgate.ELIMIT, "b", "r2", "y")}, 422, "r1"},
		{&http.MaxBytesError{Limit: 10}, 413, ruleTooLarge},
		{fmt.Errorf("reading: %w", context.DeadlineExceeded), 503, ruleTimeout},
		{errors.New("disk on fire"), 500, ""},
		{modelgate.Errorf(modelgate.EINTERNAL, "", "stored-model-damaged", "x"), 500, ""},
		// Degenerate Problems values must not panic the error path.
		{modelgate.Problems{}, 500, ""},
		{fmt.Errorf("x: %w", modelgate.Problems(nil)), 500, ""},
	}
	for _, c := range cases {
		if got := statusOf(c.err); got != c.status {
			t.Errorf("%v: status %d, want %d", c.err, got, c.status)
		}
		ps := problemsOf(c.err)
		if ps[0].Rule != c.rule {
			t.Errorf("%v: rule %q, want %q", c.err, ps[0].Rule, c.rule)
		}
		if c.status == 500 && ps[0].Message != "internal error" {
			t.Errorf("%v: internal details leak: %q", c.err, ps[0].Message)
		}
	}
	if n := len(problemsOf(modelgate.Problems{modelgate.Errorf("invalid", "", "a", ""), modelgate.Errorf("invalid", "", "b", "")})); n != 2 {
		t.Errorf("problems flattened to %d", n)
	}
}
