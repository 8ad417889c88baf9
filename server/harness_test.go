package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/sqlite"
)

// backend opens a fresh metadata store and blob store for one test.
type backend struct {
	name string
	open func(t *testing.T) (modelgate.Store, modelgate.BlobStore)
}

// backends lists the stores the integration suite runs against: SQLite
// always, PostgreSQL when MODELGATE_TEST_POSTGRES is set.
func backends(t *testing.T) []backend {
	bs := []backend{{"sqlite", openSQLite}}
	if dsn := os.Getenv("MODELGATE_TEST_POSTGRES"); dsn != "" {
		bs = append(bs, backend{"postgres", openPostgres}, backend{"postgres-blobs", openPostgresBlobs})
	} else {
		t.Log("MODELGATE_TEST_POSTGRES unset: PostgreSQL backends skipped (run scripts/pg-test-server.sh)")
	}
	return bs
}

func openSQLite(t *testing.T) (modelgate.Store, modelgate.BlobStore) {
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
	return st, bl
}

// env is a running server on loopback with an admin token.
type env struct {
	t      *testing.T
	url    string
	srv    *server.Server
	store  modelgate.Store
	blobs  modelgate.BlobStore
	admin  string
	client *http.Client
}

func newEnv(t *testing.T, b backend, tune func(*server.Config)) *env {
	t.Helper()
	st, bl := b.open(t)
	cfg := server.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.TempDir = t.TempDir()
	cfg.Threads = 1
	if tune != nil {
		tune(&cfg)
	}
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	e := &env{t: t, url: "http://" + srv.Addr(), srv: srv, store: st, blobs: bl, client: &http.Client{Timeout: 60 * time.Second}}
	e.admin = e.token("default", modelgate.ScopeAdmin)
	return e
}

// token creates a token in namespace with the given scopes.
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

// resp is a decoded response.
type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
	return m
}

// rule returns the rule of the first problem of an error body.
func (r resp) rule() string {
	var m struct {
		Error struct{ Rule string } `json:"error"`
	}
	_ = json.Unmarshal(r.body, &m)
	return m.Error.Rule
}

func (e *env) do(method, path, token string, body io.Reader, contentType string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, b, res.Header}
}

func (e *env) get(path, token string) resp { return e.do("GET", path, token, nil, "") }

func (e *env) postJSON(path, token, body string) resp {
	return e.do("POST", path, token, strings.NewReader(body), "application/json")
}

// part is one multipart part.
type part struct {
	name string
	data []byte
}

func multipartBody(t testing.TB, parts ...part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, err := mw.CreateFormFile(p.name, p.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (e *env) upload(token string, parts ...part) resp {
	e.t.Helper()
	body, ct := multipartBody(e.t, parts...)
	return e.do("POST", "/v1/models", token, body, ct)
}

func (e *env) uploadModel(token, name string, m *testModel) resp {
	e.t.Helper()
	return e.upload(token, part{"name", []byte(name)}, part{"spec", m.spec}, part{"weights", m.weights})
}

// testModel is a small dense network with its reference implementation.
type testModel struct {
	spec    []byte
	weights []byte
	w0, b0  []float32 // [3,4], [3]
	w1, b1  []float32 // [2,3], [2]
}

// newTestModel builds a 4 -> 3 (relu) -> 2 network with weights from seed.
func newTestModel(t testing.TB, seed uint64) *testModel {
	r := rand.New(rand.NewPCG(seed, 7))
	gen := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(r.NormFloat64())
		}
		return out
	}
	m := &testModel{w0: gen(12), b0: gen(3), w1: gen(6), b1: gen(2)}
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{3, 4}, m.w0),
		safetensors.F32("layers.0.bias", []int64{3}, m.b0),
		safetensors.F32("layers.1.weight", []int64{2, 3}, m.w1),
		safetensors.F32("layers.1.bias", []int64{2}, m.b1),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.weights = buf.Bytes()
	sum := sha256.Sum256(m.weights)
	m.spec = []byte(fmt.Sprintf(`{"format": "modelgate/v1", "name": "tiny", "input": {"shape": [4]},
  "layers": [{"type": "dense", "units": 3, "activation": "relu"}, {"type": "dense", "units": 2}],
  "weights": {"sha256": "%s", "bytes": %d}}`, hex.EncodeToString(sum[:]), len(m.weights)))
	return m
}

// reference computes the network naively in float64.
func (m *testModel) reference(x []float32) []float64 {
	h := make([]float64, 3)
	for i := range h {
		s := float64(m.b0[i])
		for j := 0; j < 4; j++ {
			s += float64(m.w0[i*4+j]) * float64(x[j])
		}
		h[i] = math.Max(0, s)
	}
	out := make([]float64, 2)
	for i := range out {
		s := float64(m.b1[i])
		for j := 0; j < 3; j++ {
			s += float64(m.w1[i*3+j]) * h[j]
		}
		out[i] = s
	}
	return out
}

// checkPredict posts a batch and compares with the reference.
func (e *env) checkPredict(token, path string, m *testModel, batch [][]float32) resp {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"inputs": batch})
	r := e.postJSON(path, token, string(body))
	if r.status != 200 {
		return r
	}
	var out struct {
		Shape   []int       `json:"shape"`
		Outputs [][]float64 `json:"outputs"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		e.t.Fatalf("predict body %s: %v", r.body, err)
	}
	if len(out.Outputs) != len(batch) || len(out.Shape) != 2 || out.Shape[0] != len(batch) || out.Shape[1] != 2 {
		e.t.Fatalf("predict shape: %s", r.body)
	}
	for i, x := range batch {
		want := m.reference(x)
		for j := range want {
			if d := math.Abs(out.Outputs[i][j] - want[j]); d > 1e-4*(1+math.Abs(want[j])) {
				e.t.Fatalf("sample %d output %d = %v, want %v", i, j, out.Outputs[i][j], want[j])
			}
		}
	}
	return r
}

func randomBatch(seed uint64, n int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	for i := range out {
		out[i] = make([]float32, 4)
		for j := range out[i] {
			out[i][j] = float32(r.NormFloat64())
		}
	}
	return out
}

func newRequest(method, url, body string) (*http.Request, error) {
	return http.NewRequest(method, url, strings.NewReader(body))
}

func newClient() *http.Client { return &http.Client{Timeout: 60 * time.Second} }
