// Package binread provides a bounded little-endian cursor over untrusted
// bytes, modelled on archive/zip's readBuf.
//
// A [Reader] never reads outside its window and never allocates from a
// length found in the data: every read is checked against the bytes that
// remain first. The first failure is sticky: after it, every read returns
// zero values and [Reader.Err] keeps reporting that first error, so a caller
// can decode a fixed structure and check the error once.
//
// Offsets are absolute (relative to the start of the slice the reader was
// built from), so errors can name "byte N" of the original input.
package binread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// ShortError reports a read that needed more bytes than remain in the
// window. It unwraps to [io.ErrUnexpectedEOF].
type ShortError struct {
	Offset int64 // absolute offset of the failed read
	Need   int64 // bytes the read needed
	Have   int64 // bytes that remained in the window
}

// Error implements error.
func (e *ShortError) Error() string {
	return fmt.Sprintf("byte %d: need %d bytes, %d remain", e.Offset, e.Need, e.Have)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *ShortError) Unwrap() error { return io.ErrUnexpectedEOF }

// ErrNoTerminator is wrapped by the error [Reader.CString] records when no
// NUL byte occurs before the end of the window.
var ErrNoTerminator = errors.New("missing NUL terminator")

// Reader is a cursor over a window of a byte slice. The zero value is an
// empty reader.
type Reader struct {
	buf []byte // buf[:end] is readable; offsets are indexes into buf
	off int
	end int
	err error
}

// New returns a reader over all of b, positioned at offset 0.
func New(b []byte) *Reader { return &Reader{buf: b, end: len(b)} }

// NewWindow returns a reader over b[off:end] whose offsets are indexes into
// b. Out-of-range arguments produce a reader whose sticky error is already
// set.
func NewWindow(b []byte, off, end int) *Reader {
	r := new(Reader)
	r.Reset(b, off, end)
	return r
}

// Reset makes r a reader over b[off:end], as [NewWindow] does, without
// allocating a new Reader.
func (r *Reader) Reset(b []byte, off, end int) {
	*r = Reader{buf: b, off: off, end: end}
	if off < 0 || end < off || end > len(b) {
		r.off, r.end = 0, 0
		r.err = fmt.Errorf("binread: bad window [%d:%d] of %d bytes", off, end, len(b))
	}
}

// Offset returns the absolute offset of the next byte to be read.
func (r *Reader) Offset() int { return r.off }

// End returns the absolute offset just past the window.
func (r *Reader) End() int { return r.end }

// Remaining returns the number of unread bytes in the window.
func (r *Reader) Remaining() int { return r.end - r.off }

// Err returns the first error the reader met, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records err as the sticky error unless one is already recorded.
func (r *Reader) Fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

// take returns the next n bytes or nil after recording a ShortError.
func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.end-r.off {
		r.err = &ShortError{Offset: int64(r.off), Need: int64(n), Have: int64(r.end - r.off)}
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Uint8 reads one byte.
func (r *Reader) Uint8() uint8 {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// Uint32 reads a little-endian uint32.
func (r *Reader) Uint32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Int32 reads a little-endian int32.
func (r *Reader) Int32() int32 { return int32(r.Uint32()) }

// Uint64 reads a little-endian uint64.
func (r *Reader) Uint64() uint64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// Int64 reads a little-endian int64.
func (r *Reader) Int64() int64 { return int64(r.Uint64()) }

// Float64 reads a little-endian IEEE 754 double.
func (r *Reader) Float64() float64 { return math.Float64frombits(r.Uint64()) }

// Bytes returns the next n bytes as a sub-slice of the input (no copy, capacity
// clipped to n). A negative n or one larger than what remains fails.
func (r *Reader) Bytes(n int) []byte { return r.take(n) }

// Skip advances by n bytes.
func (r *Reader) Skip(n int) { r.take(n) }

// CString returns the bytes up to the next NUL (excluded) and consumes the
// NUL. If the window holds no NUL it records an error wrapping
// [ErrNoTerminator] and returns nil.
func (r *Reader) CString() []byte {
	if r.err != nil {
		return nil
	}
	i := bytes.IndexByte(r.buf[r.off:r.end], 0)
	if i < 0 {
		r.err = fmt.Errorf("byte %d: %w", r.off, ErrNoTerminator)
		return nil
	}
	b := r.buf[r.off : r.off+i : r.off+i]
	r.off += i + 1
	return b
}

// ReadSection reads n bytes at off from ra, whose total size is size, after
// checking that the section lies inside [0, size) and that n is at most max.
// It allocates only after those checks.
func ReadSection(ra io.ReaderAt, size, off, n, max int64) ([]byte, error) {
	switch {
	case size < 0 || off < 0 || n < 0:
		return nil, fmt.Errorf("binread: negative size, offset or length")
	case n > max || uint64(n) > math.MaxInt: // the second: a 32-bit int cannot hold n
		return nil, fmt.Errorf("binread: section of %d bytes exceeds the limit of %d", n, min(max, math.MaxInt))
	case off > size || n > size-off:
		return nil, &ShortError{Offset: min(off, size), Need: n, Have: size - min(off, size)}
	}
	b := make([]byte, n)
	m, err := ra.ReadAt(b, off)
	if m == len(b) {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("binread: read %d bytes at %d: %w", n, off, err)
}
