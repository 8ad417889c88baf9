package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAPI walks the whole model lifecycle over real HTTP on every backend.
func TestAPI(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testAPI(t, newEnv(t, b, nil))
		})
	}
}

func testAPI(t *testing.T, e *env) {
	m1, m2 := newTestModel(t, 1), newTestModel(t, 2)
	tok := e.admin

	// Upload: 201 with name, version, digest and the full report.
	r := e.uploadModel(tok, "tiny", m1)
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	up := r.json(t)
	digest1, _ := up["digest"].(string)
	if up["name"] != "tiny" || up["version"] != float64(1) || !strings.HasPrefix(digest1, "sha256:") || up["created"] != true {
		t.Fatalf("upload body: %s", r.body)
	}
	report := up["report"].(map[string]any)
	analysis := report["analysis"].(map[string]any)
	if report["valid"] != true || analysis["total_params"] != float64(12+3+6+2) || len(analysis["layers"].([]any)) != 2 {
		t.Fatalf("report: %s", r.body)
	}

	// Re-uploading the same content is idempotent.
	r = e.uploadModel(tok, "tiny", m1)
	if r.status != 200 || r.json(t)["version"] != float64(1) || r.json(t)["created"] != false || r.json(t)["digest"] != digest1 {
		t.Fatalf("re-upload: %d %s", r.status, r.body)
	}
	r = e.uploadModel(tok, "tiny", m2)
	if r.status != 201 || r.json(t)["version"] != float64(2) {
		t.Fatalf("second version: %d %s", r.status, r.body)
	}

	// Listings.
	r = e.get("/v1/models", tok)
	if r.status != 200 || !strings.Contains(string(r.body), `"name": "tiny"`) || r.json(t)["namespace"] != "default" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r = e.get("/v1/models/tiny", tok)
	if r.status != 200 || r.json(t)["latest"] != float64(2) || len(r.json(t)["versions"].([]any)) != 2 {
		t.Fatalf("model: %d %s", r.status, r.body)
	}
	for _, ref := range []string{"1", digest1} {
		r = e.get("/v1/models/tiny/versions/"+ref, tok)
		v := r.json(t)
		if r.status != 200 || v["version"] != float64(1) || v["digest"] != digest1 || v["uploaded_by"] == "" || v["created_at"] == "" {
			t.Fatalf("version %s: %d %s", ref, r.status, r.body)
		}
		spec := v["spec"].(map[string]any)
		if spec["format"] != "modelgate/v1" || v["report"].(map[string]any)["valid"] != true {
			t.Fatalf("version %s: %s", ref, r.body)
		}
	}

	// Predict by number, digest and latest, against the reference.
	batch := randomBatch(3, 5)
	e.mustPredict(tok, "/v1/models/tiny/versions/1/predict", m1, batch)
	e.mustPredict(tok, "/v1/models/tiny/versions/"+digest1+"/predict", m1, batch)
	e.mustPredict(tok, "/v1/models/tiny/versions/latest/predict", m2, batch)

	// Aliases move atomically; predict follows them.
	r = e.do("PUT", "/v1/models/tiny/aliases/prod", tok, strings.NewReader(`{"version": 1}`), "application/json")
	if r.status != 200 || r.json(t)["version"] != float64(1) {
		t.Fatalf("alias: %d %s", r.status, r.body)
	}
	e.mustPredict(tok, "/v1/models/tiny/versions/prod/predict", m1, batch)
	r = e.do("DELETE", "/v1/models/tiny/versions/1", tok, nil, "")
	if r.status != 409 || r.rule() != "version-aliased" {
		t.Fatalf("delete aliased: %d %s", r.status, r.body)
	}
	r = e.do("PUT", "/v1/models/tiny/aliases/prod", tok, strings.NewReader(`{"version": "latest"}`), "application/json")
	if r.status != 200 || r.json(t)["version"] != float64(2) {
		t.Fatalf("move alias: %d %s", r.status, r.body)
	}
	e.mustPredict(tok, "/v1/models/tiny/versions/prod/predict", m2, batch)
	r = e.get("/v1/models/tiny/aliases", tok)
	if r.status != 200 || !strings.Contains(string(r.body), `"version": 2`) {
		t.Fatalf("aliases: %d %s", r.status, r.body)
	}
	for _, body := range []string{`{}`, `{"version": 1, "x": 2}`, `{"version": "../x"}`, `{"version": -1}`, `[`, `{"version": true}`} {
		r = e.do("PUT", "/v1/models/tiny/aliases/prod", tok, strings.NewReader(body), "application/json")
		if r.status != 400 {
			t.Errorf("alias body %s: %d %s", body, r.status, r.body)
		}
	}
	for _, alias := range []string{"latest", "7", "-x"} {
		r = e.do("PUT", "/v1/models/tiny/aliases/"+alias, tok, strings.NewReader(`{"version": 1}`), "application/json")
		if r.status != 400 {
			t.Errorf("alias name %q: %d %s", alias, r.status, r.body)
		}
	}
	r = e.do("PUT", "/v1/models/tiny/aliases/staging", tok, strings.NewReader(`{"version": 9}`), "application/json")
	if r.status != 404 {
		t.Fatalf("alias to missing version: %d %s", r.status, r.body)
	}

	// Delete a version; latest still resolves; the deleted one is gone.
	r = e.do("DELETE", "/v1/models/tiny/versions/1", tok, nil, "")
	if r.status != 200 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	for _, ref := range []string{"1", digest1} {
		if r = e.get("/v1/models/tiny/versions/"+ref, tok); r.status != 404 {
			t.Fatalf("deleted version %s: %d", ref, r.status)
		}
	}
	if r = e.get("/v1/models/tiny/versions/latest", tok); r.status != 200 || r.json(t)["version"] != float64(2) {
		t.Fatalf("latest: %d %s", r.status, r.body)
	}
	r = e.do("DELETE", "/v1/models/tiny/aliases/prod", tok, nil, "")
	if r.status != 200 {
		t.Fatalf("delete alias: %d %s", r.status, r.body)
	}

	// The audit log records who uploaded, aliased and deleted what.
	r = e.get("/v1/audit?limit=50", tok)
	for _, action := range []string{`"upload"`, `"alias"`, `"delete"`, `"delete-alias"`} {
		if !strings.Contains(string(r.body), action) {
			t.Fatalf("audit lacks %s: %s", action, r.body)
		}
	}

	// Health, readiness and metrics.
	if r = e.get("/healthz", ""); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r = e.get("/readyz", ""); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	r = e.get("/metrics", tok)
	for _, m := range []string{"modelgate_http_requests_total", "modelgate_uploads_total", "modelgate_predict_duration_seconds_bucket{model=\"default/tiny\"",
		"modelgate_model_cache_bytes", "modelgate_http_request_duration_seconds"} {
		if !strings.Contains(string(r.body), m) {
			t.Fatalf("metrics lack %s", m)
		}
	}
}

