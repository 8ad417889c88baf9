package server

import (
	"io"
	"net/http"
	"slices"
	"unicode"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/modelgate/modelgate"
)

// listTokens answers GET /v1/tokens (admin): the namespace's tokens,
// without secrets.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	type row struct {
		tokenInfo
		Revoked bool `json:"revoked"`
	}
	out := []row{}
	for i := range all {
		if all[i].Namespace == t.Namespace {
			out = append(out, row{tokenJSON(&all[i]), all[i].RevokedAt != nil})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespace": t.Namespace, "tokens": out})
}

// createToken answers POST /v1/tokens (admin) with body
// {"name": "...", "scopes": ["read", ...]}: a new token in the caller's
// namespace. The secret is in the answer and nowhere else.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, requestFailure(err, "bad-token-body", "reading body"), nil)
		return
	}
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := jsonv2.Unmarshal(data, &in, jsonv2.RejectUnknownMembers(true)); err != nil {
		s.writeError(w, r, badRequest("", "bad-token-body", `body must be {"name": "...", "scopes": ["read", "predict", "write", "admin"]}`), nil)
		return
	}
	if len(in.Name) > 128 || !printableName(in.Name) {
		s.writeError(w, r, badRequest("/name", "bad-token-body", "name must be at most 128 bytes of printable characters"), nil)
		return
	}
	if !ValidScopes(in.Scopes) {
		s.writeError(w, r, badRequest("/scopes", "bad-token-body", "scopes must be a non-empty subset of read, predict, write, admin"), nil)
		return
	}
	secret, nt, err := NewToken()
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	slices.Sort(in.Scopes)
	nt.Name, nt.Namespace, nt.Scopes, nt.CreatedBy = in.Name, t.Namespace, slices.Compact(in.Scopes), t.ID
	if err := s.store.CreateToken(r.Context(), nt); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "id": nt.ID, "name": nt.Name, "namespace": nt.Namespace, "scopes": nt.Scopes})
}

// revokeToken answers DELETE /v1/tokens/{id} (admin) for a token of the
// caller's namespace. The revocation takes effect at once on this replica
// and within the auth cache's TTL on the others.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	id := r.PathValue("id")
	all, err := s.store.Tokens(r.Context())
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	found := false
	for i := range all {
		found = found || all[i].ID == id && all[i].Namespace == t.Namespace
	}
	if !found {
		s.writeError(w, r, modelgate.Errorf(modelgate.ENOTFOUND, "", "token-not-found", "no token %q in this namespace", id), nil)
		return
	}
	if err := s.store.RevokeToken(r.Context(), t.ID, id); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	s.authCache.drop(id)
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "revoked": true})
}

// printableName reports whether a token name holds only printable
// characters: names are shown in operators' terminals ("modelgate token
// list") and logs, where a control character could rewrite the screen.
func printableName(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
