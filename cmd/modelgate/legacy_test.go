package main

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
	"testing"
	"time"

	"github.com/modelgate/modelgate/sandbox"
	"github.com/modelgate/modelgate/sandbox/legacy"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/sqlite"
)

// sharedCorpus returns a file of /work/shared/corpus/flux-bson by its
// number prefix, or skips.
func sharedCorpus(t *testing.T, num string) []byte {
	t.Helper()
	dir, _ := os.Getwd()
	for range 5 {
		m, _ := filepath.Glob(filepath.Join(dir, "..", "shared", "corpus", "flux-bson", num+"_*"))
		if len(m) == 1 {
			b, err := os.ReadFile(m[0])
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		dir = filepath.Dir(dir)
	}
	t.Skipf("corpus file %s not found", num)
	return nil
}

// TestLegacyUploadCorpus uploads a real conv-first Flux file (an MNIST
// CNN whose flatten is the known lambda) through the server and the real
// sandboxed converter (this test binary re-executed as the child): it
// converts only with input_shape and allow_known_lambdas.
func TestLegacyUploadCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sandboxed children")
	}
	if sandbox.LandlockABI() < 1 {
		t.Skip("no Landlock on this kernel: the sandbox refuses to run")
	}
	file := sharedCorpus(t, "01")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	conv := &legacy.Converter{Exe: exe, Limits: sandbox.Limits{Timeout: 60 * time.Second, CPUSeconds: 30, AddressSpace: 3 << 30}}
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
	cfg.TempDir, cfg.Threads, cfg.UploadsPerMinute = dir, 1, 0
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
	upload := func(fields ...string) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("name", "mnist")
		w, _ := mw.CreateFormFile("file", "model.bson")
		w.Write(file)
		for i := 0; i+1 < len(fields); i += 2 {
			mw.WriteField(fields[i], fields[i+1])
		}
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
		return res.StatusCode, string(body)
	}
	rule := func(body string) string {
		var m struct {
			Error struct{ Rule string } `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &m)
		return m.Error.Rule
	}

	if status, body := upload("input_shape", "1,28,28"); status != http.StatusUnprocessableEntity || rule(body) != "serialized-code" {
		t.Errorf("without allow_known_lambdas: %d %.300s", status, body)
	}
	if status, body := upload("allow_known_lambdas", "true"); status != http.StatusUnprocessableEntity {
		t.Errorf("without input_shape: %d %.300s", status, body)
	} else {
		t.Logf("without input_shape: %s", rule(body))
	}
	if status, body := upload("input_shape", "1,28,28", "allow_known_lambdas", "true", "key", "no-such-key"); status != http.StatusUnprocessableEntity {
		t.Errorf("with a wrong key: %d %.300s", status, body)
	}
	status, body := upload("input_shape", "1,28,28", "allow_known_lambdas", "true")
	if status != http.StatusCreated {
		t.Fatalf("with input_shape and allow_known_lambdas: %d %.500s", status, body)
	}
	var ok struct {
		Name    string
		Version int64
	}
	if err := json.Unmarshal([]byte(body), &ok); err != nil || ok.Name != "mnist" || ok.Version != 1 {
		t.Fatalf("created: %s (%v)", body, err)
	}
}
