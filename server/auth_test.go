package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

type endpoint struct {
	method, path, body string
	scope              string // scope that allows it
	tenantScoped       bool   // names a model of the namespace (another tenant gets 404)
}

func endpoints(digest, adminID string) []endpoint {
	return []endpoint{
		{"GET", "/v1/tokens", "", modelgate.ScopeAdmin, false},
		{"POST", "/v1/tokens", `{"scopes": ["read"]}`, modelgate.ScopeAdmin, false},
		{"DELETE", "/v1/tokens/" + adminID, "", modelgate.ScopeAdmin, true},
		{"GET", "/metrics", "", modelgate.ScopeAdmin, false},
		{"GET", "/v1/whoami", "", "", false},
		{"POST", "/v1/models", "", modelgate.ScopeWrite, false},
		{"GET", "/v1/models", "", modelgate.ScopeRead, false},
		{"GET", "/v1/audit", "", modelgate.ScopeAdmin, false},
		{"GET", "/v1/models/tiny", "", modelgate.ScopeRead, true},
		{"GET", "/v1/models/tiny/versions/1", "", modelgate.ScopeRead, true},
		{"GET", "/v1/models/tiny/versions/" + digest, "", modelgate.ScopeRead, true},
		{"GET", "/v1/models/tiny/versions/latest", "", modelgate.ScopeRead, true},
		{"GET", "/v1/models/tiny/aliases", "", modelgate.ScopeRead, true},
		{"PUT", "/v1/models/tiny/aliases/prod", `{"version": 1}`, modelgate.ScopeWrite, true},
		{"DELETE", "/v1/models/tiny/aliases/prod", "", modelgate.ScopeWrite, true},
		{"POST", "/v1/models/tiny/versions/1/predict", `{"inputs": [[1, 2, 3, 4]]}`, modelgate.ScopePredict, true},
		{"POST", "/v1/models/tiny/versions/prod/predict", `{"inputs": [[1, 2, 3, 4]]}`, modelgate.ScopePredict, true},
		{"DELETE", "/v1/models/tiny/versions/1", "", modelgate.ScopeWrite, true},
	}
}

// TestAuth tries every endpoint without a token, with malformed, unknown
// and revoked tokens, with too few scopes, and with another tenant's token.
func TestAuth(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testAuth(t, newEnv(t, b, nil))
		})
	}
}

func testAuth(t *testing.T, e *env) {
	m := newTestModel(t, 1)
	r := e.uploadModel(e.admin, "tiny", m)
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	digest := r.json(t)["digest"].(string)
	if r := e.do("PUT", "/v1/models/tiny/aliases/prod", e.admin, strings.NewReader(`{"version": 1}`), ""); r.status != 200 {
		t.Fatalf("alias: %d %s", r.status, r.body)
	}

	adminTok, err := e.store.TokenByHash(context.Background(), server.HashToken(e.admin))
	if err != nil {
		t.Fatal(err)
	}
	revoked := e.token("default", modelgate.AllScopes()...)
	tok, err := e.store.TokenByHash(context.Background(), server.HashToken(revoked))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeToken(context.Background(), "test", tok.ID); err != nil {
		t.Fatal(err)
	}
	unknown, _, _ := server.NewToken()
	bad := map[string]string{
		"none":      "",
		"malformed": "mg_short",
		"not-mg":    strings.Repeat("a", 46),
		"unknown":   unknown,
		"revoked":   revoked,
	}
	for _, ep := range endpoints(digest, adminTok.ID) {
		for name, secret := range bad {
			r := e.do(ep.method, ep.path, secret, strings.NewReader(ep.body), "application/json")
			if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s token: %d %s", ep.method, ep.path, name, r.status, r.body)
			}
		}
		// Raw header variants.
		for _, h := range []string{"Basic " + unknown, "bearer " + unknown, "Bearer  " + unknown, "Bearer " + e.admin + "x"} {
			r := e.doHeader(ep.method, ep.path, h, ep.body)
			if r.status != 401 {
				t.Errorf("%s %s with header %q: %d", ep.method, ep.path, h, r.status)
			}
		}
	}

	// Scopes: each single-scope token may do exactly its endpoints.
	for _, scope := range []string{modelgate.ScopeRead, modelgate.ScopePredict, modelgate.ScopeWrite} {
		secret := e.token("default", scope)
		for _, ep := range endpoints(digest, adminTok.ID) {
			if ep.method == "DELETE" || ep.method == "POST" && ep.path == "/v1/models" || ep.method == "PUT" {
				if ep.scope == scope {
					continue // would change state; allowed paths are covered by TestAPI
				}
			}
			r := e.do(ep.method, ep.path, secret, strings.NewReader(ep.body), "application/json")
			allowed := ep.scope == "" || ep.scope == scope
			if allowed && (r.status == 401 || r.status == 403) || !allowed && r.status != 403 {
				t.Errorf("%s %s with scope %s: %d %s", ep.method, ep.path, scope, r.status, r.body)
			}
		}
	}

	// Another tenant, even with every scope, cannot see or run our model.
	other := e.token("other", modelgate.AllScopes()...)
	for _, ep := range endpoints(digest, adminTok.ID) {
		if !ep.tenantScoped {
			continue
		}
		r := e.do(ep.method, ep.path, other, strings.NewReader(ep.body), "application/json")
		if r.status != 404 {
			t.Errorf("other tenant %s %s: %d %s", ep.method, ep.path, r.status, r.body)
		}
	}
	if r := e.get("/v1/models", other); r.status != 200 || strings.Contains(string(r.body), "tiny") {
		t.Errorf("other tenant's list: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/audit", other); strings.Contains(string(r.body), "tiny") {
		t.Errorf("other tenant's audit shows our model: %s", r.body)
	}
	// Our model is untouched and still works.
	e.mustPredict(e.admin, "/v1/models/tiny/versions/prod/predict", m, randomBatch(1, 2))
	if r := e.get("/v1/whoami", other); r.json(t)["namespace"] != "other" {
		t.Errorf("whoami: %s", r.body)
	}
	// Health endpoints need no token.
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.get(p, ""); r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
}

func (e *env) doHeader(method, path, header, body string) resp {
	e.t.Helper()
	req, err := newRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", header)
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	return resp{status: res.StatusCode, header: res.Header}
}
