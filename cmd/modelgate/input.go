package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/internal/npy"
)

// source yields the samples of a prediction input in order.
type source interface {
	// next fills dst with up to len(dst)/sampleLen whole samples and returns
	// how many; it returns io.EOF (with 0) after the last sample.
	next(dst []float32) (int, error)
	// total returns the number of samples, or -1 if not known in advance.
	total() int
	// finish checks that nothing follows the last sample.
	finish() error
}

// openSource detects the input format by its first bytes (the .npy magic,
// otherwise JSON) and returns a source of samples of shape in.
// maxBytes bounds the data a .npy header may declare (0: no bound; the data
// streams, so a large file needs no memory).
func openSource(r io.Reader, in []int, maxBytes int64) (source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(npy.Magic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if npy.Is(head) {
		return newNPYSource(br, in, maxBytes)
	}
	return newJSONSource(br, in), nil
}

// sampleLen returns the elements of one sample.
func sampleLen(in []int) int {
	n := 1
	for _, d := range in {
		n *= d
	}
	return n
}

// npySource streams samples from a .npy array of shape [N, in...].
type npySource struct {
	r   *npy.Reader
	n   int
	per int
}

func newNPYSource(r io.Reader, in []int, maxBytes int64) (*npySource, error) {
	nr, err := npy.NewReader(r, maxBytes)
	if err != nil {
		return nil, inInput(err)
	}
	h := nr.Header()
	if len(h.Shape) != len(in)+1 || !slices.Equal(h.Shape[1:], in) {
		return nil, modelgate.Errorf(modelgate.EINVALID, "input", "input-shape",
			".npy array has shape %v; the model needs [N %v] (batch first, C order)", h.Shape, in)
	}
	return &npySource{r: nr, n: h.Shape[0], per: sampleLen(in)}, nil
}

func (s *npySource) total() int { return s.n }

func (s *npySource) next(dst []float32) (int, error) {
	k := len(dst) / s.per * s.per
	if k == 0 {
		return 0, fmt.Errorf("input buffer of %d values is smaller than one sample (%d)", len(dst), s.per)
	}
	n, err := s.r.Read(dst[:k])
	if err != nil {
		return 0, inInput(err)
	}
	first := (s.n*s.per - int(s.r.Remaining()) - n) / s.per
	if i := firstNonFinite(dst[:n]); i >= 0 {
		return 0, modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("input sample %d", first+i/s.per),
			"non-finite-input", "value %v is not a finite float32", dst[i])
	}
	return n / s.per, nil
}

func (s *npySource) finish() error { return inInput(s.r.Close()) }

// inInput makes the location of a .npy error say it is in the input:
// "byte 10" becomes "input byte 10".
func inInput(err error) error {
	var e *modelgate.Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Where = strings.TrimSpace("input " + e.Where)
	return &c
}

// firstNonFinite returns the index of the first NaN or ±Inf, or -1.
func firstNonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}

// maxTokenBytes bounds the bytes the JSON decoder may buffer for one token
// (including the whitespace before it).
const maxTokenBytes = 1 << 20

// jsonSource streams samples from a JSON nested array, or an object
// {"inputs": [...]}, decoded strictly (jsontext: valid UTF-8, no duplicate
// names, no trailing data) one token at a time.
type jsonSource struct {
	dec     *jsontext.Decoder
	guard   *tokenGuard
	in      []int
	per     int
	started bool
	object  bool
	done    bool
	count   []int // elements seen at each nesting level of the current sample
}

func newJSONSource(r io.Reader, in []int) *jsonSource {
	g := &tokenGuard{r: r}
	return &jsonSource{dec: jsontext.NewDecoder(g), guard: g, in: in, per: sampleLen(in), count: make([]int, len(in))}
}

func (s *jsonSource) total() int { return -1 }

// tokenGuard fails a read when the decoder has buffered more than
// maxTokenBytes past the end of the last token, so one huge number or a sea
// of whitespace cannot grow the decoder's buffer without bound.
type tokenGuard struct {
	r    io.Reader
	read int64 // bytes handed to the decoder
	mark int64 // input offset after the last token
}

