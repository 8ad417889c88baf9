package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/modelgate/modelgate/server"
)

// BenchmarkPredictHandler measures one predict request through the whole
// handler stack (auth, resolve, decode, Predict, encode) without the
// network, for the examples/mnist-mlp package.
func BenchmarkPredictHandler(b *testing.B) {
	spec, err1 := os.ReadFile("../examples/mnist-mlp/model.json")
	weights, err2 := os.ReadFile("../examples/mnist-mlp/weights.safetensors")
	input, err3 := os.ReadFile("../examples/mnist-mlp/input.json")
	if err1 != nil || err2 != nil || err3 != nil {
		b.Skip("examples/mnist-mlp not present")
	}
	t := &testing.T{}
	st, bl := openSQLite(t)
	cfg := server.Default()
	cfg.Threads, cfg.PredictsPerSecond = 1, 0
	cfg.TempDir = b.TempDir()
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl})
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: t, store: st}
	tok := e.token("default", "admin")
	body, ct := multipartBody(b, part{"name", []byte("mnist")}, part{"spec", spec}, part{"weights", weights})
	req := httptest.NewRequest("POST", "/v1/models", body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 201 {
		b.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(input, &batch); err != nil {
		b.Fatal(err)
	}
	pb, _ := json.Marshal(map[string]any{"inputs": batch[:1]})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/v1/models/mnist/versions/latest/predict", bytes.NewReader(pb))
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("predict: %d %s", rec.Code, rec.Body)
		}
	}
}
