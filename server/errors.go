package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server/middleware"
)

// statusByCode maps modelgate error codes to HTTP statuses. It is the one
// table the server uses; [statusByRule] refines a few rules.
var statusByCode = map[string]int{
	modelgate.EINVALID:      http.StatusUnprocessableEntity,
	modelgate.EUNSUPPORTED:  http.StatusUnprocessableEntity,
	modelgate.ELIMIT:        http.StatusUnprocessableEntity,
	modelgate.ENOTFOUND:     http.StatusNotFound,
	modelgate.ECONFLICT:     http.StatusConflict,
	modelgate.EUNAUTHORIZED: http.StatusUnauthorized,
	modelgate.EFORBIDDEN:    http.StatusForbidden,
	modelgate.EINTERNAL:     http.StatusInternalServerError,
}

// statusByRule overrides the code's status for rules that HTTP names more
// precisely.
var statusByRule = map[string]int{
	ruleTooLarge:  http.StatusRequestEntityTooLarge,
	ruleRateLimit: http.StatusTooManyRequests,
	ruleTimeout:   http.StatusServiceUnavailable,
}

// Rules the server itself reports.
const (
	ruleTooLarge   = "request-too-large"
	ruleRateLimit  = "rate-limited"
	ruleTimeout    = "timeout"
	ruleBadRequest = "bad-request"
)

// requestError marks an error as a malformed request (400), as opposed to
// a well-formed request whose content is refused (422).
type requestError struct{ e *modelgate.Error }

func (e requestError) Error() string { return e.e.Error() }
func (e requestError) Unwrap() error { return e.e }

// badRequest returns a 400 error.
func badRequest(where, rule, format string, args ...any) error {
	return requestError{e: modelgate.Errorf(modelgate.EINVALID, where, rule, format, args...)}
}

// problemJSON is one problem as the API reports it; the CLI's
// "validate --format json" prints the same objects.
type problemJSON = modelgate.Problem

func toProblem(e *modelgate.Error) problemJSON { return e.Problem() }

// problemsOf flattens err into API problems; the result is never empty.
// Errors without a code (and a Problems holding no problem) become one
// opaque internal problem: their text is logged, never shown.
func problemsOf(err error) []problemJSON {
	var ps modelgate.Problems
	if errors.As(err, &ps) {
		out := make([]problemJSON, 0, len(ps))
		for _, p := range ps {
			out = append(out, toProblem(p))
		}
		if len(out) > 0 {
			return out
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return []problemJSON{{Code: modelgate.ELIMIT, Rule: ruleTooLarge, Message: "request body larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return []problemJSON{{Code: modelgate.EINTERNAL, Rule: ruleTimeout, Message: "request timed out"}}
	}
	var e *modelgate.Error
	if errors.As(err, &e) && e.Code != "" && e.Code != modelgate.EINTERNAL {
		return []problemJSON{toProblem(e)}
	}
	return []problemJSON{{Code: modelgate.EINTERNAL, Message: "internal error"}}
}

// statusOf returns the HTTP status for err.
func statusOf(err error) int {
	var rq requestError
	if errors.As(err, &rq) {
		return http.StatusBadRequest
	}
	p := problemsOf(err)[0]
	if st, ok := statusByRule[p.Rule]; ok {
		return st
	}
	if st, ok := statusByCode[p.Code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error     problemJSON     `json:"error"`
	Problems  []problemJSON   `json:"problems"`
	Report    json.RawMessage `json:"report,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
}

// writeError answers with err's status and problems; report, when not
// nil, is the validation or scan report established before the refusal.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, report json.RawMessage) {
	st := statusOf(err)
	ps := problemsOf(err)
	if st >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "err", err.Error(), "request_id", middleware.GetRequestID(r.Context()))
	}
	switch st {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="modelgate"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, st, errorBody{Error: ps[0], Problems: ps, Report: report, RequestID: middleware.GetRequestID(r.Context())})
}

// writeJSON answers with v as indented JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