func (g *tokenGuard) Read(p []byte) (int, error) {
	if g.read-g.mark > maxTokenBytes {
		return 0, modelgate.Errorf(modelgate.ELIMIT, fmt.Sprintf("input byte %d", g.mark), "input-token-too-long",
			"a JSON token is longer than %d bytes", maxTokenBytes)
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// token reads the next token and moves the guard's mark.
func (s *jsonSource) token() (jsontext.Token, error) {
	t, err := s.dec.ReadToken()
	s.guard.mark = s.dec.InputOffset()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return t, s.wrap(err)
	}
	return t, nil
}

// wrap turns a decoder error into a typed input error.
func (s *jsonSource) wrap(err error) error {
	var e *modelgate.Error
	if errors.As(err, &e) {
		return err
	}
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &modelgate.Error{Code: modelgate.EINVALID, Where: "input", Rule: "truncated",
			Message: "JSON input ends early", Err: io.ErrUnexpectedEOF}
	case errors.As(err, &se):
		return &modelgate.Error{Code: modelgate.EINVALID, Where: inputWhere(se.JSONPointer), Rule: "input-json",
			Message: fmt.Sprintf("byte %d: invalid JSON", se.ByteOffset), Err: se.Err}
	}
	return err
}

func inputWhere(p jsontext.Pointer) string {
	if p == "" {
		return "input"
	}
	return "input " + string(p)
}

func (s *jsonSource) errAt(rule, format string, args ...any) error {
	return modelgate.Errorf(modelgate.EINVALID, inputWhere(s.dec.StackPointer()), rule, format, args...)
}

// start reads up to the opening bracket of the sample array.
func (s *jsonSource) start() error {
	s.started = true
	t, err := s.token()
	if err != nil {
		return err
	}
	switch t.Kind() {
	case '[':
		return nil
	case '{':
		s.object = true
		name, err := s.token()
		if err != nil {
			return err
		}
		if name.Kind() != '"' || name.String() != "inputs" {
			return s.errAt("input-json", `the input object must have exactly one member, "inputs"`)
		}
		t, err := s.token()
		if err != nil {
			return err
		}
		if t.Kind() == '[' {
			return nil
		}
	}
	return s.errAt("input-json", `input must be a JSON array of samples, or {"inputs": [...]}`)
}

func (s *jsonSource) next(dst []float32) (int, error) {
	if len(dst) < s.per {
		return 0, fmt.Errorf("input buffer of %d values is smaller than one sample (%d)", len(dst), s.per)
	}
	if !s.started {
		if err := s.start(); err != nil {
			return 0, err
		}
	}
	n := 0
	for !s.done && (n+1)*s.per <= len(dst) {
		if s.dec.PeekKind() == ']' {
			if err := s.end(); err != nil {
				return n, err
			}
			break
		}
		if err := s.sample(dst[n*s.per : (n+1)*s.per]); err != nil {
			return n, err
		}
		n++
	}
	if n == 0 && s.done {
		return 0, io.EOF
	}
	return n, nil
}

// end reads the closing bracket (and brace) of the input.
func (s *jsonSource) end() error {
	s.done = true
	if _, err := s.token(); err != nil {
		return err
	}
	if s.object {
		t, err := s.token()
		if err != nil {
			return err
		}
		if t.Kind() != '}' {
			return s.errAt("input-json", `the input object must have exactly one member, "inputs"`)
		}
	}
	return nil
}

// sample reads one sample of shape s.in into dst.
func (s *jsonSource) sample(dst []float32) error {
	rank := len(s.in)
	pos, depth := 0, 0
	for {
		t, err := s.token()
		if err != nil {
			return err
		}
		switch k := t.Kind(); {
		case k == '[' && depth < rank:
			if depth > 0 && s.count[depth-1] >= s.in[depth-1] {
				return s.errAt("input-shape", "too many elements: the model's input is %v per sample", s.in)
			}
			if depth > 0 {
				s.count[depth-1]++
			}
			s.count[depth] = 0
			depth++
		case k == ']':
			if s.count[depth-1] != s.in[depth-1] {
				return s.errAt("input-shape", "%d elements where the model's input %v needs %d",
					s.count[depth-1], s.in, s.in[depth-1])
			}
			depth--
			if depth == 0 {
				return nil
			}
		case k == '0' && depth == rank:
			if s.count[depth-1] >= s.in[depth-1] {
				return s.errAt("input-shape", "too many elements: the model's input is %v per sample", s.in)
			}
			v, err := t.Float32()
			if err != nil || math.IsInf(float64(v), 0) {
				return s.errAt("input-range", "number %s is outside the float32 range", t.String())
			}
			dst[pos] = v
			pos++
			s.count[depth-1]++
		default:
			return s.errAt("input-shape", "unexpected %v: each sample must be a nested array of numbers of shape %v",
				kindName(k), s.in)
		}
	}
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "array"
	case '{':
		return "object"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "token " + k.String()
}

// finish checks that the document ended and nothing follows it.
func (s *jsonSource) finish() error {
	if !s.done {
		return s.errAt("input-json", "input not fully read")
	}
	_, err := s.dec.ReadToken()
	s.guard.mark = s.dec.InputOffset()
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return s.wrap(err)
	}
	return modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("input byte %d", s.dec.InputOffset()), "trailing-data",
		"data follows the input document")
}
