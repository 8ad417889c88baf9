package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

// fakeConverter "converts" any file starting with "ok" to the example MLP
// and refuses anything else, with a scan report either way.
// The options of each call go to seen when it is not nil.
type fakeConverter struct {
	spec, weights []byte
	seen          chan<- server.ConvertOptions
}

const fakeScan = `{"format":"bson","bytes":2,"model_keys":["model"],"flux_version":">=0.13","nodes":12,` +
	`"findings":[{"severity":"note","rule":"float64-weights","path":"model/0","message":"<b>converted</b> to float32","count":2}]}`

func (c fakeConverter) Convert(_ context.Context, data []byte, opt server.ConvertOptions) (*server.Converted, error) {
	if c.seen != nil {
		c.seen <- opt
	}
	if strings.HasPrefix(string(data), "ok") {
		return &server.Converted{Spec: c.spec, Weights: c.weights, Report: json.RawMessage(fakeScan)}, nil
	}
	return &server.Converted{Report: json.RawMessage(`{"findings":[{"severity":"critical","rule":"serialized-code"}]}`)},
		modelgate.Problems{modelgate.Errorf(modelgate.EINVALID, "model/0", "serialized-code", "critical: serialized code")}
}

func TestLegacyUploadShowsScan(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, fakeConverter{spec: example(t, "mnist-mlp", "model.json"), weights: example(t, "mnist-mlp", "weights.safetensors")})
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

// TestLegacyUploadOptions sends the legacy fieldset's options through the
// form: filled ones reach the converter, empty ones are dropped.
func TestLegacyUploadOptions(t *testing.T) {
	t.Parallel()
	seen := make(chan server.ConvertOptions, 4)
	e := newEnvWith(t, fakeConverter{spec: example(t, "mnist-mlp", "model.json"), weights: example(t, "mnist-mlp", "weights.safetensors"), seen: seen})
	b := e.browser()
	b.login(e.token("default", "admin"))
	p := b.get("/ui/upload")
	for _, want := range []string{`name="input_shape"`, `name="key"`, `name="allow_known_lambdas" type="checkbox" value="true"`, `name="swap_hw" type="checkbox" value="true"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("upload form lacks %q", want)
		}
	}
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"name", "", []byte("cnn")}, {"file", "m.bson", []byte("ok")},
		{"input_shape", "", []byte("1,28,28")}, {"key", "", []byte("model")}, {"allow_known_lambdas", "", []byte("true")},
		{"swap_hw", "", []byte("true")}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("legacy upload with options: %d %s", p.status, p.body)
	}
	if got := <-seen; !slices.Equal(got.InputShape, []int{1, 28, 28}) || got.Key != "model" || !got.AllowKnownLambdas || !got.SwapHW {
		t.Fatalf("converter got %+v", got)
	}
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"name", "", []byte("mlp")}, {"file", "m.bson", []byte("ok")},
		{"input_shape", "", nil}, {"key", "", nil}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("legacy upload with empty options: %d %s", p.status, p.body)
	}
	if got := <-seen; got.InputShape != nil || got.Key != "" || got.AllowKnownLambdas {
		t.Fatalf("converter got %+v, want no options", got)
	}
	p = b.multipart("/ui/upload", []part{{"csrf", "", []byte(b.csrf)}, {"file", "m.bson", []byte("ok")}, {"input_shape", "", []byte("1;28")}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "bad-input-shape") {
		t.Fatalf("bad input shape: %d %s", p.status, p.body)
	}
}
