package juliabson_test

import (
	"runtime"
	"testing"

	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/juliabson"
)

// TestAmplification measures the memory a file of the maximum element
// count costs: a vector of 1<<20 - 1 nulls, the cheapest element to encode.
// The default limits must keep it within a documented bound.
func TestAmplification(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocates a few hundred MiB; skipped under -short and -race")
	}
	elems := make(bson.A, bson.MaxElements-1)
	data := enc(t, doc("v", elems))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := juliabson.Parse(data, juliabson.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	total := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of input, %d nodes: %d MiB allocated (%.0f bytes per element)",
		len(data), g.Nodes, total>>20, float64(total)/float64(g.Nodes))
	if total > 400<<20 {
		t.Fatalf("allocated %d MiB", total>>20)
	}
	if _, err := juliabson.Parse(enc(t, doc("v", append(elems, nil, nil))), juliabson.Limits{}); err == nil {
		t.Fatal("one element over the limit accepted")
	}
}
