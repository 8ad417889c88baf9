package safetensors

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelgate/modelgate"
)

// countingReader records how many bytes were asked of it.
type countingReader struct {
	r    io.ReaderAt
	read atomic.Int64
}

// ReadAt counts and forwards.
func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.read.Add(int64(len(p)))
	return c.r.ReadAt(p, off)
}

// bytesAllocated returns the average bytes allocated by fn over runs.
func bytesAllocated(runs int, fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		fn()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestHugeHeaderLengthAllocatesLittle opens 1 KiB files that declare huge
// headers: none may allocate anything near the declared length.
func TestHugeHeaderLengthAllocatesLittle(t *testing.T) {
	pad := "{}" + strings.Repeat(" ", 1014)
	for _, n := range []uint64{MaxHeaderBytes, MaxHeaderBytes + 1, 1 << 63, 1<<64 - 1, 1 << 40} {
		b := withLen(n, pad)
		open := func() {
			if _, err := openBytes(b); err == nil {
				t.Fatal("opened")
			}
		}
		if a := testing.AllocsPerRun(50, open); a > 10 {
			t.Errorf("N=%d: %v allocations per Open", n, a)
		}
		if got := bytesAllocated(50, open); got > 4096 {
			t.Errorf("N=%d: %d bytes allocated per Open", n, got)
		}
	}
}

// TestTooManyTensorsStopsEarly checks that a header declaring far more
// tensors than the budget is refused without parsing all of it.
func TestTooManyTensorsStopsEarly(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 200_000 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"t` + strconv.Itoa(i) + `":` + entry(`"U8"`, `[0]`, `[0,0]`))
	}
	sb.WriteString("}")
	b := raw(sb.String(), 0)
	lim := modelgate.Limits{Tensors: 100}
	got := bytesAllocated(3, func() {
		_, err := Open(bytes.NewReader(b), int64(len(b)), lim)
		checkErr(t, err, modelgate.ELIMIT, "too-many-tensors")
	})
	// The header itself is read (it is within budget), nothing more.
	if limit := uint64(len(b)) + 256<<10; got > limit {
		t.Errorf("%d bytes allocated for a %d-byte header", got, len(b))
	}
}

// TestOpenReadsOnlyHeader checks that Open reads 8+N bytes and no data.
func TestOpenReadsOnlyHeader(t *testing.T) {
	t.Parallel()
	ts, _ := bigTensors()
	b := mustWrite(t, ts, nil)
	c := &countingReader{r: bytes.NewReader(b)}
	f, err := Open(c, int64(len(b)), modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.read.Load(), f.Header().DataOffset(); got != want {
		t.Fatalf("Open read %d bytes, want %d", got, want)
	}
}
