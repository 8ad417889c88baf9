package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/modelgate/modelgate"
)

// Limits of this package, on top of [modelgate.Limits].
const (
	// MaxHeaderBytes is the reference loader's cap on the JSON header, in
	// bytes (100 MB, a little less than [modelgate.MaxHeaderBytes], which is
	// 100 MiB). The smaller of this and Limits.HeaderBytes applies, so that we
	// never accept a file the reference refuses.
	MaxHeaderBytes = 100_000_000
	// MaxMetadataEntries is the number of __metadata__ entries accepted.
	MaxMetadataEntries = 4096
	// prefixBytes is the size of the little-endian u64 header length.
	prefixBytes = 8
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name  string  // the tensor's name, unique in the file
	DType string  // a dtype name, such as "F32"
	Shape []int64 // dimensions, row-major; empty for a scalar
	Begin int64   // offset of the first byte, relative to the data buffer
	End   int64   // offset past the last byte, relative to the data buffer
}

// NumElements returns the number of elements of t (1 for a scalar). The
// product was checked for overflow when the header was read.
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// clone returns a copy of t that shares no memory with it.
func (t TensorInfo) clone() TensorInfo {
	t.Shape = append([]int64(nil), t.Shape...)
	return t
}

// Header is the validated header of a safetensors file.
type Header struct {
	// HeaderLen is N, the length in bytes of the JSON header including its
	// trailing space padding. The data buffer starts at byte 8+N.
	HeaderLen int64
	// DataLen is the length in bytes of the data buffer, which ends exactly
	// at the end of the file.
	DataLen int64
	// Tensors lists the tensors in file order, that is by increasing
	// offsets; their byte ranges tile [0, DataLen) exactly.
	Tensors []TensorInfo
	// Metadata holds the __metadata__ object; nil when the file has none.
	Metadata map[string]string
}

// DataOffset returns the file offset of the data buffer, 8+N.
func (h *Header) DataOffset() int64 { return prefixBytes + h.HeaderLen }

// Inspect reads and validates the header of the safetensors file held by r,
// which is size bytes long. It checks every rule listed in the package
// documentation, including that the tensors tile the data buffer up to the
// end of the file, but reads no tensor data.
func Inspect(r io.ReaderAt, size int64, lim modelgate.Limits) (*Header, error) {
	lim = lim.OrDefault()
	n, err := readPrefix(r, size, lim)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, n) // n <= min(size-8, header budget): checked by readPrefix
	if _, err := r.ReadAt(buf, prefixBytes); err != nil {
		return nil, readError(err, prefixBytes)
	}
	h, err := parseHeader(buf, lim)
	if err != nil {
		return nil, err
	}
	h.HeaderLen = n
	h.DataLen = size - prefixBytes - n
	if err := validateLayout(h); err != nil {
		return nil, err
	}
	return h, nil
}

// readPrefix checks size and returns the header length N read from the
// first 8 bytes, after checking it against the budget and the file size.
func readPrefix(r io.ReaderAt, size int64, lim modelgate.Limits) (int64, error) {
	switch {
	case size < 0:
		return 0, invalid("", "negative-size", "negative file size %d", size)
	case size > lim.WeightsBytes:
		return 0, overLimit("", "file-too-large", "file of %d bytes exceeds the %d-byte budget", size, lim.WeightsBytes)
	case size < prefixBytes:
		return 0, invalid(atByte(size), "truncated", "file of %d bytes is shorter than the 8-byte header length", size)
	}
	var p [prefixBytes]byte
	if _, err := r.ReadAt(p[:], 0); err != nil {
		return 0, readError(err, 0)
	}
	n := binary.LittleEndian.Uint64(p[:])
	budget := uint64(min(lim.HeaderBytes, MaxHeaderBytes))
	switch {
	case n > budget:
		return 0, overLimit(atByte(0), "header-too-large", "header length %d exceeds the %d-byte budget", n, budget)
	case n > uint64(size-prefixBytes):
		return 0, invalid(atByte(0), "truncated", "header length %d runs past the end of the %d-byte file", n, size)
	case n < 2:
		return 0, invalid(atByte(0), "header-not-object", "header length %d cannot hold a JSON object", n)
	}
	return int64(n), nil
}

