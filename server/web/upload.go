package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// uploadData is the upload page's content (after a refused upload
// without JavaScript).
type uploadData struct {
	Status   int
	Refusal  *apiError
	ScanJSON string
}

// uploadParts are the form fields forwarded to POST /v1/models (the
// last four are the legacy conversion options, checked by the API).
var uploadParts = map[string]bool{"name": true, "spec": true, "weights": true, "file": true,
	"input_shape": true, "key": true, "allow_known_lambdas": true, "swap_hw": true}

// upload forwards the upload form to POST /v1/models, streaming: the
// first part must be the CSRF token; the others are re-encoded into a new
// multipart body (empty file inputs dropped) that the API reads as it
// arrives, so the API's body limit and spooling apply unchanged. The
// script on the page sends "Accept: application/json" and gets the API's
// JSON answer as is; a plain form post gets a redirect to the new version
// or the upload page with the problems.
func (u *UI) upload(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, u.opt.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		u.renderError(w, r, usr, http.StatusBadRequest, "Bad request", "The upload must be a multipart form.")
		return
	}
	if !firstPartCSRF(mr, usr.csrf) {
		u.renderError(w, r, usr, http.StatusForbidden, "Forbidden", "The form's CSRF token is missing or wrong; reload the page and try again.")
		return
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := copyParts(mr, mw)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	res, err := u.call(r, usr.token, http.MethodPost, "/v1/models", pr, mw.FormDataContentType())
	pr.CloseWithError(errors.New("web: upload answered"))
	<-done
	if err != nil {
		u.renderAPIError(w, r, usr, nil, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(res.status)
		_, _ = w.Write(res.body)
		return
	}
	if res.status == http.StatusOK || res.status == http.StatusCreated {
		var ok struct {
			Name    string `json:"name"`
			Version int64  `json:"version"`
		}
		if json.Unmarshal(res.body, &ok) == nil {
			http.Redirect(w, r, fmt.Sprintf("/ui/models/%s/versions/%d", url.PathEscape(ok.Name), ok.Version), http.StatusSeeOther)
			return
		}
	}
	e := res.problems()
	d := uploadData{Status: res.status, Refusal: e}
	if len(e.Report) > 0 {
		d.ScanJSON = prettyJSON(e.Report)
	}
	u.render(w, r, res.status, "upload", usr, d)
}

// firstPartCSRF reads the first part and checks that it is the CSRF token.
func firstPartCSRF(mr *multipart.Reader, want string) bool {
	p, err := mr.NextPart()
	if err != nil || p.FormName() != csrfField {
		return false
	}
	b, err := io.ReadAll(io.LimitReader(p, 256))
	return err == nil && equalSecret(string(b), want)
}

// copyParts re-encodes the allowed parts of mr into mw, dropping inputs
// that were left empty (browsers send empty file inputs with no filename,
// and empty text inputs).
func copyParts(mr *multipart.Reader, mw *multipart.Writer) error {
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("web: reading upload: %w", err)
		}
		name := p.FormName()
		if !uploadParts[name] {
			return fmt.Errorf("web: unexpected form field %q", name)
		}
		br := bufio.NewReaderSize(p, 64<<10)
		if _, err := br.Peek(1); errors.Is(err, io.EOF) && (name != "name") {
			continue // an empty file input
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", p.Header.Get("Content-Disposition"))
		if ct := p.Header.Get("Content-Type"); ct != "" {
			h.Set("Content-Type", ct)
		}
		dst, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, br); err != nil {
			return fmt.Errorf("web: copying %s: %w", name, err)
		}
	}
}
