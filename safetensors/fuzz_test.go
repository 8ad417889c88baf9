package safetensors

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate"
)

// FuzzOpen feeds arbitrary bytes to the reader. Every refusal must be a
// typed error. Every accepted file must read back and re-encode; the
// re-encoding must reopen to the same tensors and metadata, and, being
// canonical, re-encode again to exactly the same bytes.
func FuzzOpen(f *testing.F) {
	seeds := 0
	paths, _ := filepath.Glob("testdata/valid/*.safetensors")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	for _, tc := range hostileCases() {
		if len(tc.file) < 4096 {
			f.Add(tc.file)
			seeds++
		}
	}
	if seeds < 10 {
		f.Fatalf("only %d seeds: testdata/valid or the hostile table is missing", seeds)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := modelgate.Limits{Tensors: 64, HeaderBytes: 1 << 16}
		file, err := Open(bytes.NewReader(b), int64(len(b)), lim)
		if err != nil {
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Rule == "" || (e.Code != modelgate.EINVALID && e.Code != modelgate.ELIMIT) {
				t.Fatalf("untyped or unexpected error: %#v", err)
			}
			return
		}
		checkAccepted(t, file)
	})
}

// checkAccepted checks the properties of a file the reader accepted.
func checkAccepted(t *testing.T, file *File) {
	ctx := context.Background()
	for _, ti := range file.Tensors() {
		if !SupportedDType(ti.DType) {
			if err := file.ReadFloat32(ctx, ti.Name, make([]float32, ti.NumElements())); modelgate.ErrorCode(err) != modelgate.EUNSUPPORTED {
				t.Fatalf("%s of %s: %v", ti.Name, ti.DType, err)
			}
			continue
		}
		if err := file.ReadFloat32(ctx, ti.Name, make([]float32, ti.NumElements())); err != nil {
			t.Fatalf("ReadFloat32(%q): %v", ti.Name, err)
		}
	}
	tensors := readAll(t, file)
	var out bytes.Buffer
	if err := Write(&out, tensors, file.Metadata()); err != nil {
		t.Fatalf("cannot re-encode an accepted file: %v", err)
	}
	again, err := openBytes(out.Bytes())
	if err != nil {
		t.Fatalf("re-encoded file refused: %v", err)
	}
	if !slices.EqualFunc(readAll(t, again), tensors, sameTensor) || !maps.Equal(again.Metadata(), file.Metadata()) {
		t.Fatal("re-encoded file reads back differently")
	}
	if !bytes.Equal(mustWrite(t, readAll(t, again), again.Metadata()), out.Bytes()) {
		t.Fatal("canonical re-encoding is not stable")
	}
	if hdr := out.Bytes()[8:again.Header().DataOffset()]; len(hdr)%8 != 0 || len(hdr)-len(bytes.TrimRight(hdr, " ")) >= 8 {
		t.Fatalf("re-encoded header %q is not minimally padded to 8 bytes", hdr)
	}
}
