package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token("default", "admin")
	b := e.browser()

	p := b.get("/")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/" {
		t.Fatalf("/: %d %v", p.status, p.header)
	}
	if p = b.get("/ui/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/login" {
		t.Fatalf("/ui/ signed out: %d", p.status)
	}
	p = b.get("/ui/login")
	checkPage(t, "login", p)
	good := b.csrf

	tests := []struct {
		name   string
		csrf   string
		token  string
		status int
	}{
		{"no csrf", "", admin, http.StatusForbidden},
		{"wrong csrf", good + "x", admin, http.StatusForbidden},
		{"unknown token", good, "mg_" + strings.Repeat("A", 43), http.StatusUnauthorized},
		{"garbage token", good, "<script>", http.StatusUnauthorized},
		{"empty token", good, "", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		b.get("/ui/login") // fresh double-submit cookie
		csrf := tt.csrf
		if csrf == good {
			csrf = b.csrf
		} else if csrf != "" {
			csrf = b.csrf + "x"
		}
		p := b.post("/ui/login", url.Values{"csrf": {csrf}, "token": {tt.token}})
		if p.status != tt.status || strings.Contains(p.body, "&lt;script&gt;") && tt.name != "garbage token" {
			t.Errorf("%s: status %d, want %d", tt.name, p.status, tt.status)
		}
		checkPage(t, tt.name, p)
	}

	b.get("/ui/login")
	req, _ := http.NewRequest(http.MethodPost, e.url+"/ui/login", strings.NewReader(url.Values{"csrf": {b.csrf}, "token": {admin}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "mg_session" {
			session = c
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/ui/" {
		t.Fatalf("login: %d, cookie %+v", res.StatusCode, session)
	}
	p = b.get("/ui/")
	if p.status != http.StatusOK || !strings.Contains(p.body, "No models yet") {
		t.Fatalf("models page: %d %s", p.status, p.body)
	}
	checkPage(t, "models", p)

	if p = b.post("/ui/logout", url.Values{"csrf": {b.csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.status)
	}
	if p = b.get("/ui/"); p.status != http.StatusSeeOther {
		t.Fatalf("after logout: %d", p.status)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.token("default", "admin"))
	if p := b.upload("m", "mnist-mlp", "Accept", "application/json"); p.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", p.status, p.body)
	}
	good := b.csrf
	cases := []struct {
		name string
		send func() page
	}{
		{"alias without csrf", func() page { return b.post("/ui/models/m/aliases", url.Values{"alias": {"x"}, "version": {"1"}}) }},
		{"alias with another session's csrf", func() page {
			return b.post("/ui/models/m/aliases", url.Values{"csrf": {strings.Repeat("A", len(good))}, "alias": {"x"}, "version": {"1"}})
		}},
		{"alias cross-site", func() page {
			return b.post("/ui/models/m/aliases", url.Values{"csrf": {good}, "alias": {"x"}, "version": {"1"}}, "Sec-Fetch-Site", "cross-site")
		}},
		{"alias from another origin", func() page {
			return b.post("/ui/models/m/aliases", url.Values{"csrf": {good}, "alias": {"x"}, "version": {"1"}}, "Origin", "https://evil.example")
		}},
		{"logout without csrf", func() page { return b.post("/ui/logout", url.Values{}) }},
		{"alias as multipart (only upload and predict read multipart)", func() page {
			return b.multipart("/ui/models/m/aliases", []part{{"alias", "", []byte("x")}, {"version", "", []byte("1")}})
		}},
		{"alias as multipart with the token", func() page {
			return b.multipart("/ui/models/m/aliases", []part{{"csrf", "", []byte(good)}, {"alias", "", []byte("x")}, {"version", "", []byte("1")}})
		}},
		{"alias as JSON", func() page {
			req, _ := http.NewRequest(http.MethodPost, e.url+"/ui/models/m/aliases", strings.NewReader(`{"alias":"x"}`))
			req.Header.Set("Content-Type", "application/json")
			return b.do(req)
		}},
		{"upload without csrf", func() page {
			return b.multipart("/ui/upload", []part{{"name", "", []byte("x")}, {"spec", "s", example(t, "mnist-mlp", "model.json")}})
		}},
		{"upload with csrf not first", func() page {
			return b.multipart("/ui/upload", []part{{"name", "", []byte("x")}, {"csrf", "", []byte(good)}})
		}},
		{"predict without csrf", func() page {
			return b.multipart("/ui/models/m/versions/1/predict", []part{{"inputs", "", []byte("[[0]]")}})
		}},
	}
	for _, c := range cases {
		if p := c.send(); p.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", c.name, p.status)
		}
	}
	if p := b.get("/ui/models/m"); strings.Contains(p.body, `href="/ui/models/m/versions/x"`) {
		t.Error("a forged request set an alias")
	}
	if p := b.post("/ui/models/m/versions/1/delete", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("delete without csrf: %d", p.status)
	}
	// The real forms work.
	if p := b.post("/ui/models/m/aliases", url.Values{"csrf": {good}, "alias": {"prod"}, "version": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("alias: %d %s", p.status, p.body)
	}
	if p := b.post("/ui/models/m/versions/1/delete", url.Values{"csrf": {good}}); p.status != http.StatusConflict || !strings.Contains(p.body, "alias prod") {
		t.Fatalf("delete of an aliased version: %d", p.status)
	}
	if p := b.post("/ui/models/m/aliases/prod/delete", url.Values{"csrf": {good}}); p.status != http.StatusSeeOther {
		t.Fatalf("alias delete: %d", p.status)
	}
	if p := b.post("/ui/models/m/versions/1/delete", url.Values{"csrf": {good}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/" {
		t.Fatalf("delete: %d %v %s", p.status, p.header, p.body)
	}
	if p := b.get("/ui/models/m"); p.status != http.StatusNotFound {
		t.Fatalf("deleted model still shown: %d", p.status)
	}
}

func TestUploadAndModelPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.token("default", "admin"))

	p := b.upload("", "small-cnn") // a plain form post: redirected to the version
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/models/small-cnn/versions/1" {
		t.Fatalf("upload: %d %v %s", p.status, p.header, p.body)
	}
	p = b.get("/ui/models/small-cnn")
	checkPage(t, "model", p)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" class="diagram"`, "[8×28×28]", `id="report-status">valid`,
		"max_pool", "softmax", `id="versions"`, "Try it", `name="image"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("model page lacks %q", want)
		}
	}
	if n := strings.Count(p.body, `<g class="row"`); n != 7+2 {
		t.Errorf("diagram has %d rows, want 9", n)
	}

	// JSON mode: the API's answer as is.
	p = b.upload("cnn2", "small-cnn", "Accept", "application/json")
	var ok struct {
		Name    string
		Version int64
		Created bool
	}
	if p.status != http.StatusCreated || json.Unmarshal([]byte(p.body), &ok) != nil || ok.Name != "cnn2" || !ok.Created {
		t.Fatalf("json upload: %d %s", p.status, p.body)
	}

	// A tampered package is refused and shown with its rule.
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"name", "", []byte("bad")},
		{"spec", "model.json", example(t, "mnist-mlp", "model.json")}, {"weights", "w", example(t, "small-cnn", "weights.safetensors")}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-testid="refusal"`) || !strings.Contains(p.body, `class="rule"`) {
		t.Fatalf("tampered upload: %d %s", p.status, p.body)
	}
	checkPage(t, "refusal", p)
	// A legacy file without a converter: refused, not stored.
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"file", "evil.bson", []byte("\x05\x00\x00\x00\x00")}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "legacy-unsupported") {
		t.Fatalf("legacy upload: %d %s", p.status, p.body)
	}
	if p = b.get("/ui/?q=CNN"); strings.Count(p.body, `<tr data-name=`) != 2 || strings.Contains(p.body, `data-name="bad"`) {
		t.Fatalf("search: %s", p.body)
	}
	if p = b.get("/ui/?q=zzz"); !strings.Contains(p.body, "No model matches") {
		t.Fatal("search without match")
	}
}

func TestTenantIsolationAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.browser()
	a.login(e.token("alpha", "admin"))
	if p := a.upload("secret", "mnist-mlp", "Accept", "application/json"); p.status != http.StatusCreated {
		t.Fatalf("upload: %d", p.status)
	}
	b := e.browser()
	b.login(e.token("beta", "read"))
	if p := b.get("/ui/models/secret"); p.status != http.StatusNotFound {
		t.Errorf("another tenant's model: %d", p.status)
	}
	p := b.get("/ui/")
	if strings.Contains(p.body, "secret") || strings.Contains(p.body, `href="/ui/upload"`) {
		t.Error("read-only token of another tenant sees the model or the upload link")
	}
	if p := b.upload("x", "mnist-mlp", "Accept", "application/json"); p.status != http.StatusForbidden || !strings.Contains(p.body, "missing-scope") {
		t.Errorf("read-only upload: %d %s", p.status, p.body)
	}
	if p := b.get("/ui/models/..%2f..%2fv1%2fmodels"); p.status == http.StatusOK {
		t.Errorf("path trick: %d", p.status)
	}
}

func TestPredict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login(e.token("default", "admin"))
	b.upload("mlp", "mnist-mlp", "Accept", "application/json")
	b.upload("cnn", "small-cnn", "Accept", "application/json")

	one := "[" + strings.TrimSuffix(strings.Repeat("0.5,", 784), ",") + "]"
	var pngBuf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 56, 56))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	png.Encode(&pngBuf, img)
	var rgba bytes.Buffer
	ri := image.NewRGBA(image.Rect(0, 0, 10, 7))
	ri.Set(3, 3, color.RGBA{255, 0, 0, 255})
	png.Encode(&rgba, ri)

	tests := []struct {
		name   string
		model  string
		parts  []part
		status int
		want   string
	}{
		{"one sample", "mlp", []part{{"inputs", "", []byte(one)}}, 200, "shape [1×10]"},
		{"batch", "mlp", []part{{"inputs", "", []byte("[" + one + "," + one + "]")}}, 200, "shape [2×10]"},
		{"object", "mlp", []part{{"inputs", "", []byte(`{"inputs":[` + one + `]}`)}}, 200, `id="top-classes"`},
		{"image flat", "mlp", []part{{"image", "d.png", pngBuf.Bytes()}, {"invert", "", []byte("1")}}, 200, "shape [1×10]"},
		{"image chw", "cnn", []part{{"image", "d.png", rgba.Bytes()}}, 200, "shape [1×10]"},
		{"wrong shape", "mlp", []part{{"inputs", "", []byte("[[1,2,3]]")}}, 422, `data-testid="predict-refusal"`},
		{"not json", "mlp", []part{{"inputs", "", []byte("hello")}}, 422, "must be a JSON array"},
		{"empty", "mlp", []part{{"inputs", "", nil}}, 422, "Paste inputs"},
		{"not an image", "cnn", []part{{"image", "x.png", []byte("GIF89a....")}}, 422, "not a PNG, JPEG or GIF"},
		{"unknown field", "mlp", []part{{"evil", "", []byte("1")}}, 422, "could not be read"},
		{"html in input", "mlp", []part{{"inputs", "", []byte("[<script>alert(1)</script>]")}}, 400, "&lt;script&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := append([]part{{"csrf", "", []byte(b.csrf)}}, tt.parts...)
			p := b.multipart("/ui/models/"+tt.model+"/versions/latest/predict", parts)
			if p.status != tt.status || !strings.Contains(p.body, tt.want) {
				t.Fatalf("status %d (want %d), body lacks %q:\n%s", p.status, tt.status, tt.want, p.body)
			}
			checkPage(t, tt.name, p)
		})
	}
}

func TestStaticAndNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for _, path := range []string{"/ui/static/app.js", "/ui/static/style.css"} {
		p := b.get(path)
		if p.status != http.StatusOK || p.header.Get("Content-Security-Policy") == "" || p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %v", path, p.status, p.header)
		}
	}
	if p := b.get("/ui/static/"); p.status != http.StatusNotFound {
		t.Errorf("static directory listing: %d", p.status)
	}
	if p := b.get("/ui/static/../web.go"); p.status == http.StatusOK {
		t.Error("static escapes its directory")
	}
	if p := b.get("/ui/nope"); p.status != http.StatusNotFound {
		t.Errorf("/ui/nope: %d", p.status)
	}
	if p := b.get("/v1/models"); p.status != http.StatusUnauthorized {
		t.Errorf("the API without a bearer token (cookie ignored): %d", p.status)
	}
}
