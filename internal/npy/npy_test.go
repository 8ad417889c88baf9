package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// rawFile builds a .npy file from a version, a header dict (padding and the
// final newline are added) and data bytes.
func rawFile(major byte, dict string, data []byte) []byte {
	var b []byte
	b = append(b, Magic...)
	b = append(b, major, 0)
	h := dict
	pre := 10
	if major != 1 {
		pre = 12
	}
	for (pre+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	}
	b = append(b, h...)
	return append(b, data...)
}

func f32bytes(v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func f64bytes(v ...float64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}

func TestReadValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  []byte
		shape []int
		data  []float32
	}{
		{"f4 2x3", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32bytes(1, 2, 3, 4, 5, 6)), []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"f8 vector", rawFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", f64bytes(0.5, -1, 1e10)), []int{3}, []float32{0.5, -1, 1e10}},
		{"v2", rawFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", f32bytes(7)), []int{1}, []float32{7}},
		{"v3 double quotes any order", rawFile(3, `{"shape": (1, 1), "descr": "<f4", "fortran_order": False}`, f32bytes(-2)), []int{1, 1}, []float32{-2}},
		{"scalar", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32bytes(3)), []int{}, []float32{3}},
		{"empty", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }", nil), []int{0, 5}, []float32{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shape, data, err := Read(bytes.NewReader(tt.file), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, tt.shape) || !reflect.DeepEqual(data, tt.data) {
				t.Fatalf("got %v %v, want %v %v", shape, data, tt.shape, tt.data)
			}
		})
	}
}

