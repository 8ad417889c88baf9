package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/modelgate/modelgate"
)

// FuzzNPY checks that Read never panics, stays within its budget, refuses
// only with located *modelgate.Error values, and that
// whatever it accepts as '<f4' re-encodes and reads back identically.
func FuzzNPY(f *testing.F) {
	seeds := 0
	files, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	for _, h := range hostile {
		f.Add(h.file)
		seeds++
	}
	if seeds == 0 || len(files) == 0 {
		f.Fatal("no seeds: testdata/*.npy is missing")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		shape, data, err := Read(bytes.NewReader(b), 1<<20)
		if err != nil {
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Code == "" || e.Code == modelgate.EINTERNAL || e.Rule == "" || e.Where == "" {
				t.Fatalf("untyped or unlocated error: %#v", err)
			}
			return
		}
		if n, _ := elements(shape); n != int64(len(data)) {
			t.Fatalf("shape %v but %d elements", shape, len(data))
		}
		var out bytes.Buffer
		if err := Write(&out, shape, data); err != nil {
			t.Fatal(err)
		}
		s2, d2, err := Read(&out, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(shape, s2) || len(d2) != len(data) {
			t.Fatal("re-read differs")
		}
		for i := range data {
			if data[i] != d2[i] && (data[i] == data[i] || d2[i] == d2[i]) {
				t.Fatalf("element %d: %v != %v", i, data[i], d2[i])
			}
		}
	})
}
