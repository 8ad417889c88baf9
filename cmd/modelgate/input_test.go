package main

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/internal/npy"
)

// readAll drains a source in chunks of chunk samples.
func readAll(src source, per, chunk int) ([]float32, int, error) {
	buf := make([]float32, chunk*per)
	var all []float32
	n := 0
	for {
		k, err := src.next(buf)
		all = append(all, buf[:k*per]...)
		n += k
		if err == io.EOF {
			return all, n, src.finish()
		}
		if err != nil {
			return all, n, err
		}
	}
}

func TestJSONSourceValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		shp  []int
		want []float32
	}{
		{"vector", `[[1,2,3],[4,5,6]]`, []int{3}, []float32{1, 2, 3, 4, 5, 6}},
		{"object", ` {"inputs": [[1.5, -2e-3]]} `, []int{2}, []float32{1.5, -2e-3}},
		{"rank 3", `[[[[1],[2]],[[3],[4]]]]`, []int{2, 2, 1}, []float32{1, 2, 3, 4}},
		{"whitespace", "[\n [ 0 ,\t1 ]\n]\n", []int{2}, []float32{0, 1}},
		{"tiny", `[[1e-50]]`, []int{1}, []float32{0}},
		{"float32 max", `[[3.4028234663852886e38]]`, []int{1}, []float32{math.MaxFloat32}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 7} {
			src, err := openSource(strings.NewReader(tt.in), tt.shp, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := readAll(src, sampleLen(tt.shp), chunk)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("%s chunk %d: got %v want %v", tt.name, chunk, got, tt.want)
			}
		}
	}
}

// hostileInputs are JSON inputs for shape [2] that must be refused.
var hostileInputs = []struct {
	name, in, rule string
}{
	{"empty document", ``, "truncated"},
	{"empty", `[]`, ""},
	{"scalar", `3`, "input-json"},
	{"string", `"x"`, "input-json"},
	{"no batch", `[1,2]`, "input-shape"},
	{"short", `[[1]]`, "input-shape"},
	{"long", `[[1,2,3]]`, "input-shape"},
	{"too deep", `[[[1],[2]]]`, "input-shape"},
	{"string value", `[[1,"2"]]`, "input-shape"},
	{"null", `[[1,null]]`, "input-shape"},
	{"bool", `[[true,1]]`, "input-shape"},
	{"object sample", `[{"a":1}]`, "input-shape"},
	{"overflow", `[[1,1e39]]`, "input-range"},
	{"negative overflow", `[[1,-1e39]]`, "input-range"},
	{"huge exponent", `[[1,1e999999]]`, "input-range"},
	{"NaN literal", `[[1,NaN]]`, "input-json"},
	{"trailing", `[[1,2]] x`, "input-json"},
	{"second document", `[[1,2]] [[1,2]]`, "trailing-data"},
	{"truncated", `[[1,2],[3`, "truncated"},
	{"unknown member", `{"input": [[1,2]]}`, "input-json"},
	{"extra member", `{"inputs": [[1,2]], "x": 1}`, "input-json"},
	{"duplicate member", `{"inputs": [], "inputs": [[1,2]]}`, "input-json"},
	{"inputs not array", `{"inputs": 3}`, "input-json"},
	{"invalid utf8", "{\"inp\xffuts\": []}", "input-json"},
	{"comment", `[[1,2]] // c`, "input-json"},
	{"leading zero", `[[01,2]]`, "input-json"},
	{"hex", `[[0x1,2]]`, "input-json"},
}

func TestJSONSourceHostile(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileInputs {
		src, err := openSource(strings.NewReader(tt.in), []int{2}, 0)
		if err == nil {
			var n int
			_, n, err = readAll(src, 2, 3)
			if err == nil && n == 0 && tt.rule == "" {
				continue // empty input is refused by run, not the source
			}
		}
		var e *modelgate.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: err = %v, want a *modelgate.Error", tt.name, err)
			continue
		}
		if e.Rule != tt.rule {
			t.Errorf("%s: rule %q, want %q (%v)", tt.name, e.Rule, tt.rule, err)
		}
		if code := modelgate.ErrorCode(err); code != modelgate.EINVALID && code != modelgate.ELIMIT {
			t.Errorf("%s: code %q", tt.name, code)
		}
	}
}

