// Package npy reads and writes NumPy .npy files holding float32 or float64
// arrays in C order, strictly and with bounded memory.
//
// # Rules
//
// A file is accepted only if all of the following hold:
//
//   - it starts with the magic "\x93NUMPY" and version 1.0, 2.0 or 3.0;
//   - the header length (u16 for 1.0, u32 otherwise) is at most [MaxHeaderBytes]
//     and the header is ASCII, ends with "\n" and is a Python dict literal with
//     exactly the keys 'descr', 'fortran_order' and 'shape', each once, in any
//     order, with single- or double-quoted keys;
//   - descr is '<f4' or '<f8' (little-endian float32/float64); any other
//     dtype, and fortran_order True, are refused as unsupported;
//   - shape is a tuple of at most [MaxRank] plain decimal integers, each at
//     most [MaxDim]; the element count times the item size is computed with
//     overflow checks and must not exceed the caller's byte budget;
//   - the data holds exactly that many bytes: a short file is
//     [io.ErrUnexpectedEOF] and trailing bytes are refused ([Reader.Close]).
//
// Nothing is allocated from a size the file declares: [Reader] converts data
// chunk by chunk into the caller's buffer.
package npy

import (
	"errors"
	"io"
	"math"
	"math/bits"

	"github.com/modelgate/modelgate"
)

// Limits of the format reader.
const (
	MaxHeaderBytes = 64 << 10 // 64 KiB of header dict (NumPy itself stops at 10,000 bytes by default)
	MaxRank        = modelgate.MaxRank
	MaxDim         = modelgate.MaxDim
)

// Magic is the first six bytes of every .npy file.
const Magic = "\x93NUMPY"

// Supported descr values.
const (
	Float32 = "<f4" // little-endian IEEE 754 binary32
	Float64 = "<f8" // little-endian IEEE 754 binary64
)

// Header is the parsed header of a .npy file.
type Header struct {
	Major, Minor int    // format version
	Descr        string // Float32 or Float64
	Shape        []int  // C-order shape; empty for a scalar
	DataOffset   int64  // bytes before the first data byte
}

// ItemSize returns the bytes per element.
func (h *Header) ItemSize() int {
	if h.Descr == Float64 {
		return 8
	}
	return 4
}

// Elements returns the element count (checked when the header was parsed).
func (h *Header) Elements() int64 {
	n, _ := elements(h.Shape)
	return n
}

// DataBytes returns the size of the data section.
func (h *Header) DataBytes() int64 { return h.Elements() * int64(h.ItemSize()) }

// elements multiplies dims with overflow checks.
func elements(shape []int) (int64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		n = lo
	}
	return int64(n), true
}

// Is reports whether b starts with the .npy magic.
func Is(b []byte) bool {
	return len(b) >= len(Magic) && string(b[:len(Magic)]) == Magic
}

func errInvalid(off int64, rule, format string, args ...any) error {
	return modelgate.Errorf(modelgate.EINVALID, byteWhere(off), rule, format, args...)
}

func errUnsupported(off int64, rule, format string, args ...any) error {
	return modelgate.Errorf(modelgate.EUNSUPPORTED, byteWhere(off), rule, format, args...)
}

func byteWhere(off int64) string {
	return "byte " + itoa(off)
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	var b [24]byte
	i := len(b)
	for v != 0 {
		d := v % 10
		if d < 0 {
			d = -d
		}
		i--
		b[i] = byte('0' + d)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// readFull is io.ReadFull that turns a short read into io.ErrUnexpectedEOF
// wrapped in a typed error at offset off.
func readFull(r io.Reader, buf []byte, off int64) error {
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &modelgate.Error{Code: modelgate.EINVALID, Where: byteWhere(off), Rule: "truncated",
				Message: "file ends early", Err: io.ErrUnexpectedEOF}
		}
		return err
	}
	return nil
}
