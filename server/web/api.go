package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxAPIResponse bounds an API answer the UI buffers (a listing, a
// version with its report, a prediction).
const maxAPIResponse = 32 << 20

// apiResult is a buffered API response.
type apiResult struct {
	status int
	header http.Header
	body   []byte
}

// problem is one problem of an API error body.
type problem struct {
	Code    string `json:"code"`
	Where   string `json:"where"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// apiError is an API error body.
type apiError struct {
	Error     problem         `json:"error"`
	Problems  []problem       `json:"problems"`
	Report    json.RawMessage `json:"report"`
	RequestID string          `json:"request_id"`
}

// problems decodes the error body of a failed call.
func (a *apiResult) problems() *apiError {
	e := &apiError{}
	if json.Unmarshal(a.body, e) != nil || len(e.Problems) == 0 {
		e.Problems = []problem{{Code: "internal", Message: fmt.Sprintf("the API answered %d", a.status)}}
	}
	return e
}

// apiHandler returns the handler that serves /v1.
func (u *UI) apiHandler(r *http.Request) (http.Handler, error) {
	if u.opt.API != nil {
		return u.opt.API, nil
	}
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.Handler != nil {
		return srv.Handler, nil
	}
	return nil, errors.New("web: no API handler (set Options.API)")
}

// call makes one API request in process with token as the bearer and
// buffers the answer. The request inherits r's context (deadline,
// cancellation) and remote address, so rate limits and logs see the
// real client.
func (u *UI) call(r *http.Request, token, method, path string, body io.Reader, contentType string) (*apiResult, error) {
	h, err := u.apiHandler(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/v1/") {
		return nil, fmt.Errorf("web: not an API path: %q", path)
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, body)
	if err != nil {
		return nil, fmt.Errorf("web: api request: %w", err)
	}
	req.RemoteAddr, req.Host, req.Proto = r.RemoteAddr, r.Host, r.Proto
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.overflow {
		return nil, fmt.Errorf("web: API answer to %s %s is larger than %d bytes", method, path, maxAPIResponse)
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &apiResult{status: rec.status, header: rec.header, body: rec.body}, nil
}

// recorder is a bounded in-memory http.ResponseWriter.
type recorder struct {
	header   http.Header
	status   int
	body     []byte
	overflow bool
}

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if len(w.body)+len(p) > maxAPIResponse {
		w.overflow = true
		return 0, errors.New("web: API answer too large")
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// getJSON calls GET path and decodes a 200 answer into v; any other
// answer is returned as an *apiResult error.
func (u *UI) getJSON(r *http.Request, usr *user, path string, v any) (*apiResult, error) {
	res, err := u.call(r, usr.token, http.MethodGet, path, nil, "")
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		return res, nil
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		return nil, fmt.Errorf("web: decoding %s: %w", path, err)
	}
	return res, nil
}