// hostile lists files that must be refused, with the rule (or error) each
// must report.
var hostile = []struct {
	name string
	file []byte
	rule string
}{
	{"empty file", nil, "truncated"},
	{"bad magic", []byte("\x93NUMPX\x01\x00\x00\x00"), "npy-magic"},
	{"version 4", []byte("\x93NUMPY\x04\x00\x00\x00"), "npy-version"},
	{"version 1.1", []byte("\x93NUMPY\x01\x01\x00\x00"), "npy-version"},
	{"huge v2 header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{"), "npy-header-too-large"},
	{"header longer than file", []byte("\x93NUMPY\x01\x00\x40\x00{'descr'"), "truncated"},
	{"no newline", append([]byte("\x93NUMPY\x01\x00\x05\x00"), "{}   "...), "npy-header"},
	{"missing shape", rawFile(1, "{'descr': '<f4', 'fortran_order': False}", nil), "npy-header"},
	{"unknown key", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", f32bytes(1)), "npy-header"},
	{"duplicate key", rawFile(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", f32bytes(1)), "npy-duplicate-key"},
	{"big endian", rawFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", f32bytes(1)), "npy-dtype"},
	{"int dtype", rawFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,)}", f64bytes(1)), "npy-dtype"},
	{"object dtype", rawFile(1, "{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", nil), "npy-dtype"},
	{"fortran order", rawFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}", f32bytes(1, 2, 3, 4)), "npy-fortran-order"},
	{"fortran garbage", rawFile(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", f32bytes(1)), "npy-header"},
	{"shape not tuple", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", f32bytes(1, 2, 3)), "npy-header"},
	{"negative dim", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", nil), "npy-header"},
	{"leading zero", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (01,)}", f32bytes(1)), "npy-header"},
	{"huge dim", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", nil), "npy-dim"},
	{"dim over max", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296,)}", nil), "npy-dim"},
	{"overflowing product", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2147483648, 2147483648, 2147483648)}", nil), "npy-shape-overflow"},
	{"over budget", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000)}", nil), "npy-too-large"},
	{"rank 9", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", f32bytes(1)), "npy-rank"},
	{"escape in string", rawFile(1, `{'descr': '<f\4', 'fortran_order': False, 'shape': (1,)}`, f32bytes(1)), "npy-header"},
	{"non-ascii", rawFile(3, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'é': 1}", f32bytes(1)), "npy-header"},
	{"trailing junk in header", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", f32bytes(1)), "npy-header"},
	{"truncated data", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", f32bytes(1, 2, 3)), "truncated"},
	{"trailing data", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", f32bytes(1, 2)), "trailing-bytes"},
	{"python expression", rawFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1+1,)}", f32bytes(1, 2)), "npy-header"},
}

func TestReadHostile(t *testing.T) {
	t.Parallel()
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Read(bytes.NewReader(tt.file), 64<<20)
			var e *modelgate.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *modelgate.Error", err)
			}
			if e.Rule != tt.rule {
				t.Fatalf("rule = %q, want %q (%v)", e.Rule, tt.rule, err)
			}
			if !strings.HasPrefix(e.Where, "byte ") {
				t.Errorf("where = %q, want a byte offset", e.Where)
			}
		})
	}
}

func TestTruncatedEveryLength(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Write(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for n := 0; n < len(full); n++ {
		_, _, err := Read(bytes.NewReader(full[:n]), 1<<20)
		if err == nil {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
	}
	if _, _, err := Read(bytes.NewReader(full), 1<<20); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	shapes := [][]int{{}, {1}, {5}, {2, 3}, {3, 1, 28, 28}, {0}, {20000}}
	for _, shape := range shapes {
		n, _ := elements(shape)
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.25 - 3
		}
		var buf bytes.Buffer
		if err := Write(&buf, shape, data); err != nil {
			t.Fatal(err)
		}
		if buf.Len()%64 != int(4*n)%64 {
			t.Errorf("%v: header not 64-aligned", shape)
		}
		gs, gd, err := Read(&buf, 1<<30)
		if err != nil {
			t.Fatalf("%v: %v", shape, err)
		}
		if !reflect.DeepEqual(gs, shape) || !reflect.DeepEqual(gd, data) {
			t.Fatalf("%v: round trip differs", shape)
		}
	}
}

func TestStreamingChunks(t *testing.T) {
	t.Parallel()
	data := make([]float32, 10007)
	for i := range data {
		data[i] = float32(i)
	}
	var buf bytes.Buffer
	if err := Write(&buf, []int{len(data)}, data); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	chunk := make([]float32, 333)
	for {
		n, err := r.Read(chunk)
		got = append(got, chunk[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, data) {
		t.Fatal("streamed data differs")
	}
}

func TestEncodeHeaderMinLen(t *testing.T) {
	t.Parallel()
	long, err := EncodeHeader(Float32, []int{999999999999 % MaxDim, 10}, 0)
	if err != nil {
		t.Fatal(err)
	}
	short, err := EncodeHeader(Float32, []int{3, 10}, len(long))
	if err != nil {
		t.Fatal(err)
	}
	if len(short) != len(long) {
		t.Fatalf("len %d != %d", len(short), len(long))
	}
	h, err := ReadHeader(bytes.NewReader(short), 0)
	if err != nil || !reflect.DeepEqual(h.Shape, []int{3, 10}) {
		t.Fatalf("%v %v", h, err)
	}
}

// TestNumPyGolden reads files written by NumPy itself (testdata/*.npy, see
// testdata/README) and checks them against the values documented there.
func TestNumPyGolden(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		shape []int
		data  []float32
	}{
		"numpy_f4_2x3.npy": {[]int{2, 3}, []float32{0, 1.5, -2, 3.25, 1e-3, 65504}},
		"numpy_f8_4.npy":   {[]int{4}, []float32{0.1, -0.2, 1e30, 5}},
		"numpy_f4_v2.npy":  {[]int{1, 2}, []float32{1, 2}},
	}
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		shape, data, err := Read(bytes.NewReader(b), 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(shape, w.shape) || !reflect.DeepEqual(data, w.data) {
			t.Errorf("%s: got %v %v, want %v %v", name, shape, data, w.shape, w.data)
		}
		if name == "numpy_f4_2x3.npy" {
			var out bytes.Buffer
			if err := Write(&out, shape, data); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), b) {
				t.Errorf("Write differs from NumPy's bytes:\n%q\n%q", out.Bytes(), b)
			}
		}
	}
}
