package middleware

import (
	"log/slog"
	"net/http"
	"time"
)

// Log writes one structured log line per request after it completes:
// method, route pattern, path, status, bytes, duration, request ID.
func Log(logger *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := Wrap(w)
			next.ServeHTTP(sw, r)
			status := sw.Status
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			logger.LogAttrs(r.Context(), level, "request",
				slog.String("method", r.Method),
				slog.String("route", GetRoute(r.Context())),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", sw.Bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", GetRequestID(r.Context())),
				slog.String("remote", r.RemoteAddr),
			)
		})
	}
}
