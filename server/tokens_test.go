package server_test

import (
	"strings"
	"testing"
)

// TestTokenAPI: a namespace admin manages its own namespace's tokens.
func TestTokenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], nil)
	r := e.postJSON("/v1/tokens", e.admin, `{"name": "ci", "scopes": ["predict", "read", "read"]}`)
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := r.json(t)
	secret, id := created["token"].(string), created["id"].(string)
	if !strings.HasPrefix(secret, "mg_") || created["namespace"] != "default" || len(created["scopes"].([]any)) != 2 {
		t.Fatalf("create: %s", r.body)
	}
	if r := e.get("/v1/models", secret); r.status != 200 {
		t.Fatalf("new token: %d", r.status)
	}
	if r := e.upload(secret); r.status != 403 {
		t.Fatalf("read,predict token uploads: %d", r.status)
	}
	r = e.get("/v1/tokens", e.admin)
	if r.status != 200 || !strings.Contains(string(r.body), id) || strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), "mg_") {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	// Another namespace's admin neither sees nor revokes it.
	other := e.token("other", "admin")
	if r := e.get("/v1/tokens", other); strings.Contains(string(r.body), id) {
		t.Fatalf("other namespace sees the token: %s", r.body)
	}
	if r := e.do("DELETE", "/v1/tokens/"+id, other, nil, ""); r.status != 404 {
		t.Fatalf("other namespace revokes: %d", r.status)
	}
	// Revocation takes effect at once on this server, despite the cache.
	if r := e.do("DELETE", "/v1/tokens/"+id, e.admin, nil, ""); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/models", secret); r.status != 401 {
		t.Fatalf("revoked token: %d", r.status)
	}
	for _, body := range []string{`{}`, `{"scopes": []}`, `{"scopes": ["root"]}`, `{"scopes": ["read"], "namespace": "other"}`, `[`,
		`{"name": "\u001b]0;pwned\u0007", "scopes": ["read"]}`, `{"name": "a\nb", "scopes": ["read"]}`, `{"name": "x\u202e", "scopes": ["read"]}`} {
		if r := e.postJSON("/v1/tokens", e.admin, body); r.status != 400 {
			t.Errorf("body %s: %d %s", body, r.status, r.body)
		}
	}
	if r := e.get("/v1/audit", e.admin); !strings.Contains(string(r.body), "token-revoke") || !strings.Contains(string(r.body), "token-create") {
		t.Fatalf("token changes not audited: %s", r.body)
	}
}