func TestJSONSourceLongToken(t *testing.T) {
	t.Parallel()
	in := "[[1," + strings.Repeat("1", 2*maxTokenBytes) + "]]"
	src, err := openSource(strings.NewReader(in), []int{2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(src, 2, 1)
	if modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Fatalf("err = %v, want a limit error", err)
	}
	in = "[" + strings.Repeat(" ", 2*maxTokenBytes) + "[1,2]]"
	src, _ = openSource(strings.NewReader(in), []int{2}, 0)
	if _, _, err = readAll(src, 2, 1); modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Fatalf("whitespace: err = %v, want a limit error", err)
	}
}

// TestSinkRoundTrip checks that what jsonSink writes, jsonSource reads back
// exactly, and that npySink's rewritten header is right.
func TestSinkRoundTrip(t *testing.T) {
	t.Parallel()
	shape := []int{2, 3}
	data := []float32{1, -2.5, 3e-7, math.MaxFloat32, -math.SmallestNonzeroFloat32, 0.1, 7, 8, 9, 10, 11, 12}
	var buf bytes.Buffer
	s := newJSONSink(&buf, shape)
	if err := s.write(data[:6], 1); err != nil {
		t.Fatal(err)
	}
	if err := s.write(data[6:], 1); err != nil {
		t.Fatal(err)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	want := "[\n[[1,-2.5,3e-07],[3.4028235e+38,-1e-45,0.1]],\n[[7,8,9],[10,11,12]]\n]\n"
	if buf.String() != want {
		t.Fatalf("got %q\nwant %q", buf.String(), want)
	}
	src, err := openSource(&buf, shape, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(src, 6, 5)
	if err != nil || !reflect.DeepEqual(got, data) {
		t.Fatalf("read back %v, %v", got, err)
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "o.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ns, err := newNPYSink(f, shape, -1)
	if err != nil {
		t.Fatal(err)
	}
	ns.write(data, 2)
	if err := ns.close(); err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekStart)
	gs, gd, err := npy.Read(f, 1<<20)
	if err != nil || !reflect.DeepEqual(gs, []int{2, 2, 3}) || !reflect.DeepEqual(gd, data) {
		t.Fatalf("npy: %v %v %v", gs, gd, err)
	}
}

func TestNonFiniteOutput(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := newJSONSink(&buf, []int{3})
	s.write([]float32{float32(math.NaN()), float32(math.Inf(1)), 1}, 1)
	s.close()
	if buf.String() != "[\n[null,null,1]\n]\n" || s.nonFinite != 2 {
		t.Fatalf("%q %d", buf.String(), s.nonFinite)
	}
}

// FuzzJSONInput checks that the JSON input reader never panics, refuses
// with typed errors, and that what it accepts re-encodes and reads back
// identically.
func FuzzJSONInput(f *testing.F) {
	seeds := 0
	for _, h := range hostileInputs {
		f.Add([]byte(h.in), uint8(2))
		seeds++
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "input.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(8))
		seeds++
	}
	if seeds == 0 || len(files) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, b []byte, width uint8) {
		shape := []int{int(width%9) + 1}
		src, err := openSource(bytes.NewReader(b), shape, 1<<20)
		if err != nil {
			return
		}
		got, n, err := readAll(src, shape[0], 3)
		if err != nil {
			if modelgate.ErrorCode(err) == modelgate.EINTERNAL {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(got) != n*shape[0] {
			t.Fatalf("%d values for %d samples", len(got), n)
		}
		var out bytes.Buffer
		s := newJSONSink(&out, shape)
		s.write(got, n)
		s.close()
		src2, err := openSource(&out, shape, 0)
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := readAll(src2, shape[0], 2)
		if err != nil || !reflect.DeepEqual(again, got) && n > 0 {
			t.Fatalf("re-read %v, %v; want %v", again, err, got)
		}
	})
}
