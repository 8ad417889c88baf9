package safetensors

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// validFiles returns the files of testdata/valid by name.
func validFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob("testdata/valid/*.safetensors")
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no valid test files: %v", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// nonCanonical lists the valid files that Write does not reproduce.
var nonCanonical = map[string]bool{"ref_doc_i32.safetensors": true}

// TestValidFiles opens every valid file and checks the canonical round
// trip: Write of what Open read gives the same bytes for canonical files,
// and the same tensors for the others.
func TestValidFiles(t *testing.T) {
	t.Parallel()
	for name, b := range validFiles(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := mustOpen(t, b)
			out := mustWrite(t, readAll(t, f), f.Metadata())
			if nonCanonical[name] == bytes.Equal(out, b) {
				t.Fatalf("canonical=%v, but re-encoding gives\n%q\nfrom\n%q", !nonCanonical[name], out, b)
			}
			g := mustOpen(t, out)
			if !slices.EqualFunc(f.Tensors(), g.Tensors(), sameInfo) {
				t.Fatalf("tensors differ after re-encoding:\n%v\n%v", f.Tensors(), g.Tensors())
			}
			if !bytes.Equal(mustWrite(t, readAll(t, g), g.Metadata()), out) {
				t.Fatal("re-encoding is not idempotent")
			}
		})
	}
}

// sameInfo compares two tensor descriptions.
func sameInfo(a, b TensorInfo) bool {
	return a.Name == b.Name && a.DType == b.DType && slices.Equal(a.Shape, b.Shape) && a.End-a.Begin == b.End-b.Begin
}