// readError types an error of ReadAt at file offset off.
func readError(err error, off int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &modelgate.Error{Code: modelgate.EINVALID, Where: atByte(off), Rule: "truncated",
			Message: "file is shorter than its declared size", Err: io.ErrUnexpectedEOF}
	}
	return &modelgate.Error{Code: modelgate.EINTERNAL, Where: atByte(off), Rule: "read",
		Message: "reading the file", Err: err}
}

// parser walks the JSON header token by token, so that the file never
// controls the nesting depth: anything but the expected kind is refused
// before it is descended into.
type parser struct {
	dec *jsontext.Decoder
	lim modelgate.Limits
}

// parseHeader parses the header bytes buf (N bytes, padding included).
func parseHeader(buf []byte, lim modelgate.Limits) (*Header, error) {
	if buf[0] != '{' {
		return nil, invalid(atByte(prefixBytes), "header-not-object", "header does not start with '{'")
	}
	if !utf8.Valid(buf) {
		return nil, invalid(atByte(prefixBytes+int64(firstInvalidUTF8(buf))), "invalid-utf8", "header is not valid UTF-8")
	}
	p := &parser{dec: jsontext.NewDecoder(bytes.NewBuffer(buf)), lim: lim}
	h, err := p.object()
	if err != nil {
		return nil, err
	}
	end := p.dec.InputOffset()
	for i, c := range buf[end:] {
		if c != ' ' {
			return nil, invalid(atByte(prefixBytes+end+int64(i)), "header-trailing-data",
				"only spaces may follow the header object, found %q", c)
		}
	}
	return h, nil
}

// firstInvalidUTF8 returns the index of the first byte of b that is not part
// of a valid UTF-8 sequence.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// where returns the file offset of the decoder as a location.
func (p *parser) where() string { return atByte(prefixBytes + p.dec.InputOffset()) }

// expect reads the next token and checks that it has kind want; what names
// the value for the error message and rule is the rule to report.
func (p *parser) expect(want jsontext.Kind, rule, what string) (jsontext.Token, error) {
	if _, err := p.expectKind(want, rule, what); err != nil {
		return jsontext.Token{}, err
	}
	tok, err := p.dec.ReadToken()
	if err != nil {
		return jsontext.Token{}, jsonError(err, prefixBytes)
	}
	return tok, nil
}

// expectKind checks that the next token has kind want without reading it.
func (p *parser) expectKind(want jsontext.Kind, rule, what string) (jsontext.Kind, error) {
	k, err := p.peek()
	if err != nil {
		return 0, err
	}
	if k != want {
		return 0, invalid(p.where(), rule, "%s must be %s, not %s", what, kindName(want), kindName(k))
	}
	return k, nil
}

// peek returns the kind of the next token.
func (p *parser) peek() (jsontext.Kind, error) {
	if k := p.dec.PeekKind(); k != 0 {
		return k, nil
	}
	_, err := p.dec.ReadToken()
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return 0, jsonError(err, prefixBytes)
}

// kindName describes a JSON token kind.
func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '}', ']':
		return "the end of a container"
	}
	return fmt.Sprintf("token %q", rune(k))
}

