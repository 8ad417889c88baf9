package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// predictResult is a prediction shown on the model page.
type predictResult struct {
	Shape   []int
	Outputs string      // the outputs as JSON, possibly cut
	Cut     bool        // Outputs was cut for display
	Top     []classProb // for one sample of a vector output: the 5 largest
}

type classProb struct {
	Index int
	Value float64
}

// tryForm is the try-it form, read from a multipart body.
type tryForm struct {
	inputs string
	image  []byte
	invert bool
}

// predict runs the try-it form through the predict API and shows the
// model page with the result or the refusal.
func (u *UI) predict(w http.ResponseWriter, r *http.Request) {
	usr := userOf(r)
	name, ref := r.PathValue("name"), r.PathValue("version")
	d, res, err := u.loadModel(r, usr, name, ref)
	if d == nil {
		u.renderAPIError(w, r, usr, res, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, u.opt.MaxFormBytes)
	f, err := readTryForm(r, usr.csrf)
	if errors.Is(err, errCSRF) {
		u.renderError(w, r, usr, http.StatusForbidden, "Forbidden", "The form's CSRF token is missing or wrong; reload the page and try again.")
		return
	}
	d.Inputs = f.inputs
	body, msg := u.predictBody(f, d, err)
	if msg != "" {
		d.Problems = []problem{{Code: "invalid", Rule: "bad-try-input", Message: msg}}
		u.render(w, r, http.StatusUnprocessableEntity, "model", usr, d)
		return
	}
	res, err = u.call(r, usr.token, http.MethodPost, "/v1/models/"+url.PathEscape(name)+"/versions/"+url.PathEscape(ref)+"/predict",
		bytes.NewReader(body), "application/json")
	if err != nil {
		u.renderAPIError(w, r, usr, nil, err)
		return
	}
	if res.status != http.StatusOK {
		d.Refusal = res.problems()
		u.render(w, r, res.status, "model", usr, d)
		return
	}
	d.Result = resultOf(res.body)
	u.render(w, r, http.StatusOK, "model", usr, d)
}

// predictBody builds {"inputs": [...]} from the form, or returns a message
// for the user.
func (u *UI) predictBody(f *tryForm, d *modelData, readErr error) ([]byte, string) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(readErr, &mbe):
		return nil, "The form is larger than the limit of " + formatBytes(mbe.Limit) + "."
	case readErr != nil:
		return nil, "The form could not be read."
	case len(f.image) > 0:
		if d.Image == nil {
			return nil, "This model's input is not an image."
		}
		s, err := imageSample(f.image, d.Image, u.opt.MaxImagePixels, f.invert)
		if err != nil {
			return nil, err.Error()
		}
		return append(append([]byte(`{"inputs":[`), s...), "]}"...), ""
	}
	in := strings.TrimSpace(f.inputs)
	switch {
	case in == "":
		return nil, "Paste inputs as JSON (one sample, a batch, or {\"inputs\": [...]}), or choose an image."
	case in[0] == '{':
		return []byte(in), ""
	case in[0] != '[':
		return nil, "Inputs must be a JSON array or object."
	}
	if arrayDepth(in) == len(d.Spec.Input.Shape) {
		in = "[" + in + "]" // one sample: make it a batch of one
	}
	return []byte(`{"inputs":` + in + `}`), ""
}

// arrayDepth counts the leading '[' of a JSON text (whitespace skipped).
func arrayDepth(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			n++
		case ' ', '\t', '\r', '\n':
		default:
			return n
		}
	}
	return n
}

var errCSRF = errors.New("web: bad csrf token")

// readTryForm reads the try-it multipart form: the CSRF token first, then
// inputs, image and invert, each at most once.
func readTryForm(r *http.Request, csrf string) (*tryForm, error) {
	f := &tryForm{}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, errCSRF
	}
	if !firstPartCSRF(mr, csrf) {
		return f, errCSRF
	}
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return f, err
		}
		if err := readTryPart(f, p, seen); err != nil {
			return f, err
		}
	}
}

func readTryPart(f *tryForm, p *multipart.Part, seen map[string]bool) error {
	name := p.FormName()
	if seen[name] {
		return errors.New("web: repeated field " + name)
	}
	seen[name] = true
	b, err := io.ReadAll(p) // bounded by the request's MaxBytesReader
	if err != nil {
		return err
	}
	switch name {
	case "inputs":
		f.inputs = string(b)
	case "image":
		f.image = b
	case "invert":
		f.invert = len(b) > 0
	default:
		return errors.New("web: unexpected field " + name)
	}
	return nil
}

// resultOf decodes a predict answer for display.
func resultOf(body []byte) *predictResult {
	var out struct {
		Shape   []int           `json:"shape"`
		Outputs json.RawMessage `json:"outputs"`
	}
	if json.Unmarshal(body, &out) != nil {
		return &predictResult{Outputs: "(unreadable answer)"}
	}
	res := &predictResult{Shape: out.Shape, Outputs: string(out.Outputs)}
	const maxShown = 20000
	if len(res.Outputs) > maxShown {
		res.Outputs, res.Cut = res.Outputs[:maxShown], true
	}
	if len(out.Shape) == 2 && out.Shape[0] == 1 {
		var v [][]float64
		if json.Unmarshal(out.Outputs, &v) == nil && len(v) == 1 {
			res.Top = topK(v[0], 5)
		}
	}
	return res
}

// topK returns the k largest values with their indexes, largest first.
func topK(v []float64, k int) []classProb {
	ps := make([]classProb, len(v))
	for i, x := range v {
		ps[i] = classProb{i, x}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Value > ps[j].Value })
	if len(ps) > k {
		ps = ps[:k]
	}
	return ps
}

// exampleInput is a zero sample of the given shape as JSON, when it is
// small enough to paste (at most 4096 numbers).
func exampleInput(shape []int) string {
	n := 1
	for _, d := range shape {
		if d <= 0 || n > 4096/d {
			return ""
		}
		n *= d
	}
	var b strings.Builder
	var rec func(i int)
	rec = func(i int) {
		b.WriteByte('[')
		for j := 0; j < shape[i]; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			if i == len(shape)-1 {
				b.WriteByte('0')
			} else {
				rec(i + 1)
			}
		}
		b.WriteByte(']')
	}
	if len(shape) > 0 {
		rec(0)
	}
	return b.String()
}
