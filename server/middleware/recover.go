package middleware

import (
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover turns a panic in a handler into a logged 500 response, so one
// bad request cannot take the process down. http.ErrAbortHandler is
// re-raised, as net/http expects.
func Recover(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := Wrap(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic", "panic", v, "request_id", GetRequestID(r.Context()), "stack", string(debug.Stack()))
				if sw.Status == 0 {
					sw.Header().Set("Content-Type", "application/json")
					sw.WriteHeader(http.StatusInternalServerError)
					_, _ = sw.Write([]byte(`{"error":{"code":"internal","message":"internal error"}}` + "\n"))
				}
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
