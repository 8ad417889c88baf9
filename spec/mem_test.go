package spec

import (
	"runtime"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// TestYAMLMemoryBound checks that the node-count bound keeps the YAML
// library's allocations proportional to the budget, not to the input.
func TestYAMLMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates up to a few hundred MB")
	}
	lim := modelgate.DefaultLimits()
	n := int(maxValues(lim)) - 10
	for _, in := range []string{
		"a: [" + strings.Repeat("1,", 2<<20-10) + "1]\n",
		strings.Repeat("- 1\n", 1<<20-10),
		"a: [" + strings.Repeat("1,", n) + "1]\n",
		"a: {" + strings.Repeat("a: 1, ", n/2) + "}\n",
		strings.Repeat("- - - - - - - - - - - - - - - - - - - - - - - - - - - - 1\n", n/28),
	} {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		_, err := ParseYAML([]byte(in), lim)
		runtime.ReadMemStats(&m1)
		mb := (m1.TotalAlloc - m0.TotalAlloc) >> 20
		t.Logf("%d bytes: %d MB allocated: %v", len(in), mb, err)
		if err == nil {
			t.Error("accepted")
		}
		if mb > 400 {
			t.Errorf("%d bytes of YAML allocated %d MB", len(in), mb)
		}
	}
}
