package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

// validName reports whether s is a model name: 1..128 of [A-Za-z0-9._-],
// starting with a letter or digit (the spec's rule for "name").
func validName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}

// validAlias reports whether s can name an alias: a model name that starts
// with a letter and is not "latest" (numbers and digests are versions).
func validAlias(s string) bool {
	return validName(s) && len(s) <= 64 && (s[0] < '0' || s[0] > '9') && s != "latest"
}

// validRef reports whether s can name a version: a number, an alias,
// "latest" or "sha256:" + 64 hex digits.
func validRef(s string) bool {
	if d, ok := strings.CutPrefix(s, "sha256:"); ok {
		return isHex64(d)
	}
	return validName(s) && len(s) <= 64
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (s *Server) pathName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !validName(name) {
		return "", badRequest("name", "bad-model-name", "model name must be 1..128 characters of [A-Za-z0-9._-], starting with a letter or digit")
	}
	return name, nil
}

func (s *Server) pathRef(r *http.Request) (name, ref string, err error) {
	if name, err = s.pathName(r); err != nil {
		return "", "", err
	}
	ref = r.PathValue("version")
	if !validRef(ref) {
		return "", "", badRequest("version", "bad-version-ref", "version must be a number, an alias, \"latest\" or sha256:<64 hex>")
	}
	return name, ref, nil
}

// pathAlias returns the {name} and {alias} path values, checked.
func (s *Server) pathAlias(r *http.Request) (name, alias string, err error) {
	if name, err = s.pathName(r); err != nil {
		return "", "", err
	}
	alias = r.PathValue("alias")
	if !validAlias(alias) {
		return "", "", badRequest("alias", "bad-alias", "alias must be 1..64 characters of [A-Za-z0-9._-], starting with a letter, and not \"latest\"")
	}
	return name, alias, nil
}

// resolvePath resolves the {name} and {version} path values to a version
// of the token's namespace.
func (s *Server) resolvePath(r *http.Request, t *modelgate.Token) (string, *modelgate.Version, error) {
	name, ref, err := s.pathRef(r)
	if err != nil {
		return "", nil, err
	}
	v, err := s.store.ResolveVersion(r.Context(), t.Namespace, name, ref)
	return name, v, err
}

// versionSummary is a version in listings.
type versionSummary struct {
	Version    int64  `json:"version"`
	Digest     string `json:"digest"`
	Weights    blobID `json:"weights"`
	UploadedBy string `json:"uploaded_by"`
	CreatedAt  string `json:"created_at"`
}

