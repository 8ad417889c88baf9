package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// EncodeHeader returns the magic, version 1.0 and header dict for an array
// of descr and shape, padded with spaces so its length is a multiple of 64
// and at least minLen. Two headers for different shapes can be made the same
// length (to rewrite a header in place) by passing the longer length as
// minLen.
func EncodeHeader(descr string, shape []int, minLen int) ([]byte, error) {
	if descr != Float32 && descr != Float64 {
		return nil, fmt.Errorf("npy: descr %q is not supported", descr)
	}
	if len(shape) > MaxRank {
		return nil, fmt.Errorf("npy: rank %d exceeds %d", len(shape), MaxRank)
	}
	for _, d := range shape {
		if d < 0 || d > MaxDim {
			return nil, fmt.Errorf("npy: dimension %d out of range", d)
		}
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeString(shape))
	total := 10 + len(dict) + 1
	padded := (total + 63) / 64 * 64
	if minLen > padded {
		padded = (minLen + 63) / 64 * 64
	}
	if padded-10 > math.MaxUint16 {
		return nil, errors.New("npy: header too long")
	}
	b := make([]byte, 0, padded)
	b = append(b, Magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(padded-10))
	b = append(b, dict...)
	for len(b) < padded-1 {
		b = append(b, ' ')
	}
	return append(b, '\n'), nil
}

// Writer streams float32 data as a '<f4' .npy file.
type Writer struct {
	w    io.Writer
	left int64
	buf  []byte
}

// NewWriter writes a '<f4' header for shape and returns a Writer expecting
// exactly prod(shape) elements.
func NewWriter(w io.Writer, shape []int) (*Writer, error) {
	n, ok := elements(shape)
	if !ok {
		return nil, errors.New("npy: shape overflows")
	}
	h, err := EncodeHeader(Float32, shape, 0)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(h); err != nil {
		return nil, err
	}
	return &Writer{w: w, left: n}, nil
}

// NewDataWriter returns a Writer for n elements whose header the caller
// writes itself (see [EncodeHeader]); n < 0 means "not known yet".
func NewDataWriter(w io.Writer, n int64) *Writer {
	return &Writer{w: w, left: n}
}

// Write appends data as little-endian float32.
func (w *Writer) Write(data []float32) error {
	if w.left >= 0 && int64(len(data)) > w.left {
		return errors.New("npy: more elements than the shape holds")
	}
	for len(data) > 0 {
		n := min(len(data), chunkBytes/4)
		if cap(w.buf) < 4*n {
			w.buf = make([]byte, 4*n)
		}
		b := w.buf[:4*n]
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		if _, err := w.w.Write(b); err != nil {
			return err
		}
		data = data[n:]
		if w.left >= 0 {
			w.left -= int64(n)
		}
	}
	return nil
}

// Close checks that the declared number of elements was written. It does
// not close the underlying writer.
func (w *Writer) Close() error {
	if w.left > 0 {
		return fmt.Errorf("npy: %d elements missing", w.left)
	}
	return nil
}

// Write writes a whole float32 array as a .npy file.
func Write(w io.Writer, shape []int, data []float32) error {
	n, ok := elements(shape)
	if !ok || n != int64(len(data)) {
		return fmt.Errorf("npy: shape %v does not hold %d elements", shape, len(data))
	}
	nw, err := NewWriter(w, shape)
	if err != nil {
		return err
	}
	if err := nw.Write(data); err != nil {
		return err
	}
	return nw.Close()
}
