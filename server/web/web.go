// Package web is modelgate's browser interface, served by the same binary
// from embedded templates and static files (no build step): sign in with
// an API token, list and search models, upload a package or a legacy Flux
// .bson file with a progress bar, inspect a model (architecture diagram as
// SVG, validation/scan report, versions and aliases) and try a prediction
// on pasted JSON or an uploaded image.
//
// The UI holds no data of its own and has no privileged path into the
// stores: every action is a request to the JSON API (package server),
// made in process with the signed-in user's bearer token, so
// authentication, scopes, tenant isolation, limits, metrics and the audit
// log apply exactly as they do to API clients.
//
// # Security
//
//   - The session is the API token itself in an HttpOnly, SameSite=Strict
//     cookie scoped to /ui/ (Secure when served over TLS); scripts never
//     see it. Nothing is kept in server memory, so replicas need no shared
//     session state.
//   - Every state-changing form carries a CSRF token: for a session, an
//     HMAC of the session token (unforgeable without the token, stateless);
//     for the sign-in form, a random value also set in a cookie (double
//     submit). net/http's CrossOriginProtection (Sec-Fetch-Site / Origin)
//     runs in front of every unsafe request as a second layer.
//   - Pages carry a strict Content-Security-Policy (default-src 'none';
//     scripts, styles and images from 'self' only; no inline script or
//     style anywhere), frame-ancestors 'none', nosniff and no-referrer.
//   - All text is escaped by html/template; the SVG diagram is generated
//     with every string escaped.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a [UI].
type Options struct {
	// API is the handler that answers /v1 requests, normally the root
	// handler of the server (with its middleware). When nil, the UI uses
	// the Handler of the *http.Server that received the request
	// (http.ServerContextKey), which is the same thing when the UI is
	// mounted on a modelgate server.
	API http.Handler
	// SessionTTL is the lifetime of the sign-in cookie; 0 means 12 hours.
	SessionTTL time.Duration
	// MaxFormBytes bounds a try-it form (pasted JSON or an image); 0 means 16 MiB.
	MaxFormBytes int64
	// MaxUploadBytes bounds an upload form before it reaches the API
	// (which applies its own, usually smaller, limit); 0 means 4 GiB.
	MaxUploadBytes int64
	// MaxImagePixels bounds the width*height of an uploaded image; 0 means 16 Mpx.
	MaxImagePixels int64
	// Logger receives UI-level warnings; nil discards them.
	Logger *slog.Logger
}

// UI serves the web interface. Create it with [New] and mount it with
// [UI.Install].
type UI struct {
	opt    Options
	tmpl   map[string]*template.Template
	static http.Handler
	log    *slog.Logger
	cop    *http.CrossOriginProtection
}

// New parses the embedded templates and returns a UI.
func New(opt Options) (*UI, error) {
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.MaxFormBytes <= 0 {
		opt.MaxFormBytes = 16 << 20
	}
	if opt.MaxUploadBytes <= 0 {
		opt.MaxUploadBytes = 4 << 30
	}
	if opt.MaxImagePixels <= 0 {
		opt.MaxImagePixels = 16 << 20
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	u := &UI{opt: opt, tmpl: tmpl, log: log, cop: http.NewCrossOriginProtection()}
	u.static = http.StripPrefix("/ui/static/", http.FileServerFS(sub))
	return u, nil
}

// Install registers the UI's routes (everything under /ui/, plus a
// redirect from /) with handle; pass it as server.Deps.Mount or
// app.Options.Mount.
func (u *UI) Install(handle func(pattern string, h http.Handler)) {
	page := func(h http.HandlerFunc) http.Handler { return u.secure(h) }
	form := func(h http.HandlerFunc) http.Handler { return u.secure(u.cop.Handler(h)) }

	handle("GET /{$}", page(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
	}))
	handle("GET /ui/static/", u.secure(u.staticFiles()))
	handle("GET /ui/login", page(u.loginPage))
	handle("POST /ui/login", form(u.login))
	handle("POST /ui/logout", form(u.session(u.logout)))
	handle("GET /ui/{$}", page(u.session(u.modelsPage)))
	handle("GET /ui/upload", page(u.session(u.uploadPage)))
	handle("POST /ui/upload", form(u.sessionMultipart(u.upload)))
	handle("GET /ui/models/{name}", page(u.session(u.modelPage)))
	handle("GET /ui/models/{name}/versions/{version}", page(u.session(u.modelPage)))
	handle("POST /ui/models/{name}/versions/{version}/predict", form(u.sessionMultipart(u.predict)))
	handle("POST /ui/models/{name}/aliases", form(u.session(u.setAlias)))
	handle("POST /ui/models/{name}/versions/{version}/delete", form(u.session(u.deleteVersion)))
	handle("POST /ui/models/{name}/aliases/{alias}/delete", form(u.session(u.deleteAlias)))
	handle("/ui/", page(func(w http.ResponseWriter, r *http.Request) {
		u.renderError(w, r, nil, http.StatusNotFound, "Not found", "There is no such page.")
	}))
}

// contentSecurityPolicy is sent with every UI response: nothing may load
// from anywhere but this origin, and no inline script or style runs.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers of every UI response.
func (u *UI) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		if hd.Get("Cache-Control") == "" {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// staticFiles serves the embedded assets; they change only with the
// binary, so a short public cache is safe.
func (u *UI) staticFiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=300")
		u.static.ServeHTTP(w, r)
	})
}
