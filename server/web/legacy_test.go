package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

// fakeConverter "converts" any file starting with "ok" to the example MLP
// and refuses anything else, with a scan report either way.
type fakeConverter struct{ spec, weights []byte }

const fakeScan = `{"format":"bson","bytes":2,"model_keys":["model"],"flux_version":">=0.13","nodes":12,` +
	`"findings":[{"severity":"note","rule":"float64-weights","path":"model/0","message":"<b>converted</b> to float32","count":2}]}`

func (c fakeConverter) Convert(_ context.Context, data []byte, _ modelgate.Limits) (*server.Converted, error) {
	if strings.HasPrefix(string(data), "ok") {
		return &server.Converted{Spec: c.spec, Weights: c.weights, Report: json.RawMessage(fakeScan)}, nil
	}
	return &server.Converted{Report: json.RawMessage(`{"findings":[{"severity":"critical","rule":"serialized-code"}]}`)},
		modelgate.Problems{modelgate.Errorf(modelgate.EINVALID, "model/0", "serialized-code", "critical: serialized code")}
}

func TestLegacyUploadShowsScan(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, fakeConverter{example(t, "mnist-mlp", "model.json"), example(t, "mnist-mlp", "weights.safetensors")})
	b := e.browser()
	b.login(e.token("default", "admin"))
	p := b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"name", "", []byte("flux")}, {"file", "m.bson", []byte("ok")}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("legacy upload: %d %s", p.status, p.body)
	}
	p = b.get(p.header.Get("Location"))
	for _, want := range []string{`id="scan-findings"`, "float64-weights", "&lt;b&gt;converted&lt;/b&gt;", "Flux &gt;=0.13", "<code>model</code>", "12 graph nodes"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("model page lacks %q", want)
		}
	}
	checkPage(t, "converted model", p)
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"file", "m.bson", []byte("evil")}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "serialized-code") || !strings.Contains(p.body, "critical") {
		t.Fatalf("refused legacy upload: %d %s", p.status, p.body)
	}
}
