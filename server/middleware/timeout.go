package middleware

import (
	"context"
	"net/http"
	"time"
)

// Timeout gives every request a context deadline d after it starts.
// Handlers and everything they call (stores, model loading, Predict) take
// the context and stop when it ends; unlike http.TimeoutHandler nothing is
// buffered. A zero d leaves the request without a deadline.
func Timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
