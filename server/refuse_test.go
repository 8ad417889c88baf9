package server_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/server"
)

// hostileBSON is a BSON.jl-style document whose "model" is a serialized
// Julia function (the BSON.jl #50 code-execution shape): a legacy upload
// that must be refused.
func hostileBSON() []byte {
	doc := func(elems ...[]byte) []byte {
		body := bytes.Join(elems, nil)
		out := binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)+1))
		return append(append(out, body...), 0)
	}
	str := func(key, v string) []byte {
		b := append([]byte{0x02}, key...)
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
		return append(append(b, v...), 0)
	}
	sub := func(key string, d []byte) []byte { return append(append(append([]byte{0x03}, key...), 0), d...) }
	fn := doc(str("tag", "jl_anonymous"), str("code", "run(`sh -c 'echo pwned'`)"))
	return doc(sub("model", fn))
}

// TestRefusals covers malformed requests (400), refused content (422),
// limits (413, 422, 429) and hostile uploads.
func TestRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], func(c *server.Config) {
		c.MaxUploadBytes = 64 << 10
		c.MaxRequestBytes = 16 << 10
		c.MaxBatch = 8
		c.UploadsPerMinute, c.UploadBurst = 60, 1000
		c.Limits.SpecBytes = 4 << 10
		c.Limits.Params = 1000
	})
	m := newTestModel(t, 1)
	tok := e.admin
	specPart, weightsPart := part{"spec", m.spec}, part{"weights", m.weights}
	corrupt := bytes.Clone(m.weights)
	corrupt[len(corrupt)-1] ^= 1
	bigSpec := strings.Replace(string(m.spec), `"units": 3`, `"units": 3000`, 1)
	cases := []struct {
		name   string
		parts  []part
		status int
		rule   string
	}{
		{"no parts", nil, 400, "missing-part"},
		{"spec only", []part{specPart}, 400, "missing-part"},
		{"weights only", []part{weightsPart}, 400, "missing-part"},
		{"duplicate spec", []part{specPart, specPart, weightsPart}, 400, "duplicate-part"},
		{"unknown part", []part{specPart, weightsPart, {"url", []byte("http://example.com/model")}}, 400, "unknown-part"},
		{"bad name", []part{{"name", []byte("../etc")}, specPart, weightsPart}, 400, "bad-model-name"},
		{"mixed", []part{specPart, weightsPart, {"file", hostileBSON()}}, 400, "mixed-upload"},
		{"weights digest", []part{specPart, {"weights", corrupt}}, 422, "weights-digest"},
		{"weights size", []part{specPart, {"weights", m.weights[:len(m.weights)-4]}}, 422, "weights-size"},
		{"spec not json", []part{{"spec", []byte("{")}, weightsPart}, 422, ""},
		{"spec unknown field", []part{{"spec", []byte(strings.Replace(string(m.spec), `"name"`, `"url": "x", "name"`, 1))}, weightsPart}, 422, ""},
		{"spec duplicate key", []part{{"spec", []byte(strings.Replace(string(m.spec), `"name": "tiny"`, `"name": "tiny", "name": "evil"`, 1))}, weightsPart}, 422, ""},
		{"param budget", []part{{"spec", []byte(bigSpec)}, weightsPart}, 422, ""},
		{"spec too large", []part{{"spec", bytes.Repeat([]byte(" "), 5<<10)}, weightsPart}, 422, "spec-too-large"},
		{"body too large", []part{specPart, {"weights", make([]byte, 70<<10)}}, 413, "request-too-large"},
		{"hostile legacy file", []part{{"name", []byte("evil")}, {"file", hostileBSON()}}, 422, "legacy-unsupported"},
	}
	for _, c := range cases {
		r := e.upload(tok, c.parts...)
		if r.status != c.status || c.rule != "" && r.rule() != c.rule {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.rule)
			continue
		}
		body := r.json(t)
		if ps, _ := body["problems"].([]any); len(ps) == 0 {
			t.Errorf("%s: no problems in %s", c.name, r.body)
		}
	}
	if r := e.do("POST", "/v1/models", tok, strings.NewReader(`{"url": "http://x"}`), "application/json"); r.status != 400 || r.rule() != "bad-multipart" {
		t.Errorf("json upload: %d %s", r.status, r.body)
	}
	// Nothing refused became visible.
	if r := e.get("/v1/models", tok); strings.Contains(string(r.body), `"name"`) {
		t.Fatalf("refused uploads are visible: %s", r.body)
	}
	if r := e.get("/metrics", tok); !strings.Contains(string(r.body), `modelgate_rejections_total{rule="weights-digest"} 1`) ||
		!strings.Contains(string(r.body), `modelgate_uploads_total{result="refused"}`) {
		t.Errorf("rejection metrics: %s", r.body)
	}
	if r := e.get("/v1/audit", tok); !strings.Contains(string(r.body), `"upload-refuse"`) {
		t.Errorf("refusals not audited: %s", r.body)
	}

	// Predict inputs.
	if r := e.uploadModel(tok, "tiny", m); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	p := "/v1/models/tiny/versions/latest/predict"
	row := "[1, 2, 3, 4]"
	inputs := []struct {
		body   string
		status int
		rule   string
	}{
		{`{"inputs": [` + row + `]}`, 200, ""},
		{`{"inputs": [[1, 2, 3]]}`, 422, "input-shape"},
		{`{"inputs": [[1, 2, 3, 4, 5]]}`, 422, "input-shape"},
		{`{"inputs": [1, 2, 3, 4]}`, 422, "input-shape"},
		{`{"inputs": [[[1], 2, 3, 4]]}`, 422, "input-shape"},
		{`{"inputs": []}`, 422, "input-shape"},
		{`{"inputs": [[1, 2, "3", 4]]}`, 422, "input-shape"},
		{`{"inputs": [[1, 2, null, 4]]}`, 422, "input-shape"},
		{`{"inputs": [[1, 2, 1e39, 4]]}`, 422, "input-not-finite"},
		{`{"inputs": [` + strings.Repeat(row+",", 8) + row + `]}`, 422, "batch-too-large"},
		{`{"inputs": [` + row + `], "extra": 1}`, 400, "bad-input-json"},
		{`{"outputs": [` + row + `]}`, 400, "bad-input-json"},
		{`{"inputs": [` + row + `]} {}`, 400, "bad-input-json"},
		{`{"inputs": [` + row + `]`, 400, "bad-input-json"},
		{`[1]`, 400, "bad-input-json"},
		{``, 400, "bad-input-json"},
		{`{"inputs": [[1, 2, 3, 4]], "inputs": []}`, 400, "bad-input-json"},
		{`{"inputs": [` + strings.Repeat("[", 10000), 422, "input-shape"},
		{`{"inputs": [[` + strings.Repeat("1,", 20000) + `1]]}`, 413, "request-too-large"},
	}
	for _, c := range inputs {
		r := e.postJSON(p, tok, c.body)
		if r.status != c.status || c.rule != "" && r.rule() != c.rule {
			t.Errorf("predict %.60q: %d %s, want %d %s", c.body, r.status, r.body, c.status, c.rule)
		}
	}
	if r := e.postJSON("/v1/models/tiny/versions/9/predict", tok, `{"inputs": [`+row+`]}`); r.status != 404 {
		t.Errorf("predict missing version: %d", r.status)
	}
	for _, ref := range []string{"sha256:zz", "a%2Fb", strings.Repeat("a", 65)} {
		if r := e.postJSON("/v1/models/tiny/versions/"+ref+"/predict", tok, `{"inputs": [`+row+`]}`); r.status != 400 && r.status != 404 {
			t.Errorf("predict ref %q: %d", ref, r.status)
		}
	}
	if r := e.get("/v1/nope", tok); r.status != 404 || r.json(t)["error"] == nil {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

// TestRateLimits checks the per-token upload and predict buckets.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], func(c *server.Config) {
		c.UploadsPerMinute, c.UploadBurst = 0.001, 2
		c.PredictsPerSecond, c.PredictBurst = 0.001, 3
	})
	m := newTestModel(t, 1)
	for i := 0; i < 2; i++ {
		if r := e.uploadModel(e.admin, "tiny", m); r.status != 201 && r.status != 200 {
			t.Fatalf("upload %d: %d %s", i, r.status, r.body)
		}
	}
	if r := e.uploadModel(e.admin, "tiny", m); r.status != 429 || r.rule() != "rate-limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("third upload: %d %s", r.status, r.body)
	}
	body := `{"inputs": [[1, 2, 3, 4]]}`
	for i := 0; i < 3; i++ {
		if r := e.postJSON("/v1/models/tiny/versions/1/predict", e.admin, body); r.status != 200 {
			t.Fatalf("predict %d: %d %s", i, r.status, r.body)
		}
	}
	if r := e.postJSON("/v1/models/tiny/versions/1/predict", e.admin, body); r.status != 429 {
		t.Fatalf("fourth predict: %d %s", r.status, r.body)
	}
	// Buckets are per token: another token is not affected.
	other := e.token("default", "predict")
	if r := e.postJSON("/v1/models/tiny/versions/1/predict", other, body); r.status != 200 {
		t.Fatalf("other token: %d %s", r.status, r.body)
	}
	_ = fmt.Sprint
}
