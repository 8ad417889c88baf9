package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/server/web"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/sqlite"
)

// env is a modelgate server with the UI mounted, on loopback.
type env struct {
	t     *testing.T
	url   string
	store modelgate.Store
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

func newEnvWith(t *testing.T, conv server.Converter) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bl, err := blobs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Default()
	cfg.TempDir, cfg.Threads, cfg.UploadsPerMinute = dir, 1, 0
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl, Mount: ui.Install, Converter: conv})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, store: st}
}

func (e *env) token(ns string, scopes ...string) string {
	e.t.Helper()
	secret, tok, err := server.NewToken()
	if err != nil {
		e.t.Fatal(err)
	}
	tok.Name, tok.Namespace, tok.Scopes, tok.CreatedBy = "test", ns, scopes, "test"
	if err := e.store.CreateToken(context.Background(), tok); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return page{res.StatusCode, res.Header, string(body)}
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest(http.MethodGet, b.e.url+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, hdr ...string) page {
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

// part is one multipart field; file parts have a filename.
type part struct {
	name, file string
	data       []byte
}

func (b *browser) multipart(path string, parts []part, hdr ...string) page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		if p.file != "" || p.name == "spec" || p.name == "weights" || p.name == "file" || p.name == "image" {
			w, _ = mw.CreateFormFile(p.name, p.file)
		} else {
			w, _ = mw.CreateFormField(p.name)
		}
		w.Write(p.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.url+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

func (b *browser) login(token string) {
	b.t.Helper()
	b.get("/ui/login")
	p := b.post("/ui/login", url.Values{"csrf": {b.csrf}, "token": {token}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/" {
		b.t.Fatalf("login: %d %s", p.status, p.body)
	}
	b.get("/ui/") // picks up the session's CSRF token
}

func example(t *testing.T, model, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", model, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) upload(name, model string, hdr ...string) page {
	return b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"name", "", []byte(name)},
		{"spec", "model.json", example(b.t, model, "model.json")}, {"weights", "weights.safetensors", example(b.t, model, "weights.safetensors")},
		{"file", "", nil}}, hdr...)
}

// checkPage asserts the security properties every HTML page must have.
func checkPage(t *testing.T, what string, p page) {
	t.Helper()
	csp := p.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("%s: CSP allows unsafe: %q", what, csp)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: missing nosniff/frame headers", what)
	}
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		return
	}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`<script(?:\s[^>]*)?>`), regexp.MustCompile(`\son[a-z]+\s*=`), regexp.MustCompile(`\sstyle\s*=`), regexp.MustCompile(`<style`)} {
		for _, m := range re.FindAllString(p.body, -1) {
			if re.String() == `<script(?:\s[^>]*)?>` && strings.Contains(m, `src="/ui/static/`) {
				continue
			}
			t.Errorf("%s: inline script/style: %q", what, m)
		}
	}
	for _, m := range regexp.MustCompile(`<form [^>]*method="post"[^>]*>`).FindAllStringIndex(p.body, -1) {
		rest := p.body[m[1]:]
		if end := strings.Index(rest, "</form>"); end < 0 || !strings.Contains(rest[:end], `name="csrf"`) {
			t.Errorf("%s: a POST form without a csrf field: %s", what, p.body[m[0]:m[1]])
		}
	}
}
