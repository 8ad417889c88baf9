package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	_ "image/png" // corpus image 03
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
// sandboxed converter (this test binary re-executed as the child): the
// options reach flux.Convert (it converts only with allow_known_lambdas,
// follows input_shape and key) and the converted model reads a digit.
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
	if status, body := upload("input_shape", "1,32,32", "allow_known_lambdas", "true"); status != http.StatusUnprocessableEntity {
		t.Errorf("with an input_shape that does not fit: %d %.300s", status, body)
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
	out := predictDigit(t, hs.URL+"/v1/models/mnist/versions/1/predict", secret, digit7Input(t, true))
	if k := argmax(out); k != 7 || out[k] <= 0.99 {
		t.Fatalf("digit 7 through the converted upload: class %d (%v), want 7 with p > 0.99", k, out)
	}
	// swap_hw: the same model taking the upright image.
	status, body = upload("input_shape", "1,28,28", "allow_known_lambdas", "true", "swap_hw", "true")
	if status != http.StatusCreated {
		t.Fatalf("with swap_hw: %d %.500s", status, body)
	}
	out = predictDigit(t, hs.URL+"/v1/models/mnist/versions/2/predict", secret, digit7Input(t, false))
	if k := argmax(out); k != 7 || out[k] <= 0.99 {
		t.Fatalf("upright digit 7 through the swap_hw upload: class %d (%v), want 7 with p > 0.99", k, out)
	}
}

// digit7Input is corpus image 03 as a [1, 28, 28] input, pixel/255,
// upright or transposed (model 01 converted without swap_hw takes it
// transposed: it was trained on Images.jl matrices, its H axis is x).
func digit7Input(t *testing.T, transpose bool) [][][]float32 {
	img, _, err := image.Decode(bytes.NewReader(sharedCorpus(t, "03")))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != 28 || b.Dy() != 28 {
		t.Fatalf("image is %v", b)
	}
	in := make([][]float32, 28)
	for x := range 28 {
		in[x] = make([]float32, 28)
		for y := range 28 {
			in[x][y] = float32(color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y) / 255
		}
	}
	if !transpose {
		up := make([][]float32, 28)
		for y := range 28 {
			up[y] = make([]float32, 28)
			for x := range 28 {
				up[y][x] = in[x][y]
			}
		}
		in = up
	}
	return [][][]float32{in}
}

// predictDigit posts one sample and returns its outputs.
func predictDigit(t *testing.T, url, secret string, sample [][][]float32) []float64 {
	t.Helper()
	body, err := json.Marshal(map[string]any{"inputs": [][][][]float32{sample}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var ans struct {
		Outputs [][]float64 `json:"outputs"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ans); err != nil || res.StatusCode != http.StatusOK || len(ans.Outputs) != 1 {
		t.Fatalf("predict: %d %v %v", res.StatusCode, ans, err)
	}
	return ans.Outputs[0]
}

func argmax(v []float64) int {
	k := 0
	for i := range v {
		if v[i] > v[k] {
			k = i
		}
	}
	return k
}
