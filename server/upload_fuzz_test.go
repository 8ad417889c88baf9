package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
)

const fuzzBoundary = "mgboundary"

// uploadSeeds are multipart bodies (boundary fuzzBoundary) for the form
// reader: valid forms and hostile ones.
var uploadSeeds = []string{
	"--mgboundary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nm\r\n" +
		"--mgboundary\r\nContent-Disposition: form-data; name=\"spec\"; filename=\"model.json\"\r\n\r\n{}\r\n" +
		"--mgboundary\r\nContent-Disposition: form-data; name=\"weights\"; filename=\"w\"\r\n\r\nabcdefgh\r\n--mgboundary--\r\n",
	"--mgboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.bson\"\r\n\r\n\x05\x00\x00\x00\x00\r\n--mgboundary--\r\n",
	"--mgboundary\r\nContent-Disposition: form-data; name=\"spec\"\r\n\r\n{}\r\n--mgboundary\r\nContent-Disposition: form-data; name=\"spec\"\r\n\r\n{}\r\n--mgboundary--\r\n",
	"--mgboundary\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttp://example.com/x\r\n--mgboundary--\r\n",
	"--mgboundary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n../../etc\r\n--mgboundary--\r\n",
	"--mgboundary\r\nContent-Disposition: form-data; name=\"spec\"\r\n\r\n{}",
	"--mgboundary--\r\n",
	"",
}

// FuzzUploadForm feeds arbitrary multipart bodies to the upload form
// reader: it must never panic, always classify its refusals, and keep every
// part within its cap.
func FuzzUploadForm(f *testing.F) {
	n := 0
	for _, s := range uploadSeeds {
		f.Add([]byte(s))
		n++
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "upload", "*.multipart"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		n++
	}
	if n == 0 || len(files) == 0 {
		f.Fatal("no seeds: uploadSeeds and testdata/upload/*.multipart must not be empty")
	}
	cfg := Default()
	cfg.Limits.SpecBytes = 1 << 10
	cfg.Limits.WeightsBytes = 4 << 10
	cfg.MaxLegacyBytes = 4 << 10
	s := &Server{cfg: cfg}
	tmp := f.TempDir()
	s.cfg.TempDir = tmp
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/v1/models", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 64<<10)
		form, err := s.readUpload(context.Background(), r)
		defer form.cleanup()
		if err != nil {
			var rq requestError
			if !errors.As(err, &rq) && modelgate.ErrorCode(err) == modelgate.EINTERNAL {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if int64(len(form.spec)) > cfg.Limits.SpecBytes || form.size > cfg.Limits.WeightsBytes || int64(len(form.legacy)) > cfg.MaxLegacyBytes {
			t.Fatalf("part over its cap: spec %d weights %d file %d", len(form.spec), form.size, len(form.legacy))
		}
		if form.name != "" && !validName(form.name) {
			t.Fatalf("accepted bad name %q", form.name)
		}
		if form.hasFile == (form.hasSpec && form.weights != nil) {
			t.Fatal("accepted a form that is neither a package nor a legacy file")
		}
	})
}
