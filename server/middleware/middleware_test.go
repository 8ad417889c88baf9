package middleware

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestChainOrder(t *testing.T) {
	t.Parallel()
	var order []string
	mk := func(name string) Middleware {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	h := Chain(mk("a"), mk("b"), mk("c"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { order = append(order, "h") }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if got := strings.Join(order, ""); got != "abch" {
		t.Fatalf("order %q", got)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	var seen []string
	h := RequestID()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, GetRequestID(r.Context()))
	}))
	for i := 0; i < 2; i++ {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set(RequestIDHeader, "client-chosen")
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get(RequestIDHeader); got != seen[i] || len(got) != 16 {
			t.Fatalf("header %q, context %q", got, seen[i])
		}
	}
	if seen[0] == seen[1] {
		t.Fatal("request IDs repeat")
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	h := Chain(RequestID(), Log(logger))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "hello")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if line["status"] != float64(418) || line["path"] != "/x" || line["bytes"] != float64(5) || line["request_id"] == "" {
		t.Fatalf("log line %v", line)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := BodyLimit(10)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	for _, c := range []struct {
		body    string
		chunked bool
		want    int
	}{
		{"0123456789", false, 200},
		{"0123456789a", false, 413},
		{"0123456789a", true, 413},
		{"", true, 200},
	} {
		req := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.chunked {
			req.ContentLength = -1
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("body %q chunked=%v: status %d, want %d", c.body, c.chunked, rec.Code, c.want)
		}
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	h := Recover(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "internal error") || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("status %d body %q", rec.Code, rec.Body)
	}
	if !strings.Contains(buf.String(), "boom") {
		t.Fatal("panic not logged")
	}
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("ErrAbortHandler not re-raised: %v", v)
		}
	}()
	Recover(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	h := Timeout(20 * time.Millisecond)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			w.WriteHeader(http.StatusGatewayTimeout)
		case <-time.After(5 * time.Second):
			w.WriteHeader(http.StatusOK)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("status %d", rec.Code)
	}
	Timeout(0)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Deadline(); ok {
			t.Error("zero timeout set a deadline")
		}
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestRoute(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle("GET /v1/models/{name}", RecordRoute(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	var got string
	h := Route()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		got = GetRoute(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/models/secret-name", nil))
	if got != "GET /v1/models/{name}" {
		t.Fatalf("route %q", got)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/nope", nil))
	if got != "" {
		t.Fatalf("unmatched route %q", got)
	}
}
