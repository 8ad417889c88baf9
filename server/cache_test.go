package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/safetensors"
)

// tinyPackage loads a dense [in] -> [1] model through modelpkg.
func tinyPackage(t *testing.T, in int) *modelpkg.Package {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{1, int64(in)}, make([]float32, in)),
		safetensors.F32("layers.0.bias", []int64{1}, []float32{0}),
	}, nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	spec := fmt.Sprintf(`{"format": "modelgate/v1", "name": "t", "input": {"shape": [%d]}, "layers": [{"type": "dense", "units": 1}],
		"weights": {"sha256": "%s", "bytes": %d}}`, in, hex.EncodeToString(sum[:]), buf.Len())
	p, err := modelpkg.Open(context.Background(), []byte(spec), false, bytes.NewReader(buf.Bytes()), int64(buf.Len()), modelpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModelCacheLRU(t *testing.T) {
	t.Parallel()
	p := tinyPackage(t, 1000) // ~4 KiB of parameters + overhead
	size := modelBytes(p)
	c := newModelCache(2*size, newMetrics())
	c.add("a", p)
	c.add("b", p)
	if _, err := c.get(context.Background(), "a", nil); err != nil { // a is now most recent
		t.Fatal(err)
	}
	c.add("c", p) // evicts b
	if used, n := c.stats(); n != 2 || used != 2*size {
		t.Fatalf("stats %d %d", used, n)
	}
	loads := 0
	load := func(context.Context) (*modelpkg.Package, error) { loads++; return p, nil }
	for _, k := range []string{"a", "c"} {
		if _, err := c.get(context.Background(), k, load); err != nil || loads != 0 {
			t.Fatalf("%s should be cached (loads %d, %v)", k, loads, err)
		}
	}
	if _, err := c.get(context.Background(), "b", load); err != nil || loads != 1 {
		t.Fatalf("b should have been evicted and reloaded (loads %d)", loads)
	}
	// A model larger than the budget is served but not cached.
	small := newModelCache(size/2, newMetrics())
	small.add("x", p)
	if _, n := small.stats(); n != 0 {
		t.Fatal("oversized model cached")
	}
}

func TestModelCacheSingleLoad(t *testing.T) {
	t.Parallel()
	p := tinyPackage(t, 10)
	c := newModelCache(1<<20, newMetrics())
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (*modelpkg.Package, error) {
		loads.Add(1)
		<-release
		return p, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := c.get(context.Background(), "k", load); err != nil || got != p {
				t.Errorf("get: %v", err)
			}
		}()
	}
	close(release)
	wg.Wait()
	if loads.Load() != 1 {
		t.Fatalf("%d loads, want 1", loads.Load())
	}
	// Errors are not cached; a cancelled waiter returns at once.
	boom := errors.New("boom")
	if _, err := c.get(context.Background(), "bad", func(context.Context) (*modelpkg.Package, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
	if _, err := c.get(context.Background(), "bad", func(context.Context) (*modelpkg.Package, error) { return p, nil }); err != nil {
		t.Fatalf("retry after error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	block := make(chan struct{})
	defer close(block)
	if _, err := c.get(ctx, "slow", func(context.Context) (*modelpkg.Package, error) { <-block; return p, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled get: %v", err)
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(2, 3) // 2/s, burst 3
	now := timeZero()
	for i := 0; i < 3; i++ {
		if !l.allow("a", now) {
			t.Fatalf("burst %d refused", i)
		}
	}
	if l.allow("a", now) {
		t.Fatal("over burst allowed")
	}
	if !l.allow("b", now) {
		t.Fatal("buckets are per key")
	}
	if !l.allow("a", now.Add(500_000_000)) || l.allow("a", now.Add(500_000_000)) {
		t.Fatal("refill of one token per 0.5 s")
	}
	if !newLimiter(0, 1).allow("x", now) {
		t.Fatal("rate 0 must disable the limit")
	}
}

func timeZero() time.Time { return time.Unix(1_000_000, 0) }
