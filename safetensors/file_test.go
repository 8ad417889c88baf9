package safetensors

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/modelgate/modelgate"
)

// bigTensors returns a few tensors of several megabytes each, so that
// reads span more than one chunk.
func bigTensors() ([]Tensor, map[string][]float32) {
	r := rand.New(rand.NewPCG(3, 4))
	want := map[string][]float32{}
	var ts []Tensor
	for _, name := range []string{"a", "b", "c"} {
		v := make([]float32, 700_000+r.IntN(1000))
		for i := range v {
			v[i] = r.Float32()
		}
		want[name] = v
		ts = append(ts, F32(name, []int64{int64(len(v))}, v))
	}
	return ts, want
}

// TestOpenFileConcurrent reads tensors from many goroutines through the
// mapped file, the *os.File fallback and a plain ReaderAt (run with -race).
func TestOpenFileConcurrent(t *testing.T) {
	t.Parallel()
	ts, want := bigTensors()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	b := mustWrite(t, ts, nil)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mapped, err := OpenFile(path, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if mapped.data == nil {
		t.Log("file not mapped on this platform")
	}
	osf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer osf.Close()
	plain, err := Open(osf, int64(len(b)), modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*File{mapped, plain} {
		var wg sync.WaitGroup
		errs := make(chan error, 12)
		for g := range 12 {
			wg.Go(func() {
				name := []string{"a", "b", "c"}[g%3]
				got := make([]float32, len(want[name]))
				if err := f.ReadFloat32(context.Background(), name, got); err != nil {
					errs <- err
				} else if !slices.Equal(got, want[name]) {
					errs <- errors.New(name + " differs")
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		checkErr(t, f.ReadFloat32(context.Background(), "a", make([]float32, len(want["a"]))), modelgate.EINVALID, "closed")
		if err := f.Close(); !errors.Is(err, errClosed) {
			t.Fatalf("second Close: %v", err)
		}
	}
}

// TestCloseDuringReads closes a mapped file while reads are in flight: they
// either finish or fail with "closed", never fault.
func TestCloseDuringReads(t *testing.T) {
	t.Parallel()
	ts, want := bigTensors()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(path, mustWrite(t, ts, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got := make([]float32, len(want["b"]))
			if err := f.ReadFloat32(context.Background(), "b", got); err != nil && modelgate.ErrorCode(err) != modelgate.EINVALID {
				t.Error(err)
			}
		})
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
}

// TestOpenFileErrors checks OpenFile on missing, non-regular, empty and
// hostile files.
func TestOpenFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := OpenFile(filepath.Join(dir, "missing"), modelgate.Limits{})
	checkErr(t, err, modelgate.ENOTFOUND, "open")
	_, err = OpenFile(dir, modelgate.Limits{})
	checkErr(t, err, modelgate.EINVALID, "not-regular-file")
	for _, tc := range hostileCases()[:12] {
		path := filepath.Join(dir, "hostile")
		if err := os.WriteFile(path, tc.file, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenFile(path, modelgate.Limits{})
		checkErr(t, err, tc.code, tc.rule)
	}
	path := filepath.Join(dir, "ok")
	if err := os.WriteFile(path, mustWrite(t, nil, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = OpenFile(path, modelgate.Limits{WeightsBytes: 8})
	checkErr(t, err, modelgate.ELIMIT, "file-too-large")
}

// TestMappedFault truncates a mapped file after Open: the read fails with
// an error instead of crashing the process.
func TestMappedFault(t *testing.T) {
	t.Parallel()
	ts, want := bigTensors()
	path := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(path, mustWrite(t, ts, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.data == nil {
		t.Skip("file not mapped on this platform")
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = f.ReadFloat32(context.Background(), "c", make([]float32, len(want["c"])))
	checkErr(t, err, modelgate.EINTERNAL, "mapped-file-fault")
}

// weights mirrors nn.Weights, so that this package's own tests check the
// contract even when package nn does not build; internal/nncheck checks
// the real interface.
type weights interface {
	TensorNames() []string
	TensorInfo(name string) (dtype string, shape []int64, ok bool)
	ReadFloat32(ctx context.Context, name string, dst []float32) error
}

var _ weights = (*File)(nil)
