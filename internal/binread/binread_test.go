package binread_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"testing"

	"github.com/modelgate/modelgate/internal/binread"
)

func TestReader(t *testing.T) {
	t.Parallel()
	data := []byte{
		0x01,                   // u8
		0x02, 0x00, 0x00, 0x80, // u32 / i32
		0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // f64 1.0
		'h', 'i', 0, // cstring
		0xaa, 0xbb, // bytes
	}
	r := binread.New(data)
	if r.Uint8() != 1 {
		t.Fatal("u8")
	}
	if r.Int32() != -0x7ffffffe {
		t.Fatal("i32")
	}
	if r.Float64() != 1.0 {
		t.Fatal("f64")
	}
	if s := r.CString(); string(s) != "hi" || r.Offset() != 16 {
		t.Fatalf("cstring %q at %d", s, r.Offset())
	}
	b := r.Bytes(2)
	if !bytes.Equal(b, []byte{0xaa, 0xbb}) || cap(b) != 2 || r.Remaining() != 0 || r.Err() != nil {
		t.Fatalf("bytes %x cap %d remaining %d err %v", b, cap(b), r.Remaining(), r.Err())
	}
	// A read past the end fails, is sticky and returns zero values.
	if r.Uint64() != 0 {
		t.Fatal("read past end returned data")
	}
	var se *binread.ShortError
	if !errors.As(r.Err(), &se) || se.Offset != 18 || se.Need != 8 || se.Have != 0 || !errors.Is(r.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("error %v", r.Err())
	}
	first := r.Err()
	r.Fail(errors.New("later"))
	if r.Uint8() != 0 || r.Err() != first {
		t.Fatal("error is not sticky")
	}
}

func TestWindow(t *testing.T) {
	t.Parallel()
	data := []byte("abc\x00def")
	r := binread.NewWindow(data, 4, 6)
	if r.Offset() != 4 || r.End() != 6 || r.Remaining() != 2 {
		t.Fatal("window bounds")
	}
	if r.CString() != nil || !errors.Is(r.Err(), binread.ErrNoTerminator) {
		t.Fatalf("cstring without NUL in window: %v", r.Err())
	}
	for _, w := range [][2]int{{-1, 2}, {3, 2}, {0, 9}} {
		r := binread.NewWindow(data, w[0], w[1])
		if r.Err() == nil || r.Uint8() != 0 {
			t.Fatalf("bad window %v accepted", w)
		}
	}
	r = binread.NewWindow(data, 0, 2)
	if r.Bytes(-1) != nil || r.Err() == nil {
		t.Fatal("negative length accepted")
	}
	r.Reset(data, 0, 2)
	if r.Err() != nil || r.Remaining() != 2 {
		t.Fatal("Reset did not clear the reader")
	}
	r.Skip(3)
	if r.Err() == nil {
		t.Fatal("skip past window accepted")
	}
}

func TestReadSection(t *testing.T) {
	t.Parallel()
	src := bytes.NewReader([]byte("0123456789"))
	b, err := binread.ReadSection(src, 10, 2, 3, 100)
	if err != nil || string(b) != "234" {
		t.Fatalf("%q %v", b, err)
	}
	cases := []struct{ size, off, n, max int64 }{
		{10, 8, 3, 100},                       // past the end
		{10, 2, 3, 2},                         // over the limit
		{-1, 0, 1, 100},                       // negative size
		{10, -1, 1, 100},                      // negative offset
		{10, 2, math.MaxInt64, math.MaxInt64}, // huge: must not allocate
		{20, 5, 10, 100},                      // size lies: the reader is shorter
	}
	for _, c := range cases {
		if _, err := binread.ReadSection(src, c.size, c.off, c.n, c.max); err == nil {
			t.Errorf("ReadSection(%v) succeeded", c)
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("ab\x00cdefghijklmnop"), 3)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		r := binread.New(data)
		for r.Err() == nil && r.Remaining() > 0 {
			start := r.Offset()
			switch n & 7 {
			case 0:
				r.CString()
			case 1:
				r.Uint32()
			case 2:
				r.Bytes(n >> 3)
			case 3:
				r.Uint64()
			default:
				r.Uint8()
			}
			if r.Offset() < start || r.Offset() > len(data) {
				t.Fatalf("offset %d outside [%d, %d]", r.Offset(), start, len(data))
			}
			if r.Err() == nil && r.Offset() == start && n&7 != 2 {
				t.Fatal("no progress")
			}
			n = n*31 + 7
		}
	})
}
