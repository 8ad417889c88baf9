// Package middleware holds the HTTP middleware of the modelgate server, one
// per file: request IDs, structured logging, body limits, panic recovery and
// request timeouts. Each is a [Middleware]; [Chain] composes them.
package middleware

import "net/http"

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain composes middleware so that the first one is the outermost:
// Chain(a, b)(h) serves a(b(h)).
func Chain(ms ...Middleware) Middleware {
	return func(h http.Handler) http.Handler {
		for i := len(ms) - 1; i >= 0; i-- {
			h = ms[i](h)
		}
		return h
	}
}

// StatusWriter records the status code and byte count of a response.
type StatusWriter struct {
	http.ResponseWriter
	Status int   // 0 until WriteHeader or Write
	Bytes  int64 // body bytes written
}

// WriteHeader records the status code.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records that a 200 was sent if nothing else was.
func (w *StatusWriter) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Wrap returns w as a *StatusWriter, reusing it if it already is one.
func Wrap(w http.ResponseWriter) *StatusWriter {
	if sw, ok := w.(*StatusWriter); ok {
		return sw
	}
	return &StatusWriter{ResponseWriter: w}
}
