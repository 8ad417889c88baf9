package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

const (
	sessionCookie = "mg_session"    // the API token, HttpOnly
	loginCookie   = "mg_login_csrf" // double-submit value of the sign-in form
	csrfField     = "csrf"          // form field carrying the CSRF token
	csrfHeader    = "X-CSRF-Token"  // same, for the upload script
	csrfLabel     = "modelgate-ui-csrf-v1"
	maxTokenBytes = 128
)

// user is the signed-in caller, as the API describes its token.
type user struct {
	token     string
	csrf      string
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Scopes    []string `json:"scopes"`
}

// Can reports whether the user's token has scope (admin implies all).
func (u *user) Can(scope string) bool {
	for _, s := range u.Scopes {
		if s == scope || s == "admin" {
			return true
		}
	}
	return false
}

// csrfFor derives the CSRF token of a session: HMAC-SHA256 keyed by the
// session's API token. An attacker who cannot read the cookie cannot
// compute it, and no server state is needed.
func csrfFor(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equalSecret(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

type userKey struct{}

// session resolves the session cookie through the API (GET /v1/whoami)
// and calls h with the user in the context; without a valid session, a
// page redirects to the sign-in form. An unsafe request must carry the
// session's CSRF token in the X-CSRF-Token header or in the csrf field of
// a url-encoded form; any other body is refused.
func (u *UI) session(h http.HandlerFunc) http.HandlerFunc {
	return u.withSession(h, false)
}

// sessionMultipart is [UI.session] for handlers that read a multipart body
// themselves: they must check that its first part is the CSRF token
// (firstPartCSRF) before acting on anything in it.
func (u *UI) sessionMultipart(h http.HandlerFunc) http.HandlerFunc {
	return u.withSession(h, true)
}

func (u *UI) withSession(h http.HandlerFunc, multipartOK bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		usr := u.currentUser(r)
		if usr == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			u.renderError(w, r, nil, http.StatusUnauthorized, "Signed out", "Your session has ended; sign in again.")
			return
		}
		if r.Method != http.MethodGet && !requestCSRF(w, r, usr.csrf, multipartOK) {
			u.renderError(w, r, usr, http.StatusForbidden, "Forbidden", "The form's CSRF token is missing or wrong; reload the page and try again.")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, usr)))
	}
}

// requestCSRF checks the CSRF token of an unsafe request. A multipart body
// passes only when multipartOK (its handler checks the first part).
func requestCSRF(w http.ResponseWriter, r *http.Request, want string, multipartOK bool) bool {
	if equalSecret(r.Header.Get(csrfHeader), want) {
		return true
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		return equalSecret(r.PostFormValue(csrfField), want)
	case strings.HasPrefix(ct, "multipart/form-data"):
		return multipartOK
	}
	return false
}

func userOf(r *http.Request) *user {
	usr, _ := r.Context().Value(userKey{}).(*user)
	return usr
}

// currentUser returns the signed-in user, or nil when the cookie is
// missing or the API no longer accepts its token.
func (u *UI) currentUser(r *http.Request) *user {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > maxTokenBytes {
		return nil
	}
	return u.whoami(r, c.Value)
}

func (u *UI) whoami(r *http.Request, token string) *user {
	res, err := u.call(r, token, http.MethodGet, "/v1/whoami", nil, "")
	if err != nil || res.status != http.StatusOK {
		return nil
	}
	usr := &user{token: token, csrf: csrfFor(token)}
	if json.Unmarshal(res.body, usr) != nil {
		return nil
	}
	return usr
}

// loginPage shows the sign-in form with a fresh double-submit value.
func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.renderLogin(w, r, http.StatusOK, "")
}

func (u *UI) renderLogin(w http.ResponseWriter, r *http.Request, status int, msg string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		u.renderError(w, r, nil, http.StatusInternalServerError, "Error", "no randomness")
		return
	}
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/ui/login", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	u.render(w, r, status, "login", nil, map[string]any{"CSRF": v, "Message": msg})
}

// login checks the sign-in form and the token, then sets the session cookie.
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	c, err := r.Cookie(loginCookie)
	if err != nil || !equalSecret(r.PostFormValue(csrfField), c.Value) {
		u.renderLogin(w, r, http.StatusForbidden, "The sign-in form expired; please try again.")
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" || len(token) > maxTokenBytes {
		u.renderLogin(w, r, http.StatusUnauthorized, "That token is not valid.")
		return
	}
	if u.whoami(r, token) == nil {
		u.renderLogin(w, r, http.StatusUnauthorized, "That token is not valid (unknown, revoked or malformed).")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/ui/login", MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/ui/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(u.opt.SessionTTL.Seconds())})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

// logout clears the session cookie.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/ui/", HttpOnly: true, MaxAge: -1})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