// object parses the top-level object: tensor entries and __metadata__.
func (p *parser) object() (*Header, error) {
	if _, err := p.expect('{', "header-not-object", "the header"); err != nil {
		return nil, err
	}
	h := &Header{}
	err := p.members(func(name string) error {
		var err error
		if name == "__metadata__" {
			h.Metadata, err = p.metadata()
			return err
		}
		if len(h.Tensors) >= p.lim.Tensors {
			return overLimit(p.where(), "too-many-tensors", "more than %d tensors", p.lim.Tensors)
		}
		t, err := p.tensor(name)
		if err != nil {
			return err
		}
		h.Tensors = append(h.Tensors, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// members reads the member names of an object whose '{' was just read,
// calling fn after each name to consume its value, up to and including the
// closing '}'.
func (p *parser) members(fn func(name string) error) error {
	for {
		k, err := p.peek()
		if err != nil {
			return err
		}
		if k == '}' {
			_, err := p.dec.ReadToken()
			return jsonErrorOrNil(err)
		}
		tok, err := p.expect('"', "header-json", "a member name")
		if err != nil {
			return err
		}
		if err := fn(tok.String()); err != nil {
			return err
		}
	}
}

// jsonErrorOrNil is jsonError for a possibly nil error.
func jsonErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return jsonError(err, prefixBytes)
}

// metadata parses the __metadata__ object, whose values must be strings.
func (p *parser) metadata() (map[string]string, error) {
	if _, err := p.expect('{', "metadata-not-object", "__metadata__"); err != nil {
		return nil, err
	}
	m := map[string]string{}
	err := p.members(func(name string) error {
		if len(m) >= MaxMetadataEntries {
			return overLimit(p.where(), "too-many-metadata", "more than %d __metadata__ entries", MaxMetadataEntries)
		}
		val, err := p.expect('"', "metadata-not-string", "__metadata__ value "+strconv.Quote(name))
		if err != nil {
			return err
		}
		m[name] = val.String()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// uint reads a JSON number that must be written as a plain non-negative
// integer (digits only, as the reference's usize requires) below max.
func (p *parser) uint(what, tensor string, max uint64) (uint64, error) {
	k, err := p.peek()
	if err != nil {
		return 0, err
	}
	if k != '0' {
		return 0, invalid(whereName(tensor), "not-integer", "%s must be a number, not %s (%s)", what, kindName(k), p.where())
	}
	v, err := p.dec.ReadValue()
	if err != nil {
		return 0, jsonError(err, prefixBytes)
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, invalid(whereName(tensor), "not-integer", "%s %s is not a non-negative integer (%s)", what, v, p.where())
		}
		hi, lo := bits.Mul64(n, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 || lo > max {
			return 0, overLimit(whereName(tensor), "number-too-large", "%s %s exceeds %d (%s)", what, v, max, p.where())
		}
		n = lo
	}
	return n, nil
}

// rawString reads a JSON string value (the next token has been checked
// to be one) and returns its contents between the quotes, escapes
// unresolved; plain is true when it holds no escape. The slice is valid
// until the next call on the decoder.
func (p *parser) rawString() (contents []byte, plain bool, err error) {
	v, err := p.dec.ReadValue()
	if err != nil {
		return nil, false, jsonError(err, prefixBytes)
	}
	return v[1 : len(v)-1], bytes.IndexByte(v, '\\') < 0, nil
}

// unescape resolves the escapes of the contents of a valid JSON string.
func unescape(contents []byte) string {
	u, err := jsontext.AppendUnquote(nil, append(append([]byte{'"'}, contents...), '"'))
	if err != nil { // unreachable: the decoder validated the string
		return string(contents)
	}
	return string(u)
}

// RequireFloat returns nil when every tensor has a dtype that
// [File.ReadFloat32] supports (F32, F16, BF16, F64), and otherwise a
// [modelgate.Problems] with one EUNSUPPORTED "dtype-unsupported" error per
// other tensor, so that a caller can refuse such a file up front.
func (h *Header) RequireFloat() error {
	var p modelgate.Problems
	for _, t := range h.Tensors {
		if !SupportedDType(t.DType) {
			p = append(p, unsupported(whereName(t.Name), "dtype-unsupported",
				"dtype %s cannot be read as float32 (supported: F32, F16, BF16, F64)", t.DType))
		}
	}
	return p.Err()
}