func (e *env) mustPredict(tok, path string, m *testModel, batch [][]float32) {
	e.t.Helper()
	if r := e.checkPredict(tok, path, m, batch); r.status != 200 {
		e.t.Fatalf("predict %s: %d %s", path, r.status, r.body)
	}
}

// TestYAMLUpload: a YAML spec is the same version as its JSON form (the
// digest is over the canonical spec), so the second upload is idempotent.
func TestYAMLUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], nil)
	m := newTestModel(t, 5)
	var doc struct {
		Weights struct {
			SHA256 string `json:"sha256"`
			Bytes  int    `json:"bytes"`
		} `json:"weights"`
	}
	if err := json.Unmarshal(m.spec, &doc); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(`format: modelgate/v1
name: tiny
input:
  shape: [4]
layers:
  - type: dense
    units: 3
    activation: relu
  - type: dense
    units: 2
weights:
  sha256: "%s"
  bytes: %d
`, doc.Weights.SHA256, doc.Weights.Bytes)
	r := e.upload(e.admin, part{"spec", []byte(yaml)}, part{"weights", m.weights})
	if r.status != 201 || r.json(t)["name"] != "tiny" {
		t.Fatalf("yaml upload: %d %s", r.status, r.body)
	}
	digest := r.json(t)["digest"]
	r = e.uploadModel(e.admin, "tiny", m)
	if r.status != 200 || r.json(t)["digest"] != digest || r.json(t)["created"] != false {
		t.Fatalf("json upload of the same model: %d %s", r.status, r.body)
	}
	e.mustPredict(e.admin, "/v1/models/tiny/versions/latest/predict", m, randomBatch(9, 3))
}
