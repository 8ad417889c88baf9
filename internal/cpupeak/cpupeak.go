// Package cpupeak measures the float32 fused multiply-add throughput of the
// CPU, the yardstick the GEMM benchmarks report "% of peak" against.
//
// The loop behind [MeasureFMA] keeps enough independent accumulators in
// flight to hide the FMA latency: 24 zmm registers with AVX-512F, 12 ymm
// registers with AVX2+FMA, and a scalar Go loop elsewhere (which measures
// scalar multiply-add, not a vector peak). [Path] names the loop used.
package cpupeak

import (
	"sync"
	"time"
)

// chunk is the number of loop iterations between clock reads.
const chunk = 1 << 14

// MeasureFMA runs an FMA-bound loop on threads goroutines (threads < 1
// means 1) for about d and returns the combined rate in GFLOP/s, counting
// a multiply-add as two floating-point operations. The first fifth of d
// warms the cores up and is not counted. d ≤ 0 means 200 ms.
func MeasureFMA(d time.Duration, threads int) float64 {
	if d <= 0 {
		d = 200 * time.Millisecond
	}
	threads = max(threads, 1)
	loop, flopsPerIter := fmaLoop()
	rates := make([]float64, threads)
	var wg sync.WaitGroup
	for t := range threads {
		wg.Go(func() { rates[t] = measureOne(loop, flopsPerIter, d) })
	}
	wg.Wait()
	var total float64
	for _, r := range rates {
		total += r
	}
	return total
}

// measureOne returns the GFLOP/s of loop on the calling goroutine.
func measureOne(loop func(n int), flopsPerIter float64, d time.Duration) float64 {
	warm := time.Now().Add(d / 5)
	for time.Now().Before(warm) {
		loop(chunk)
	}
	start := time.Now()
	end := start.Add(d - d/5)
	iters := 0
	for {
		loop(chunk)
		iters += chunk
		if now := time.Now(); !now.Before(end) {
			return float64(iters) * flopsPerIter / now.Sub(start).Seconds() / 1e9
		}
	}
}

// fmaGo is the portable loop: eight independent scalar multiply-adds per
// iteration, 16 flops.
func fmaGo(n int) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	x, y := float32(0.999), float32(1e-7)
	for range n {
		s0 = s0*x + y
		s1 = s1*x + y
		s2 = s2*x + y
		s3 = s3*x + y
		s4 = s4*x + y
		s5 = s5*x + y
		s6 = s6*x + y
		s7 = s7*x + y
	}
	return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7
}
