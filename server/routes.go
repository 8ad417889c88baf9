package server

import (
	"net/http"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server/middleware"
)

// Install registers every route of the API with handle. Patterns use Go
// 1.22 method matching; the body limit of each route is set here.
func (s *Server) Install(handle func(pattern string, h http.Handler)) {
	small := middleware.BodyLimit(s.cfg.MaxRequestBytes)
	upload := middleware.BodyLimit(s.cfg.MaxUploadBytes)
	tiny := middleware.BodyLimit(64 << 10)

	handle("GET /healthz", tiny(http.HandlerFunc(s.healthz)))
	handle("GET /readyz", tiny(http.HandlerFunc(s.readyz)))
	handle("GET /metrics", tiny(s.auth(modelgate.ScopeAdmin, s.serveMetrics)))

	handle("GET /v1/whoami", tiny(s.auth("", s.whoami)))
	handle("POST /v1/models", upload(s.auth(modelgate.ScopeWrite, s.upload)))
	handle("GET /v1/models", tiny(s.auth(modelgate.ScopeRead, s.listModels)))
	handle("GET /v1/models/{name}", tiny(s.auth(modelgate.ScopeRead, s.getModel)))
	handle("GET /v1/models/{name}/versions/{version}", tiny(s.auth(modelgate.ScopeRead, s.getVersion)))
	handle("DELETE /v1/models/{name}/versions/{version}", tiny(s.auth(modelgate.ScopeWrite, s.deleteVersion)))
	handle("GET /v1/models/{name}/aliases", tiny(s.auth(modelgate.ScopeRead, s.listAliases)))
	handle("PUT /v1/models/{name}/aliases/{alias}", tiny(s.auth(modelgate.ScopeWrite, s.putAlias)))
	handle("DELETE /v1/models/{name}/aliases/{alias}", tiny(s.auth(modelgate.ScopeWrite, s.deleteAlias)))
	handle("POST /v1/models/{name}/versions/{version}/predict", small(s.auth(modelgate.ScopePredict, s.predict)))
	handle("GET /v1/audit", tiny(s.auth(modelgate.ScopeAdmin, s.audit)))
	handle("GET /v1/tokens", tiny(s.auth(modelgate.ScopeAdmin, s.listTokens)))
	handle("POST /v1/tokens", tiny(s.auth(modelgate.ScopeAdmin, s.createToken)))
	handle("DELETE /v1/tokens/{id}", tiny(s.auth(modelgate.ScopeAdmin, s.revokeToken)))

	// Anything else under /v1 is a JSON 404, not the mux's text page.
	handle("/v1/", tiny(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, modelgate.Errorf(modelgate.ENOTFOUND, r.URL.Path, "no-route", "no such endpoint"), nil)
	})))
}

// healthz reports that the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports whether the stores answer and the server is not draining.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	status := map[string]string{"status": "ok", "store": "ok", "blobs": "ok"}
	code := http.StatusOK
	if s.draining.Load() {
		status["status"], code = "draining", http.StatusServiceUnavailable
	}
	if err := s.store.Ping(r.Context()); err != nil {
		status["status"], status["store"], code = "unavailable", "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: store", "err", err)
	}
	if err := s.blobs.Ping(r.Context()); err != nil {
		status["status"], status["blobs"], code = "unavailable", "unavailable", http.StatusServiceUnavailable
		s.log.Warn("readyz: blobs", "err", err)
	}
	writeJSON(w, code, status)
}

// whoami describes the calling token (without its secret).
func (s *Server) whoami(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	writeJSON(w, http.StatusOK, tokenJSON(t))
}

type tokenInfo struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
}

func tokenJSON(t *modelgate.Token) tokenInfo {
	return tokenInfo{ID: t.ID, Name: t.Name, Namespace: t.Namespace, Scopes: t.Scopes, CreatedAt: t.CreatedAt.Format(timeFormat)}
}

const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// audit lists the namespace's audit log, newest first (?limit=N, <= 1000).
func (s *Server) audit(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, ok := parseSmallInt(v)
		if !ok || n < 1 || n > 1000 {
			s.writeError(w, r, badRequest("limit", ruleBadRequest, "limit must be 1..1000"), nil)
			return
		}
		limit = n
	}
	entries, err := s.store.Audit(r.Context(), t.Namespace, limit)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	type entry struct {
		Time    string `json:"time"`
		Actor   string `json:"actor"`
		Action  string `json:"action"`
		Model   string `json:"model,omitempty"`
		Version int64  `json:"version,omitempty"`
		Detail  string `json:"detail,omitempty"`
	}
	out := []entry{}
	for _, e := range entries {
		out = append(out, entry{e.Time.Format(timeFormat), e.Actor, e.Action, e.Model, e.Version, e.Detail})
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespace": t.Namespace, "entries": out})
}

func parseSmallInt(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
