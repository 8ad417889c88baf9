package main

import (
	"bufio"
	"errors"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/modelgate/modelgate/internal/npy"
)

// sink receives the model's outputs in order.
type sink interface {
	// write appends n samples of the output shape held in data.
	write(data []float32, n int) error
	// close finishes the document.
	close() error
}

// jsonSink writes a JSON nested array, batch first, one sample per line.
// JSON has no NaN or infinity: such values are written as null and counted.
type jsonSink struct {
	w         *bufio.Writer
	out       []int
	per       int
	n         int
	nonFinite int
	buf       []byte
}

func newJSONSink(w io.Writer, out []int) *jsonSink {
	return &jsonSink{w: bufio.NewWriterSize(w, 64<<10), out: out, per: sampleLen(out)}
}

func (s *jsonSink) write(data []float32, n int) error {
	for i := range n {
		b := s.buf[:0]
		if s.n == 0 {
			b = append(b, "[\n"...)
		} else {
			b = append(b, ",\n"...)
		}
		b = s.appendSample(b, data[i*s.per:(i+1)*s.per])
		s.buf = b
		if _, err := s.w.Write(b); err != nil {
			return err
		}
		s.n++
	}
	return nil
}

// appendSample appends one sample as a nested array of shape s.out.
func (s *jsonSink) appendSample(b []byte, v []float32) []byte {
	rank := len(s.out)
	if rank == 0 || rank > 16 {
		return s.appendNum(b, v[0])
	}
	var idx [16]int
	for range rank {
		b = append(b, '[')
	}
	for _, x := range v {
		b = s.appendNum(b, x)
		k := rank - 1
		for ; k >= 0; k-- {
			idx[k]++
			if idx[k] < s.out[k] {
				break
			}
			idx[k] = 0
			b = append(b, ']')
		}
		if k < 0 {
			break
		}
		b = append(b, ',')
		for j := k + 1; j < rank; j++ {
			b = append(b, '[')
		}
	}
	return b
}

func (s *jsonSink) appendNum(b []byte, x float32) []byte {
	if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
		s.nonFinite++
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, float64(x), 'g', -1, 32)
}

func (s *jsonSink) close() error {
	if s.n == 0 {
		s.w.WriteString("[")
	}
	s.w.WriteString("\n]\n")
	return s.w.Flush()
}

// npySink writes a '<f4' .npy file. When the number of samples is not known
// in advance, it writes a header with room for any count and rewrites it in
// place at the end, so f must be seekable.
type npySink struct {
	f      *os.File
	bw     *bufio.Writer
	w      *npy.Writer
	out    []int
	n      int
	hdrLen int
}

// placeholderN is the widest sample count the reserved header makes room for.
const placeholderN = npy.MaxDim

func newNPYSink(f *os.File, out []int, total int) (*npySink, error) {
	n := total
	if n < 0 {
		n = placeholderN
	}
	h, err := npy.EncodeHeader(npy.Float32, append([]int{n}, out...), 0)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if _, err := bw.Write(h); err != nil {
		return nil, err
	}
	return &npySink{f: f, bw: bw, w: npy.NewDataWriter(bw, -1), out: out, hdrLen: len(h)}, nil
}

func (s *npySink) write(data []float32, n int) error {
	s.n += n
	return s.w.Write(data[:n*sampleLen(s.out)])
}

func (s *npySink) close() error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	h, err := npy.EncodeHeader(npy.Float32, append([]int{s.n}, s.out...), s.hdrLen)
	if err != nil {
		return err
	}
	if len(h) != s.hdrLen {
		return errors.New("npy header does not fit its reserved space")
	}
	_, err = s.f.WriteAt(h, 0)
	return err
}
