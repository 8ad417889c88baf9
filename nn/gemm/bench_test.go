package gemm

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/modelgate/modelgate/internal/cpupeak"
)

// benchOperands returns random square operands of size s.
func benchOperands(s int) operands {
	return makeOperands(gemmCase{m: s, n: s, k: s, alpha: 1}, 1)
}

func benchRun(b *testing.B, kern *kernel, threads int, tc gemmCase, o operands) {
	c := make([]float32, len(o.c))
	p := problem{transA: tc.tA, transB: tc.tB, m: tc.m, n: tc.n, k: tc.k, alpha: 1,
		a: o.a, lda: o.lda, b: o.b, ldb: o.ldb, c: c, ldc: o.ldc}
	run(kern, threads, &p) // warm the pool
	start := time.Now()
	n := 0
	best := time.Duration(1 << 62)
	for b.Loop() {
		t0 := time.Now()
		run(kern, threads, &p)
		best = min(best, time.Since(t0))
		n++
	}
	flops := 2 * float64(tc.m) * float64(tc.n) * float64(tc.k)
	b.ReportMetric(flops*float64(n)/time.Since(start).Seconds()/1e9, "GFLOP/s")
	// The fastest call is a steadier figure on a shared machine.
	b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
}

// BenchmarkSgemm measures square products per size, thread count and path.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range []int{256, 512, 1024} {
		o := benchOperands(s)
		tc := gemmCase{m: s, n: s, k: s, alpha: 1}
		for _, threads := range []int{1, 2} {
			for _, kern := range paths(b) {
				b.Run(fmt.Sprintf("%d/threads=%d/%s", s, threads, kern.name), func(b *testing.B) {
					benchRun(b, kern, threads, tc, o)
				})
			}
		}
	}
}

// BenchmarkGemv measures the batch-1 dense layer shape [1,784]×[784,1024]ᵀ
// and its non-transposed twin.
func BenchmarkGemv(b *testing.B) {
	for _, tB := range []bool{true, false} {
		tc := gemmCase{tB: tB, m: 1, n: 1024, k: 784, alpha: 1}
		o := makeOperands(tc, 1)
		for _, kern := range paths(b) {
			b.Run(fmt.Sprintf("transB=%v/%s", tB, kern.name), func(b *testing.B) {
				benchRun(b, kern, 1, tc, o)
			})
		}
	}
}

// BenchmarkPeakFMA measures the FMA peak, for comparison with the above.
func BenchmarkPeakFMA(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			var g float64
			for b.Loop() {
				g = cpupeak.MeasureFMA(100*time.Millisecond, threads)
			}
			b.ReportMetric(g, "GFLOP/s")
		})
	}
}

// BenchmarkPercentOfPeak interleaves FMA-peak and 1024³ GEMM windows on the
// selected path and reports the best of each and their ratio, which is
// robust against other load on the machine.
func BenchmarkPercentOfPeak(b *testing.B) {
	const s = 1024
	o := benchOperands(s)
	c := make([]float32, len(o.c))
	for _, tB := range []bool{false, true} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("transB=%v/threads=%d", tB, threads), func(b *testing.B) {
				var peak, best float64
				for b.Loop() {
					peak = max(peak, cpupeak.MeasureFMA(50*time.Millisecond, threads))
					start := time.Now()
					SgemmThreads(threads, false, tB, s, s, s, 1, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
					best = max(best, 2*s*s*s/time.Since(start).Seconds()/1e9)
				}
				b.ReportMetric(peak, "peak-GFLOP/s")
				b.ReportMetric(best, "GFLOP/s")
				b.ReportMetric(100*best/peak, "%peak")
			})
		}
	}
}

// BenchmarkMicro measures each micro-kernel alone on cache-resident panels
// (the ceiling for the blocked product).
func BenchmarkMicro(b *testing.B) {
	for _, kern := range paths(b) {
		b.Run(kern.name, func(b *testing.B) {
			const kc = 512
			a := make([]float32, kern.mr*kc)
			bp := make([]float32, kern.nr*kc)
			c := make([]float32, kern.mr*kern.nr)
			start := time.Now()
			n := 0
			for b.Loop() {
				kern.micro(kc, a, bp, c, kern.nr, 1, true)
				n++
			}
			flops := 2 * float64(kern.mr*kern.nr*kc) * float64(n)
			b.ReportMetric(flops/time.Since(start).Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkShapes measures small and layer-like shapes on the selected
// path: m×n×k, transB as a dense layer with weights stored [out, in].
func BenchmarkShapes(b *testing.B) {
	for _, s := range [][3]int{{8, 8, 8}, {32, 32, 32}, {64, 64, 64}, {128, 128, 128}, {4, 1024, 784}, {6, 1024, 784}, {8, 1024, 784}, {32, 1024, 784}, {8, 10, 1024}, {64, 512, 512}, {256, 1024, 1024}, {1000, 1, 1023}} {
		for _, threads := range []int{1, 2} {
			tc := gemmCase{tB: true, m: s[0], n: s[1], k: s[2], alpha: 1}
			o := makeOperands(tc, 1)
			b.Run(fmt.Sprintf("%dx%dx%d/threads=%d", s[0], s[1], s[2], threads), func(b *testing.B) {
				benchRun(b, selected, threads, tc, o)
			})
		}
	}
}

// TestPercentOfPeak asserts the performance target: 1024³ on one
// thread reaches 80% of the FMA peak measured in the same run (best of
// interleaved windows). It is a measurement, so it only runs when
// MODELGATE_PERF_TEST=1, on an otherwise idle machine.
func TestPercentOfPeak(t *testing.T) {
	if os.Getenv("MODELGATE_PERF_TEST") != "1" {
		t.Skip("set MODELGATE_PERF_TEST=1 to run")
	}
	const s = 1024
	o := benchOperands(s)
	c := make([]float32, len(o.c))
	var peak, best float64
	for range 15 {
		peak = max(peak, cpupeak.MeasureFMA(50*time.Millisecond, 1))
		start := time.Now()
		Sgemm(false, false, s, s, s, 1, o.a, o.lda, o.b, o.ldb, 0, c, o.ldc)
		best = max(best, 2*s*s*s/time.Since(start).Seconds()/1e9)
	}
	t.Logf("%s: %.1f GFLOP/s, FMA peak (%s) %.1f GFLOP/s: %.1f%%", Kernel(), best, cpupeak.Path(), peak, 100*best/peak)
	if best < 0.8*peak {
		t.Errorf("1024³ reached %.1f%% of peak, want ≥ 80%%", 100*best/peak)
	}
}

// BenchmarkPacked measures dense-layer shapes (weights [n, k], transB) with
// the weights packed once, to compare with BenchmarkShapes.
func BenchmarkPacked(b *testing.B) {
	for _, s := range [][3]int{{32, 1024, 784}, {64, 512, 512}, {256, 1024, 1024}} {
		tc := gemmCase{tB: true, m: s[0], n: s[1], k: s[2], alpha: 1}
		o := makeOperands(tc, 1)
		pb := PackB(true, tc.k, tc.n, o.b, o.ldb)
		c := make([]float32, len(o.c))
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/threads=%d", s[0], s[1], s[2], threads), func(b *testing.B) {
				start := time.Now()
				n := 0
				for b.Loop() {
					SgemmPacked(threads, false, tc.m, 1, o.a, o.lda, pb, 0, c, o.ldc)
					n++
				}
				flops := 2 * float64(tc.m*tc.n*tc.k) * float64(n)
				b.ReportMetric(flops/time.Since(start).Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
