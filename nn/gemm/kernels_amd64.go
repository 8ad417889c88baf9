//go:build amd64

package gemm

//go:generate go run asm_gen.go

//go:noescape
func microAVX512(kc int, a, b, c *float32, ldc int, beta float32, load int)

//go:noescape
func dotAVX512(n int, x, y *float32) float32

//go:noescape
func axpyAVX512(n int, alpha float32, x, y *float32)

//go:noescape
func microAVX2(kc int, a, b, c *float32, ldc int, beta float32, load int)

//go:noescape
func dotAVX2(n int, x, y *float32) float32

//go:noescape
func axpyAVX2(n int, alpha float32, x, y *float32)

// avx512Kernel is the AVX-512 path: a 12×32 tile in 24 zmm accumulators.
var avx512Kernel = kernel{
	name: "avx512-12x32",
	mr:   12, nr: 32,
	kc: 1024, mc: 72, nc: 2048,
	micro: func(kc int, a, b, c []float32, ldc int, beta float32, load bool) {
		checkTile(kc, 12, 32, a, b, c, ldc)
		microAVX512(kc, &a[0], &b[0], &c[0], ldc, beta, b2i(load))
	},
	dot: func(x, y []float32) float32 {
		return dotTail(x, y, 16, dotAVX512(len(x), ptr(x), ptr(y[:len(x)])))
	},
	axpy: func(alpha float32, x, y []float32) {
		x = x[:len(y)]
		axpyAVX512(len(y), alpha, ptr(x), ptr(y))
		axpyTail(alpha, x, y, 16)
	},
}

// avx2Kernel is the AVX2+FMA path: a 6×16 tile in 12 ymm accumulators.
var avx2Kernel = kernel{
	name: "avx2-6x16",
	mr:   6, nr: 16,
	kc: 1024, mc: 36, nc: 2048,
	micro: func(kc int, a, b, c []float32, ldc int, beta float32, load bool) {
		checkTile(kc, 6, 16, a, b, c, ldc)
		microAVX2(kc, &a[0], &b[0], &c[0], ldc, beta, b2i(load))
	},
	dot: func(x, y []float32) float32 {
		return dotTail(x, y, 8, dotAVX2(len(x), ptr(x), ptr(y[:len(x)])))
	},
	axpy: func(alpha float32, x, y []float32) {
		x = x[:len(y)]
		axpyAVX2(len(y), alpha, ptr(x), ptr(y))
		axpyTail(alpha, x, y, 8)
	},
}

// checkTile panics (a bounds check) unless the slices cover what the
// assembly micro-kernel touches.
func checkTile(kc, mr, nr int, a, b, c []float32, ldc int) {
	_ = a[kc*mr-1]
	_ = b[kc*nr-1]
	_ = c[(mr-1)*ldc+nr-1]
}

// dotTail adds the elements the vector loop of width w left out.
func dotTail(x, y []float32, w int, s float32) float32 {
	for i := len(x) &^ (w - 1); i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

// axpyTail finishes y += alpha·x past the vector loop of width w.
func axpyTail(alpha float32, x, y []float32, w int) {
	for i := len(y) &^ (w - 1); i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}

// ptr returns the address of s[0], or nil for an empty slice.
func ptr(s []float32) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
