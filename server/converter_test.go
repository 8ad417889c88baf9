package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

// fakeConverter stands in for the sandboxed Flux converter: files starting
// with "good" convert to a test model, anything else is refused.
// The options of each call go to seen when it is not nil.
type fakeConverter struct {
	m    *testModel
	seen chan<- server.ConvertOptions
}

func (f fakeConverter) Convert(ctx context.Context, data []byte, opt server.ConvertOptions) (*server.Converted, error) {
	if f.seen != nil {
		f.seen <- opt
	}
	if !bytes.HasPrefix(data, []byte("good")) {
		return &server.Converted{Report: json.RawMessage(`{"rejected": [{"path": "model", "reason": "serialized function"}]}`)},
			modelgate.Problems{modelgate.Errorf(modelgate.EUNSUPPORTED, "model", "function-not-allowed", "a serialized Julia function")}
	}
	return &server.Converted{Spec: f.m.spec, Weights: f.m.weights, Report: json.RawMessage(`{"allowed": ["Chain", "Dense"]}`)}, nil
}

// TestLegacyUploadSeam exercises the Converter seam: refusals answer 422
// with the problems and the scan report; conversions are validated and
// stored like packages, with the scan report kept.
func TestLegacyUploadSeam(t *testing.T) {
	t.Parallel()
	m := newTestModel(t, 4)
	st, bl := openSQLite(t)
	cfg := server.Default()
	cfg.Addr, cfg.TempDir = "127.0.0.1:0", t.TempDir()
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl, Converter: fakeConverter{m: m}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	e := &env{t: t, url: "http://" + srv.Addr(), srv: srv, store: st, blobs: bl, client: newClient()}
	e.admin = e.token("default", "admin")

	r := e.upload(e.admin, part{"name", []byte("evil")}, part{"file", hostileBSON()})
	if r.status != 422 || r.rule() != "function-not-allowed" || !strings.Contains(string(r.body), "serialized function") {
		t.Fatalf("hostile legacy file: %d %s", r.status, r.body)
	}
	r = e.upload(e.admin, part{"name", []byte("flux")}, part{"file", []byte("good bson")})
	if r.status != 201 || !strings.Contains(string(r.body), `"allowed"`) {
		t.Fatalf("converted upload: %d %s", r.status, r.body)
	}
	e.mustPredict(e.admin, "/v1/models/flux/versions/latest/predict", m, randomBatch(2, 2))
	if r := e.get("/v1/models/flux/versions/1", e.admin); !strings.Contains(string(r.body), `"scan"`) {
		t.Fatalf("scan report not stored: %s", r.body)
	}
}
