package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/sqlite"
)

// TestServerLegacyUpload runs the server's legacy-upload path through the
// real sandbox: the converted package is validated and stored with its
// scan report; a refused file answers 422 with the problems and report.
func TestServerLegacyUpload(t *testing.T) {
	conv := converter(t)
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "meta.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bl, err := blobs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Default()
	cfg.TempDir, cfg.Threads = dir, 1
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl, Converter: conv})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	secret, tok, err := server.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tok.Name, tok.Namespace, tok.Scopes, tok.CreatedBy = "t", "default", []string{"admin"}, "test"
	if err := st.CreateToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "mnist-mlp", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	upload := func(file []byte) (int, map[string]any) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		w, _ := mw.CreateFormFile("file", "model.bson")
		w.Write(file)
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/v1/models", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		return res.StatusCode, m
	}

	status, body := upload(append(append(append([]byte("pkg"), read("model.json")...), 0), read("weights.safetensors")...))
	rep, _ := json.Marshal(body["report"])
	if status != http.StatusCreated || body["name"] != "mnist-mlp" || !strings.Contains(string(rep), `"scan":{"findings":[],"layers":1}`) {
		t.Fatalf("converted upload: %d %v", status, body)
	}

	status, body = upload([]byte("evil"))
	rep, _ = json.Marshal(body["report"])
	ps, _ := json.Marshal(body["problems"])
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(ps), "serialized-code") || !strings.Contains(string(rep), "critical") {
		t.Fatalf("refused upload: %d %v", status, body)
	}

	// A converted package that does not validate is refused by the
	// server's own validation (the child's output is not trusted).
	status, body = upload(append(append(append([]byte("pkg"), read("model.json")...), 0), "not safetensors"...))
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad converted package: %d %v", status, body)
	}
}
