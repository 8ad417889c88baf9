package npy

import (
	"encoding/binary"
	"io"
	"strconv"

	"github.com/modelgate/modelgate"
)

// ReadHeader reads and checks the magic, version and header dict from r,
// leaving r at the first data byte. maxDataBytes bounds the data section the
// header may declare (<= 0 means no bound beyond overflow checks).
func ReadHeader(r io.Reader, maxDataBytes int64) (*Header, error) {
	var pre [10]byte
	if err := readFull(r, pre[:8], 0); err != nil {
		return nil, err
	}
	if string(pre[:6]) != Magic {
		return nil, errInvalid(0, "npy-magic", "not a .npy file (magic is not \\x93NUMPY)")
	}
	h := &Header{Major: int(pre[6]), Minor: int(pre[7])}
	var hlen int64
	switch {
	case h.Major == 1 && h.Minor == 0:
		if err := readFull(r, pre[8:10], 8); err != nil {
			return nil, err
		}
		hlen = int64(binary.LittleEndian.Uint16(pre[8:10]))
		h.DataOffset = 10 + hlen
	case (h.Major == 2 || h.Major == 3) && h.Minor == 0:
		var l [4]byte
		if err := readFull(r, l[:], 8); err != nil {
			return nil, err
		}
		hlen = int64(binary.LittleEndian.Uint32(l[:]))
		h.DataOffset = 12 + hlen
	default:
		return nil, errUnsupported(6, "npy-version", "format version %d.%d is not 1.0, 2.0 or 3.0", h.Major, h.Minor)
	}
	start := h.DataOffset - hlen
	if hlen > MaxHeaderBytes {
		return nil, errInvalid(start-4, "npy-header-too-large", "header of %d bytes exceeds %d", hlen, MaxHeaderBytes)
	}
	buf := make([]byte, hlen)
	if err := readFull(r, buf, start); err != nil {
		return nil, err
	}
	if err := parseDict(buf, start, h); err != nil {
		return nil, err
	}
	n, ok := elements(h.Shape)
	if !ok || n > (1<<62)/8 {
		return nil, errInvalid(start, "npy-shape-overflow", "shape %v overflows", h.Shape)
	}
	if maxDataBytes > 0 && n*int64(h.ItemSize()) > maxDataBytes {
		return nil, &modelgate.Error{Code: modelgate.ELIMIT, Where: byteWhere(start), Rule: "npy-too-large",
			Message: "array of shape " + shapeString(h.Shape) + " needs " + itoa(n*int64(h.ItemSize())) +
				" bytes, over the budget of " + itoa(maxDataBytes)}
	}
	return h, nil
}

func shapeString(s []int) string {
	b := []byte{'('}
	for i, d := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	if len(s) == 1 {
		b = append(b, ',')
	}
	return string(append(b, ')'))
}

// dictParser is a cursor over the header dict literal.
type dictParser struct {
	b    []byte
	i    int
	base int64 // file offset of b[0]
}

func (p *dictParser) err(rule, format string, args ...any) error {
	return errInvalid(p.base+int64(p.i), rule, format, args...)
}

func (p *dictParser) skipSpace() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t') {
		p.i++
	}
}

func (p *dictParser) expect(c byte) error {
	p.skipSpace()
	if p.i >= len(p.b) || p.b[p.i] != c {
		return p.err("npy-header", "expected %q in header dict", c)
	}
	p.i++
	return nil
}

func (p *dictParser) peek() byte {
	p.skipSpace()
	if p.i >= len(p.b) {
		return 0
	}
	return p.b[p.i]
}

// parseDict parses "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
// followed by spaces and exactly one final "\n".
func parseDict(b []byte, base int64, h *Header) error {
	for i, c := range b {
		if c >= 0x80 || (c < 0x20 && c != '\n' && c != '\t') {
			return errInvalid(base+int64(i), "npy-header", "header byte 0x%02x is not printable ASCII", c)
		}
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return errInvalid(base+int64(len(b)), "npy-header", "header does not end with a newline")
	}
	p := &dictParser{b: b[:len(b)-1], base: base}
	if err := p.expect('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for p.peek() != '}' {
		if err := p.member(h, seen); err != nil {
			return err
		}
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() != '}' {
			return p.err("npy-header", "expected ',' or '}' in header dict")
		}
	}
	p.i++
	p.skipSpace()
	if p.i != len(p.b) {
		return p.err("npy-header", "unexpected data after the header dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return errInvalid(base, "npy-header", "header dict has no %q", k)
		}
	}
	return nil
}

