package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

const fuzzBoundary = "BOUNDARY"

func formBody(parts ...[2]string) []byte {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary(fuzzBoundary)
	for _, p := range parts {
		w, _ := mw.CreateFormField(p[0])
		w.Write([]byte(p[1]))
	}
	mw.Close()
	return b.Bytes()
}

// FuzzForms feeds arbitrary multipart bodies to the two form readers that
// parse request bodies themselves: the try-it form and the upload proxy's
// re-encoder. Neither may panic; the proxy must only ever emit the
// allowed parts, and neither may accept a body whose first part is not
// the right CSRF token.
func FuzzForms(f *testing.F) {
	seeds := [][]byte{
		formBody([2]string{"csrf", "tok"}, [2]string{"inputs", "[[1]]"}, [2]string{"invert", "1"}),
		formBody([2]string{"csrf", "tok"}, [2]string{"name", "m"}, [2]string{"spec", "{}"}, [2]string{"weights", "w"}),
		formBody([2]string{"csrf", "tok"}, [2]string{"evil", "x"}),
		formBody([2]string{"inputs", "x"}, [2]string{"csrf", "tok"}),
		formBody([2]string{"csrf", "tok"}, [2]string{"inputs", "a"}, [2]string{"inputs", "b"}),
		[]byte("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok"),
		nil,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, _ := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		_, err := readTryForm(r, "tok")
		if err == nil && !bytes.Contains(body, []byte("tok")) {
			t.Fatal("try-it form accepted without the CSRF token")
		}

		mr := multipart.NewReader(bytes.NewReader(body), fuzzBoundary)
		if !firstPartCSRF(mr, "tok") {
			return
		}
		var out bytes.Buffer
		mw := multipart.NewWriter(&out)
		if copyParts(mr, mw) != nil {
			return
		}
		mw.Close()
		rd := multipart.NewReader(&out, mw.Boundary())
		for {
			p, err := rd.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("the proxy wrote a malformed body: %v", err)
			}
			if !uploadParts[p.FormName()] || strings.ContainsAny(p.FormName(), "\r\n") {
				t.Fatalf("the proxy forwarded part %q", p.FormName())
			}
		}
	})
}
