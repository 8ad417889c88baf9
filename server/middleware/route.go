package middleware

import (
	"context"
	"net/http"
)

type routeKey struct{}

// Route makes the matched route pattern of a request visible to the
// middleware outside the mux (logs and metrics label requests by pattern,
// never by raw path). The mux sets Request.Pattern only on its own copy of
// the request, so [RecordRoute] copies it into a holder that Route puts in
// the context.
func Route() Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			holder := new(string)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey{}, holder)))
		})
	}
}

// RecordRoute wraps a handler registered on a mux so that it records the
// pattern that matched.
func RecordRoute(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if holder, ok := r.Context().Value(routeKey{}).(*string); ok {
			*holder = r.Pattern
		}
		h.ServeHTTP(w, r)
	})
}

// GetRoute returns the recorded route pattern, or "".
func GetRoute(ctx context.Context) string {
	if holder, ok := ctx.Value(routeKey{}).(*string); ok {
		return *holder
	}
	return ""
}