// TestMixed checks every accessor on the hand-built file of all supported
// dtypes, a scalar, an empty tensor and an unsupported dtype.
func TestMixed(t *testing.T) {
	t.Parallel()
	f := mustOpen(t, validFiles(t)["mixed.safetensors"])
	if got, want := f.TensorNames(), []string{"bf16", "empty", "f16", "f64", "i64", "w"}; !slices.Equal(got, want) {
		t.Fatalf("TensorNames = %q, want %q", got, want)
	}
	if got := f.Metadata(); len(got) != 2 || got["format"] != "pt" || got["note"] != "é\n\"q\"" {
		t.Fatalf("Metadata = %q", got)
	}
	h := f.Header()
	if h.HeaderLen != 400 || h.DataLen != 62 || h.DataOffset() != 408 {
		t.Fatalf("header %d, data %d at %d", h.HeaderLen, h.DataLen, h.DataOffset())
	}
	order := []string{}
	for _, ti := range f.Tensors() {
		order = append(order, ti.Name)
	}
	if want := []string{"bf16", "empty", "f16", "f64", "i64", "w"}; !slices.Equal(order, want) {
		t.Fatalf("Tensors order = %q, want %q", order, want)
	}
	if dt, shape, ok := f.TensorInfo("i64"); !ok || dt != "I64" || len(shape) != 0 {
		t.Fatalf("TensorInfo(i64) = %s %v %v", dt, shape, ok)
	}
	if _, _, ok := f.TensorInfo("nope"); ok {
		t.Fatal("TensorInfo of a missing name is ok")
	}
	ctx := context.Background()
	want := map[string][]float32{
		"bf16":  {1, -2, float32(math.Inf(1))},
		"empty": {},
		"f16":   {1, 0x1p-24, float32(math.Copysign(0, -1)), 65504},
		"f64":   {float32(0.1), float32(math.Inf(1))},
		"w":     {1, 2, 3, 4, 5, 6},
	}
	for name, w := range want {
		got := make([]float32, len(w))
		if err := f.ReadFloat32(ctx, name, got); err != nil {
			t.Fatalf("ReadFloat32(%s): %v", name, err)
		}
		for i := range w {
			if math.Float32bits(got[i]) != math.Float32bits(w[i]) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], w[i])
			}
		}
	}
	checkErr(t, f.ReadFloat32(ctx, "i64", make([]float32, 1)), modelgate.EUNSUPPORTED, "dtype-unsupported")
	checkErr(t, f.ReadFloat32(ctx, "w", make([]float32, 5)), modelgate.EINVALID, "dst-length")
	checkErr(t, f.ReadFloat32(ctx, "x", nil), modelgate.ENOTFOUND, "tensor-not-found")
	checkErr(t, f.ReadBytes(ctx, "i64", make([]byte, 7)), modelgate.EINVALID, "dst-length")
	var i64 [8]byte
	if err := f.ReadBytes(ctx, "i64", i64[:]); err != nil || i64[0] != 42 {
		t.Fatalf("ReadBytes(i64) = %v, %v", i64, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.ReadFloat32(cancelled, "w", make([]float32, 6)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v", err)
	}
}

// TestAccessorsCopy checks that callers cannot change a File through what
// its accessors return.
func TestAccessorsCopy(t *testing.T) {
	t.Parallel()
	f := mustOpen(t, validFiles(t)["mixed.safetensors"])
	f.TensorNames()[0] = "x"
	f.Tensors()[0].Shape[0] = 99
	_, shape, _ := f.TensorInfo("w")
	shape[0] = 99
	f.Metadata()["format"] = "x"
	f.Header().Tensors[0].Name = "y"
	if f.TensorNames()[0] != "bf16" || f.Tensors()[0].Shape[0] != 3 || f.Metadata()["format"] != "pt" {
		t.Fatal("accessor results alias the File")
	}
	if _, s, _ := f.TensorInfo("w"); s[0] != 2 {
		t.Fatal("TensorInfo shape aliases the File")
	}
}

// TestTruncation opens every prefix of every valid file: only the whole
// file may open, and every error is typed.
func TestTruncation(t *testing.T) {
	t.Parallel()
	for name, b := range validFiles(t) {
		for n := range len(b) {
			_, err := openBytes(b[:n])
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Code != modelgate.EINVALID {
				t.Fatalf("%s cut to %d bytes: %v", name, n, err)
			}
		}
		_, err := openBytes(append(slices.Clone(b), 0))
		checkErr(t, err, modelgate.EINVALID, "trailing-bytes")
	}
}

// shortReader claims more bytes than it holds.
type shortReader struct{ b []byte }

// ReadAt reads from b, returning io.EOF past its end.
func (r shortReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(r.b).ReadAt(p, off)
}

// TestShortReader checks a ReaderAt that is shorter than the declared size
// for the header and for the data.
func TestShortReader(t *testing.T) {
	t.Parallel()
	b := validFiles(t)["mixed.safetensors"]
	_, err := Open(shortReader{b[:100]}, int64(len(b)), modelgate.Limits{})
	checkErr(t, err, modelgate.EINVALID, "truncated")
	_, err = Open(shortReader{b[:4]}, int64(len(b)), modelgate.Limits{})
	checkErr(t, err, modelgate.EINVALID, "truncated")
	f, err := Open(shortReader{b[:len(b)-1]}, int64(len(b)), modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, f.ReadFloat32(context.Background(), "w", make([]float32, 6)), modelgate.EINVALID, "truncated")
}

// TestErrorMessages spot-checks that errors say where and why.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file []byte
		want string
	}{
		{raw(`{"a":`+ok8+`,"b":`+entry(`"F32"`, `[1]`, `[12,16]`)+`}`, 16), `b: data starts at 12, leaving bytes [8, 12) unused [gap]`},
		{raw(`{"a":`+ok8+`,"a":`+ok8+`}`, 8), `byte 62: duplicate member name at "/a" [duplicate-name]`},
		{raw("{\"a\xff\":"+ok8+"}", 8), `byte 11: header is not valid UTF-8 [invalid-utf8]`},
		{raw(`{"a\n":`+entry(`"F128"`, `[2]`, `[0,8]`)+`}`, 8), `"a\n": unknown dtype "F128" [dtype-unknown]`},
		{withLen(1<<63, ""), `byte 0: header length 9223372036854775808 exceeds the 100000000-byte budget [header-too-large]`},
	} {
		_, err := openBytes(tc.file)
		if err == nil || err.Error() != tc.want {
			t.Errorf("error %q, want %q", err, tc.want)
		}
	}
	long := strings.Repeat("x", 300)
	_, err := openBytes(raw(`{"`+long+`":`+entry(`"F128"`, `[2]`, `[0,8]`)+`}`, 8))
	var e *modelgate.Error
	if !errors.As(err, &e) || len(e.Where) > maxWhereName+5 {
		t.Errorf("long name location %q", e.Where)
	}
}

// TestRequireFloat lists the tensors of unsupported dtypes.
func TestRequireFloat(t *testing.T) {
	t.Parallel()
	f := mustOpen(t, validFiles(t)["mixed.safetensors"])
	err := f.Header().RequireFloat()
	var p modelgate.Problems
	if !errors.As(err, &p) || len(p) != 1 || p[0].Where != "i64" || p[0].Rule != "dtype-unsupported" || p[0].Code != modelgate.EUNSUPPORTED {
		t.Fatalf("RequireFloat = %v", err)
	}
	if err := mustOpen(t, validFiles(t)["ref_attn0.safetensors"]).Header().RequireFloat(); err != nil {
		t.Fatalf("RequireFloat on F32 only: %v", err)
	}
}