// member parses one "key: value" pair.
func (p *dictParser) member(h *Header, seen map[string]bool) error {
	at := p.i
	key, err := p.str()
	if err != nil {
		return err
	}
	if seen[key] {
		p.i = at
		return p.err("npy-duplicate-key", "duplicate key %q in header dict", key)
	}
	seen[key] = true
	if err := p.expect(':'); err != nil {
		return err
	}
	switch key {
	case "descr":
		return p.descr(h)
	case "fortran_order":
		return p.fortran()
	case "shape":
		return p.shape(h)
	}
	p.i = at
	return p.err("npy-header", "unknown key %q in header dict", key)
}

// str parses a quoted string without escapes.
func (p *dictParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.err("npy-header", "expected a quoted string")
	}
	p.i++
	start := p.i
	for p.i < len(p.b) && p.b[p.i] != q {
		if p.b[p.i] == '\\' {
			return "", p.err("npy-header", "escapes are not allowed in header strings")
		}
		p.i++
	}
	if p.i >= len(p.b) {
		return "", p.err("npy-header", "unterminated string")
	}
	s := string(p.b[start:p.i])
	p.i++
	return s, nil
}

func (p *dictParser) descr(h *Header) error {
	at := p.i
	d, err := p.str()
	if err != nil {
		return err
	}
	switch d {
	case Float32, Float64:
		h.Descr = d
		return nil
	}
	p.i = at
	return errUnsupported(p.base+int64(at), "npy-dtype", "dtype %q is not supported (want '<f4' or '<f8')", d)
}

func (p *dictParser) fortran() error {
	p.skipSpace()
	rest := p.b[p.i:]
	switch {
	case len(rest) >= 5 && string(rest[:5]) == "False":
		p.i += 5
		return nil
	case len(rest) >= 4 && string(rest[:4]) == "True":
		return p.err("npy-fortran-order", "fortran_order True is not supported (want C order)")
	}
	return p.err("npy-header", "fortran_order must be True or False")
}

// shape parses "()", "(n,)" or "(n, m, ...)" with an optional trailing comma.
func (p *dictParser) shape(h *Header) error {
	if err := p.expect('('); err != nil {
		return err
	}
	h.Shape = []int{}
	for p.peek() != ')' {
		if len(h.Shape) == MaxRank {
			return p.err("npy-rank", "shape has more than %d axes", MaxRank)
		}
		d, err := p.dim()
		if err != nil {
			return err
		}
		h.Shape = append(h.Shape, d)
		if p.peek() == ',' {
			p.i++
			continue
		}
		if p.peek() != ')' {
			return p.err("npy-header", "expected ',' or ')' in shape")
		}
	}
	if len(h.Shape) == 1 && !hasCommaBefore(p.b[:p.i]) {
		return p.err("npy-header", "a one-element shape must be written (n,)")
	}
	p.i++
	return nil
}

// hasCommaBefore reports whether the last non-space byte before ')' is ','.
func hasCommaBefore(b []byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != ' ' && b[i] != '\t' {
			return b[i] == ','
		}
	}
	return false
}

// dim parses a plain decimal integer without sign or leading zeros.
func (p *dictParser) dim() (int, error) {
	p.skipSpace()
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		if p.i-start > 10 {
			p.i = start
			return 0, p.err("npy-dim", "dimension is larger than %d", MaxDim)
		}
	}
	if p.i == start {
		return 0, p.err("npy-header", "expected a dimension")
	}
	if p.b[start] == '0' && p.i-start > 1 {
		p.i = start
		return 0, p.err("npy-header", "dimension has a leading zero")
	}
	v, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil || v > MaxDim {
		p.i = start
		return 0, p.err("npy-dim", "dimension is larger than %d", MaxDim)
	}
	return int(v), nil
}
