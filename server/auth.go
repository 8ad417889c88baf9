package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelgate/modelgate"
)

// TokenPrefix starts every API token.
const TokenPrefix = "mg_"

// tokenLen is the length of a token: the prefix plus base64url (no
// padding) of 32 random bytes.
const tokenLen = len(TokenPrefix) + 43

// NewToken returns a fresh secret token ("mg_" + base64url of 32 random
// bytes) and the record to store for it: only the SHA-256 of the secret is
// kept. The caller fills Name, Namespace, Scopes and CreatedBy.
func NewToken() (secret string, t *modelgate.Token, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", nil, err
	}
	return secret, &modelgate.Token{ID: "tok_" + hex.EncodeToString(id[:]), Hash: HashToken(secret)}, nil
}

// HashToken returns the SHA-256 of a token string, as stored.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// WellFormedToken reports whether s has the shape of a modelgate token.
func WellFormedToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s[len(TokenPrefix):])
	return err == nil
}

// ValidScopes reports whether every scope is known and there is at least one.
func ValidScopes(scopes []string) bool {
	if len(scopes) == 0 {
		return false
	}
	for _, s := range scopes {
		known := false
		for _, k := range modelgate.AllScopes() {
			known = known || s == k
		}
		if !known {
			return false
		}
	}
	return true
}

// authedHandler is a handler that runs with an authenticated token.
type authedHandler func(w http.ResponseWriter, r *http.Request, t *modelgate.Token)

var errUnauthorized = modelgate.Errorf(modelgate.EUNAUTHORIZED, "", "unauthorized", "missing, malformed, unknown or revoked bearer token")

// auth authenticates the bearer token and checks scope ("" = any valid
// token) before calling h.
func (s *Server) auth(scope string, h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			s.metrics.rejection(modelgate.EUNAUTHORIZED)
			s.writeError(w, r, err, nil)
			return
		}
		if scope != "" && !t.HasScope(scope) {
			s.metrics.rejection("forbidden")
			s.writeError(w, r, modelgate.Errorf(modelgate.EFORBIDDEN, "", "missing-scope", "token lacks the %q scope", scope), nil)
			return
		}
		h(w, r, t)
	})
}

// authenticate resolves an Authorization header to a live token.
func (s *Server) authenticate(ctx context.Context, header string) (*modelgate.Token, error) {
	secret, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || !WellFormedToken(secret) {
		return nil, errUnauthorized
	}
	want := HashToken(secret)
	if t := s.authCache.get(want); t != nil {
		return t, nil
	}
	t, err := s.store.TokenByHash(ctx, want)
	if modelgate.ErrorCode(err) == modelgate.ENOTFOUND {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	// The lookup is by hash; compare again in constant time so that no
	// code path compares secrets byte by byte.
	if subtle.ConstantTimeCompare(t.Hash, want) != 1 || t.RevokedAt != nil {
		return nil, errUnauthorized
	}
	s.authCache.put(want, t)
	return t, nil
}

// authCache remembers valid tokens for a short time so that hot paths
// (predict) do not query the store on every request. A revocation takes
// effect after at most the TTL. Only valid tokens are cached, keyed by the
// SHA-256 of the secret.
type authCache struct {
	ttl time.Duration

	mu      sync.Mutex
	entries map[string]authEntry
}

type authEntry struct {
	t       *modelgate.Token
	expires time.Time
}

// maxAuthEntries bounds the cache; it is emptied when full.
const maxAuthEntries = 10000

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[string]authEntry{}}
}

func (c *authCache) get(hash []byte) *modelgate.Token {
	if c.ttl <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[string(hash)]
	if !ok || time.Now().After(e.expires) {
		return nil
	}
	return e.t
}

func (c *authCache) put(hash []byte, t *modelgate.Token) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxAuthEntries {
		clear(c.entries)
	}
	c.entries[string(hash)] = authEntry{t: t, expires: time.Now().Add(c.ttl)}
}

// drop forgets every cached entry of the token with this ID.
func (c *authCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.t.ID == id {
			delete(c.entries, k)
		}
	}
}