type blobID struct {
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

func summarize(v *modelgate.Version) versionSummary {
	return versionSummary{Version: v.Number, Digest: v.Digest, Weights: blobID{v.WeightsSHA256, v.WeightsBytes},
		UploadedBy: v.UploadedBy, CreatedAt: v.CreatedAt.Format(timeFormat)}
}

type aliasJSON struct {
	Name      string `json:"name"`
	Version   int64  `json:"version"`
	UpdatedBy string `json:"updated_by"`
	UpdatedAt string `json:"updated_at"`
}

func aliasesJSON(as []modelgate.Alias) []aliasJSON {
	out := []aliasJSON{}
	for _, a := range as {
		out = append(out, aliasJSON{a.Name, a.Version, a.UpdatedBy, a.UpdatedAt.Format(timeFormat)})
	}
	return out
}

// listModels answers GET /v1/models.
func (s *Server) listModels(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	ms, err := s.store.Models(r.Context(), t.Namespace)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	type model struct {
		Name      string `json:"name"`
		Versions  int64  `json:"versions"`
		Latest    int64  `json:"latest"`
		UpdatedAt string `json:"updated_at"`
	}
	out := []model{}
	for _, m := range ms {
		out = append(out, model{m.Name, m.Versions, m.Latest, m.UpdatedAt.Format(timeFormat)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"namespace": t.Namespace, "models": out})
}

// getModel answers GET /v1/models/{name}: versions and aliases.
func (s *Server) getModel(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, err := s.pathName(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	vs, err := s.store.Versions(r.Context(), t.Namespace, name)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	as, err := s.store.Aliases(r.Context(), t.Namespace, name)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	sums := []versionSummary{}
	for i := range vs {
		sums = append(sums, summarize(&vs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "latest": vs[0].Number, "versions": sums, "aliases": aliasesJSON(as)})
}

// versionDetail is the full description of one version.
type versionDetail struct {
	Name string `json:"name"`
	versionSummary
	Aliases []string        `json:"aliases"`
	Spec    json.RawMessage `json:"spec"`
	Report  json.RawMessage `json:"report"`
}

// getVersion answers GET /v1/models/{name}/versions/{version}.
func (s *Server) getVersion(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, v, err := s.resolvePath(r, t)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	as, err := s.store.Aliases(r.Context(), t.Namespace, name)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	d := versionDetail{Name: name, versionSummary: summarize(v), Aliases: []string{}, Spec: v.Spec, Report: v.Report}
	for _, a := range as {
		if a.Version == v.Number {
			d.Aliases = append(d.Aliases, a.Name)
		}
	}
	writeJSON(w, http.StatusOK, d)
}

// deleteVersion answers DELETE /v1/models/{name}/versions/{version}. The
// weights blob is removed by the next garbage collection if no other
// version uses it.
func (s *Server) deleteVersion(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, v, err := s.resolvePath(r, t)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if err := s.store.DeleteVersion(r.Context(), actor(t), name, v.Number); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	s.log.InfoContext(r.Context(), "version deleted", "namespace", t.Namespace, "model", name, "version", v.Number, "token", t.ID)
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "version": v.Number, "digest": v.Digest, "deleted": true})
}

func actor(t *modelgate.Token) modelgate.Actor {
	return modelgate.Actor{TokenID: t.ID, Namespace: t.Namespace}
}

// listAliases answers GET /v1/models/{name}/aliases.
func (s *Server) listAliases(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, err := s.pathName(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if _, err := s.store.Versions(r.Context(), t.Namespace, name); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	as, err := s.store.Aliases(r.Context(), t.Namespace, name)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "aliases": aliasesJSON(as)})
}

// putAlias answers PUT /v1/models/{name}/aliases/{alias} with body
// {"version": REF}, where REF is a number or a string (number, digest,
// alias or "latest"); the alias then names that version's number.
func (s *Server) putAlias(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, alias, err := s.pathAlias(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	ref, err := readAliasBody(r.Body)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	v, err := s.store.ResolveVersion(r.Context(), t.Namespace, name, ref)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	a, err := s.store.SetAlias(r.Context(), actor(t), name, alias, v.Number)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "alias": a.Name, "version": a.Version, "digest": v.Digest})
}

// readAliasBody decodes {"version": 3} or {"version": "REF"} strictly.
func readAliasBody(body io.Reader) (string, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	var in struct {
		Version jsontext.Value `json:"version"`
	}
	if err := jsonv2.Unmarshal(data, &in, jsonv2.RejectUnknownMembers(true)); err != nil || len(in.Version) == 0 {
		return "", badRequest("", "bad-alias-body", `body must be {"version": NUMBER or "REF"}`)
	}
	var ref string
	var n int64
	if jsonv2.Unmarshal(in.Version, &n) == nil && n > 0 {
		ref = strconv.FormatInt(n, 10)
	} else if jsonv2.Unmarshal(in.Version, &ref) != nil || !validRef(ref) {
		return "", badRequest("/version", "bad-version-ref", "version must be a positive number, an alias, \"latest\" or sha256:<64 hex>")
	}
	return ref, nil
}

// deleteAlias answers DELETE /v1/models/{name}/aliases/{alias}.
func (s *Server) deleteAlias(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	name, alias, err := s.pathAlias(r)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	if err := s.store.DeleteAlias(r.Context(), actor(t), name, alias); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": name, "alias": alias, "deleted": true})
}
