package npy

import (
	"encoding/binary"
	"io"
	"math"

	"github.com/modelgate/modelgate"
)

// chunkBytes is the size of the staging buffer Reader uses for conversion.
const chunkBytes = 64 << 10

// Reader streams the data of a .npy file as float32, in C order. Errors are
// sticky: after the first error every call returns it.
type Reader struct {
	h    Header
	r    io.Reader
	left int64 // elements not yet read
	off  int64 // file offset of the next data byte
	buf  []byte
	err  error
}

// NewReader reads the header from r and returns a Reader positioned at the
// first element. maxDataBytes bounds the declared data size (see
// [ReadHeader]).
func NewReader(r io.Reader, maxDataBytes int64) (*Reader, error) {
	h, err := ReadHeader(r, maxDataBytes)
	if err != nil {
		return nil, err
	}
	return &Reader{h: *h, r: r, left: h.Elements(), off: h.DataOffset}, nil
}

// Header returns the parsed header.
func (r *Reader) Header() Header { return r.h }

// Remaining returns the number of elements not yet read.
func (r *Reader) Remaining() int64 { return r.left }

// Read fills dst with the next min(len(dst), Remaining()) elements converted
// to float32 (float64 values are rounded as by a Go conversion). It returns
// the count, and io.EOF once every element has been read. A file that ends
// early gives an error wrapping io.ErrUnexpectedEOF.
func (r *Reader) Read(dst []float32) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.left == 0 {
		return 0, io.EOF
	}
	size := int64(r.h.ItemSize())
	want := min(int64(len(dst)), r.left)
	if r.buf == nil {
		r.buf = make([]byte, chunkBytes)
	}
	done := int64(0)
	for done < want {
		n := min(want-done, int64(len(r.buf))/size)
		b := r.buf[:n*size]
		if err := readFull(r.r, b, r.off); err != nil {
			r.err = err
			return int(done), err
		}
		decode(dst[done:done+n], b, r.h.Descr)
		done += n
		r.off += n * size
	}
	r.left -= want
	return int(want), nil
}

// decode converts little-endian items of descr in b into dst.
func decode(dst []float32, b []byte, descr string) {
	if descr == Float64 {
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
		return
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// Close checks that every element was read and that no byte follows the
// data. It does not close the underlying reader.
func (r *Reader) Close() error {
	if r.err != nil {
		return r.err
	}
	if r.left != 0 {
		return modelgate.Errorf(modelgate.EINVALID, byteWhere(r.off), "npy-unread", "%d elements were not read", r.left)
	}
	var one [1]byte
	n, err := io.ReadFull(r.r, one[:])
	if n > 0 {
		r.err = errInvalid(r.off, "trailing-bytes", "data continues after the %s array", shapeString(r.h.Shape))
		return r.err
	}
	if err != nil && err != io.EOF {
		return err
	}
	return nil
}

// Read reads a whole .npy file from r into memory, refusing one whose data
// exceeds maxDataBytes, and checks that nothing follows the data.
func Read(r io.Reader, maxDataBytes int64) (shape []int, data []float32, err error) {
	nr, err := NewReader(r, maxDataBytes)
	if err != nil {
		return nil, nil, err
	}
	// Grow the slice as data arrives instead of trusting the declared size.
	n := nr.Remaining()
	data = make([]float32, 0, min(n, chunkBytes/4))
	chunk := make([]float32, chunkBytes/4)
	for {
		k, err := nr.Read(chunk)
		data = append(data, chunk[:k]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if err := nr.Close(); err != nil {
		return nil, nil, err
	}
	return nr.h.Shape, data, nil
}
