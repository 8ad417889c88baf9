package cpupeak

import (
	"fmt"
	"testing"
	"time"
)

func TestMeasureFMA(t *testing.T) {
	t.Parallel()
	for _, threads := range []int{0, 1, 2} {
		g := MeasureFMA(20*time.Millisecond, threads)
		if !(g > 0.01 && g < 1e6) {
			t.Errorf("MeasureFMA(20ms, %d) = %g GFLOP/s, not plausible", threads, g)
		}
		t.Logf("%s, %d threads: %.1f GFLOP/s", Path(), threads, g)
	}
}

func TestFMAGoFinite(t *testing.T) {
	t.Parallel()
	if v := fmaGo(1000); !(v > 0 && v < 1) {
		t.Errorf("fmaGo(1000) = %g", v)
	}
	sink(fmaGo(10))
}

func BenchmarkPeakFMA(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var g float64
			for b.Loop() {
				g = MeasureFMA(100*time.Millisecond, threads)
			}
			b.ReportMetric(g, "GFLOP/s")
		})
	}
}
