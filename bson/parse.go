package bson

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/internal/binread"
)

// Default limits. See [Limits].
const (
	MaxBytes    = 2 << 30 // 2 GiB: largest input Parse accepts
	MaxDepth    = 512     // nesting depth, the top-level document counting as 1
	MaxElements = 1 << 20 // 1,048,576 elements in the whole input (~100 MiB of tree at most)
)

// dupIndexAt is the element count from which a document keeps a key index
// instead of scanning its keys linearly.
const dupIndexAt = 16

// Limits bounds what [Parse] accepts. A zero or negative field means the
// default constant of the same name.
type Limits struct {
	MaxBytes    int64 // input size in bytes
	MaxDepth    int   // nesting depth of documents and arrays
	MaxElements int   // elements in the whole input, at every level
}

// DefaultLimits returns the documented defaults.
func DefaultLimits() Limits {
	return Limits{MaxBytes: MaxBytes, MaxDepth: MaxDepth, MaxElements: MaxElements}
}

func (l Limits) orDefault() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = MaxDepth
	}
	if l.MaxElements <= 0 {
		l.MaxElements = MaxElements
	}
	return l
}

// frame is one open document on the parser's explicit stack. Its elements
// accumulate in parser.scratch from start and are copied into an exactly
// sized slice when the document closes, so growth garbage is bounded by the
// largest open document, not the whole tree.
type frame struct {
	doc   *Document
	term  int            // absolute offset of the document's terminating NUL
	start int            // first index of the document's elements in scratch
	index map[string]int // key -> position, once the document is large
}

// parser holds the state of one Parse call.
type parser struct {
	data    []byte
	lim     Limits
	stack   []frame
	scratch scratch
	count   int
	r       binread.Reader
}

func errAt(code string, off int, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(code, "byte "+strconv.Itoa(off), rule, format, args...)
}

