package server_test

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server"
)

// TestGracefulShutdown starts a slow upload, closes the server while it is
// in flight, and checks that the upload completes, readiness turns off and
// new connections are refused.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	st, bl := openSQLite(t)
	cfg := server.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.TempDir = t.TempDir()
	srv, err := server.New(cfg, server.Deps{Store: st, Blobs: bl})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, url: "http://" + srv.Addr(), srv: srv, store: st, blobs: bl, client: &http.Client{Timeout: 30 * time.Second}}
	e.admin = e.token("default", "admin")
	m := newTestModel(t, 1)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	started := make(chan struct{})
	go func() {
		mw.WriteField("name", "slow")
		w, _ := mw.CreateFormFile("spec", "model.json")
		w.Write(m.spec)
		w, _ = mw.CreateFormFile("weights", "weights.safetensors")
		w.Write(m.weights[:10])
		close(started)
		time.Sleep(500 * time.Millisecond) // Close happens now
		w.Write(m.weights[10:])
		mw.Close()
		pw.Close()
	}()
	result := make(chan resp, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", e.url+"/v1/models", pr)
		req.Header.Set("Authorization", "Bearer "+e.admin)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := e.client.Do(req)
		if err != nil {
			t.Errorf("in-flight upload failed: %v", err)
			result <- resp{}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		result <- resp{status: res.StatusCode, body: b}
	}()
	<-started
	time.Sleep(100 * time.Millisecond) // the request is being read
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	r := <-result
	if r.status != 201 {
		t.Fatalf("in-flight upload: %d %s", r.status, r.body)
	}
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	if _, err := http.Get(e.url + "/healthz"); err == nil {
		t.Fatal("server still accepts connections after Close")
	}
	if v, err := st.ResolveVersion(context.Background(), "default", "slow", "latest"); err != nil || v.Number != 1 {
		t.Fatalf("drained upload not stored: %v", err)
	}
}

// TestUploadOutlivesRequestTimeout: an upload gets UploadTimeout, not the
// ordinary request deadline.
func TestUploadOutlivesRequestTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends(t)[0], func(c *server.Config) { c.RequestTimeout = 200 * time.Millisecond })
	m := newTestModel(t, 1)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("spec", "model.json")
		w.Write(m.spec)
		time.Sleep(600 * time.Millisecond) // longer than RequestTimeout
		w, _ = mw.CreateFormFile("weights", "weights.safetensors")
		w.Write(m.weights)
		mw.Close()
		pw.Close()
	}()
	if r := e.do("POST", "/v1/models", e.admin, pr, mw.FormDataContentType()); r.status != 201 {
		t.Fatalf("slow upload: %d %s", r.status, r.body)
	}
}
