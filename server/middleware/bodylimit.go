package middleware

import "net/http"

// BodyLimit caps every request body at max bytes with http.MaxBytesReader;
// reading past it fails with *http.MaxBytesError, which handlers answer
// with 413. A declared Content-Length above the cap is refused at once.
func BodyLimit(max int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				const p = `{"code":"limit","rule":"request-too-large","message":"request body too large"}`
				w.Header().Set("Connection", "close")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				_, _ = w.Write([]byte(`{"error":` + p + `,"problems":[` + p + `]}` + "\n"))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			next.ServeHTTP(w, r)
		})
	}
}