// Parse parses data as exactly one BSON document under the rules in the
// package documentation. The returned tree references data (binary
// payloads are sub-slices): data must not be modified while the tree is in
// use. Every error is a *modelgate.Error whose Where is "byte N".
func Parse(data []byte, lim Limits) (*Document, error) {
	lim = lim.orDefault()
	if int64(len(data)) > lim.MaxBytes {
		return nil, modelgate.Errorf(modelgate.ELIMIT, "byte 0", "too-large",
			"input is %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	if len(data) < 5 {
		return nil, errAt(modelgate.EINVALID, 0, "truncated", "input is %d bytes, a document needs at least 5", len(data))
	}
	n := int64(int32(binary.LittleEndian.Uint32(data)))
	switch {
	case n < 5:
		return nil, errAt(modelgate.EINVALID, 0, "bad-length", "document declares %d bytes, at least 5 needed", n)
	case n > int64(len(data)):
		return nil, errAt(modelgate.EINVALID, 0, "truncated", "document declares %d bytes, the input has %d", n, len(data))
	case n < int64(len(data)):
		return nil, errAt(modelgate.EINVALID, int(n), "trailing-bytes", "%d bytes follow the top-level document", int64(len(data))-n)
	}
	p := &parser{data: data, lim: lim}
	root := &Document{Offset: 0, Length: int32(n)}
	p.stack = append(p.stack, frame{doc: root, term: int(n) - 1})
	if err := p.run(); err != nil {
		return nil, err
	}
	return root, nil
}

// run parses elements until the stack is empty. It never recurses.
func (p *parser) run() error {
	off := 4
	for len(p.stack) > 0 {
		top := &p.stack[len(p.stack)-1]
		if off == top.term {
			if p.data[off] != 0 {
				return errAt(modelgate.EINVALID, off, "missing-nul", "document does not end with a NUL byte where its length says")
			}
			off++
			p.close(top)
			p.stack = p.stack[:len(p.stack)-1]
			continue
		}
		next, err := p.element(top, off)
		if err != nil {
			return err
		}
		off = next
	}
	if off != len(p.data) {
		return errAt(modelgate.EINTERNAL, off, "trailing-bytes", "parser stopped before the end of the input")
	}
	return nil
}

// close moves a finished document's elements out of scratch.
func (p *parser) close(f *frame) {
	f.doc.Elements = p.scratch.popFrom(f.start)
	f.doc.index = f.index
}

// element parses one element of top starting at off (its type byte) and
// returns the offset after it. An embedded document is pushed, and the
// offset returned is that of its first element.
func (p *parser) element(top *frame, off int) (int, error) {
	p.count++
	if p.count > p.lim.MaxElements {
		return 0, errAt(modelgate.ELIMIT, off, "too-many-elements", "more than %d elements", p.lim.MaxElements)
	}
	r := &p.r
	r.Reset(p.data, off, top.term)
	kind := Kind(r.Uint8())
	if kind == 0 {
		return 0, errAt(modelgate.EINVALID, off, "length-mismatch", "document ends %d bytes before its declared length", top.term-off)
	}
	keyOff := r.Offset()
	keyb := r.CString()
	if r.Err() != nil {
		return 0, errAt(modelgate.EINVALID, keyOff, "missing-nul", "key has no NUL terminator inside its document")
	}
	key, err := p.checkKey(top, keyb, keyOff)
	if err != nil {
		return 0, err
	}
	v, child, err := p.value(r, kind)
	if err != nil {
		return 0, err
	}
	p.scratch.push(Element{Key: key, Offset: int64(off), Value: v})
	if !top.doc.IsArray {
		p.index(top)
	}
	if child != nil {
		p.stack = append(p.stack, frame{doc: child, term: int(child.Offset) + int(child.Length) - 1, start: p.scratch.n})
	}
	return r.Offset(), nil
}

// checkKey validates a key's encoding, array position and uniqueness.
func (p *parser) checkKey(f *frame, keyb []byte, off int) (string, error) {
	if f.doc.IsArray {
		want := strconv.Itoa(p.scratch.n - f.start)
		if string(keyb) != want {
			return "", errAt(modelgate.EINVALID, off, "bad-array-key", "array key %q, want %q", truncate(keyb), want)
		}
		return want, nil
	}
	if !utf8.Valid(keyb) {
		return "", errAt(modelgate.EINVALID, off, "invalid-utf8", "key is not valid UTF-8")
	}
	if f.index != nil {
		if _, dup := f.index[string(keyb)]; dup {
			return "", errAt(modelgate.EINVALID, off, "duplicate-key", "duplicate key %q", truncate(keyb))
		}
	} else {
		for i := f.start; i < p.scratch.n; i++ {
			if p.scratch.at(i).Key == string(keyb) {
				return "", errAt(modelgate.EINVALID, off, "duplicate-key", "duplicate key %q", truncate(keyb))
			}
		}
	}
	return string(keyb), nil
}

// index maintains the key index of a large document after an append.
func (p *parser) index(f *frame) {
	n := p.scratch.n - f.start
	switch {
	case n < dupIndexAt:
	case f.index == nil:
		f.index = make(map[string]int, 2*n)
		for i := range n {
			f.index[p.scratch.at(f.start+i).Key] = i
		}
	default:
		f.index[p.scratch.at(p.scratch.n-1).Key] = n - 1
	}
}

// truncate shortens a key for an error message.
func truncate(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}

// need checks that n more bytes fit in r's window, classifying a miss as a
// truncated input or a length that disagrees with the enclosing document.
func (p *parser) need(r *binread.Reader, n int64, what string) error {
	if n <= int64(r.Remaining()) {
		return nil
	}
	off := r.Offset()
	if int64(off)+n > int64(len(p.data)) {
		return errAt(modelgate.EINVALID, off, "truncated", "%s needs %d bytes, the input ends after %d", what, n, len(p.data)-off)
	}
	return errAt(modelgate.EINVALID, off, "length-mismatch", "%s needs %d bytes, its document ends after %d", what, n, r.Remaining())
}

// value parses the payload of an element of the given kind.
// value parses the payload of an element of the given kind. For a
// document or array it returns the new, still empty, child to open.
func (p *parser) value(r *binread.Reader, kind Kind) (Value, *Document, error) {
	v := Value{Kind: kind, Offset: int64(r.Offset())}
	var err error
	switch kind {
	case KindDouble, KindInt64:
		if err = p.need(r, 8, kind.String()); err == nil {
			v.bits = r.Uint64()
		}
	case KindInt32:
		if err = p.need(r, 4, kind.String()); err == nil {
			v.bits = uint64(int64(r.Int32()))
		}
	case KindBool:
		if err = p.need(r, 1, kind.String()); err == nil {
			b := r.Uint8()
			if b > 1 {
				err = errAt(modelgate.EINVALID, int(v.Offset), "invalid-bool", "bool byte is 0x%02x, want 0x00 or 0x01", b)
			}
			v.bits = uint64(b)
		}
	case KindNull:
	case KindString:
		v, err = p.str(r, v)
	case KindBinary:
		v, err = p.binary(r, v)
	case KindDocument, KindArray:
		v, err = p.open(r, v)
		return v, v.doc, err
	default:
		err = errAt(modelgate.EUNSUPPORTED, int(v.Offset)-1, "unsupported-element-type",
			"element type 0x%02x is not one BSON.jl writes", byte(kind))
	}
	return v, nil, err
}

// str parses a string payload: int32 length (NUL included), bytes, NUL.
func (p *parser) str(r *binread.Reader, v Value) (Value, error) {
	if err := p.need(r, 4, "string length"); err != nil {
		return v, err
	}
	n := int64(r.Int32())
	if n < 1 {
		return v, errAt(modelgate.EINVALID, int(v.Offset), "bad-length", "string declares %d bytes, at least 1 needed", n)
	}
	if err := p.need(r, n, "string"); err != nil {
		return v, err
	}
	b := r.Bytes(int(n))
	if b[n-1] != 0 {
		return v, errAt(modelgate.EINVALID, int(v.Offset)+3+int(n), "missing-nul", "string does not end with a NUL byte")
	}
	b = b[:n-1]
	if !utf8.Valid(b) {
		return v, errAt(modelgate.EINVALID, int(v.Offset)+4, "invalid-utf8", "string is not valid UTF-8")
	}
	v.raw = b
	return v, nil
}

// binary parses a binary payload: int32 length, subtype 0x00, bytes.
func (p *parser) binary(r *binread.Reader, v Value) (Value, error) {
	if err := p.need(r, 5, "binary header"); err != nil {
		return v, err
	}
	n := int64(r.Int32())
	if n < 0 {
		return v, errAt(modelgate.EINVALID, int(v.Offset), "bad-length", "binary declares %d bytes", n)
	}
	if sub := r.Uint8(); sub != 0 {
		return v, errAt(modelgate.EUNSUPPORTED, int(v.Offset)+4, "binary-subtype", "binary subtype 0x%02x, only 0x00 is accepted", sub)
	}
	if err := p.need(r, n, "binary"); err != nil {
		return v, err
	}
	v.raw = r.Bytes(int(n))
	return v, nil
}

// open checks an embedded document's header and creates its Document;
// the caller pushes a frame for it.
func (p *parser) open(r *binread.Reader, v Value) (Value, error) {
	if len(p.stack) >= p.lim.MaxDepth {
		return v, errAt(modelgate.ELIMIT, int(v.Offset), "depth", "nesting deeper than %d", p.lim.MaxDepth)
	}
	if err := p.need(r, 5, "document"); err != nil {
		return v, err
	}
	n := int64(r.Int32())
	if n < 5 {
		return v, errAt(modelgate.EINVALID, int(v.Offset), "bad-length", "document declares %d bytes, at least 5 needed", n)
	}
	if err := p.need(r, n-4, "document"); err != nil {
		return v, err
	}
	v.doc = &Document{Offset: v.Offset, Length: int32(n), IsArray: v.Kind == KindArray}
	return v, nil // the run loop parses the content from v.Offset+4
}
