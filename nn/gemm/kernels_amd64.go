//go:build amd64

package gemm

//go:generate go run asm_gen.go

// The assembly kernels; see asm_gen.go for what each computes.

//go:noescape
func microAVX512(kc int, a, b, c *float32, ldc int, beta float32, load int)

//go:noescape
func dot4AVX512(n int, x, b *float32, ldb int, out *float32)

//go:noescape
func dot1AVX512(n int, x, b *float32, ldb int, out *float32)

//go:noescape
func gemvNAVX512(k int, x, b *float32, ldb int, y *float32)

//go:noescape
func axpyAVX512(n int, alpha float32, x, y *float32)

//go:noescape
func microAVX2(kc int, a, b, c *float32, ldc int, beta float32, load int)

//go:noescape
func dot4AVX2(n int, x, b *float32, ldb int, out *float32)

//go:noescape
func dot1AVX2(n int, x, b *float32, ldb int, out *float32)

//go:noescape
func gemvNAVX2(k int, x, b *float32, ldb int, y *float32)

//go:noescape
func axpyAVX2(n int, alpha float32, x, y *float32)

//go:noescape
func transpose8(n8 int, src *float32, ld int, dst *float32, stride int, alpha float32)

//go:noescape
func transpose4(n8 int, src *float32, ld int, dst *float32, stride int, alpha float32)

// asmFuncs are the assembly kernels of one instruction set.
type asmFuncs struct {
	width int // float32 lanes per vector
	micro func(kc int, a, b, c *float32, ldc int, beta float32, load int)
	dot4  func(n int, x, b *float32, ldb int, out *float32)
	dot1  func(n int, x, b *float32, ldb int, out *float32)
	gemvN func(k int, x, b *float32, ldb int, y *float32)
	axpy  func(n int, alpha float32, x, y *float32)
}

// avx512Kernel is the AVX-512 path: an 8×32 tile in 16 zmm accumulators
// (measured as fast as 12×32 and 14×32 at 1024³, and 8 divides the usual
// batch sizes).
var avx512Kernel = asmKernel("avx512-8x32", 8, 32, 96, 256, asmFuncs{
	width: 16, micro: microAVX512, dot4: dot4AVX512, dot1: dot1AVX512,
	gemvN: gemvNAVX512, axpy: axpyAVX512,
})

// avx2Kernel is the AVX2+FMA path: a 6×16 tile in 12 ymm accumulators.
var avx2Kernel = asmKernel("avx2-6x16", 6, 16, 36, 96, asmFuncs{
	width: 8, micro: microAVX2, dot4: dot4AVX2, dot1: dot1AVX2,
	gemvN: gemvNAVX2, axpy: axpyAVX2,
})

// asmKernel wraps assembly kernels with the slice checks they rely on.
func asmKernel(name string, mr, nr, mc, nw int, f asmFuncs) kernel {
	w := f.width
	return kernel{
		name: name, mr: mr, nr: nr,
		kc: 1024, mc: mc, nc: 2048, nw: nw,
		micro: func(kc int, a, b, c []float32, ldc int, beta float32, load bool) {
			_, _, _ = a[kc*mr-1], b[kc*nr-1], c[(mr-1)*ldc+nr-1]
			f.micro(kc, &a[0], &b[0], &c[0], ldc, beta, b2i(load))
		},
		dots: func(x, b []float32, ldb int, out []float32) {
			asmDots(f, x, b, ldb, out)
		},
		gemvN: func(x, b []float32, ldb int, y []float32) {
			_, _ = b[(len(x)-1)*ldb+nw-1], y[nw-1]
			f.gemvN(len(x), &x[0], &b[0], ldb, &y[0])
		},
		axpy: func(alpha float32, x, y []float32) {
			x = x[:len(y)]
			f.axpy(len(y), alpha, ptr(x), ptr(y))
			for i := len(y) &^ (w - 1); i < len(y); i++ {
				y[i] += alpha * x[i]
			}
		},
		transpose: transposeAVX,
	}
}

// transposeAVX is packT with the whole 8×8 and 4×8 blocks done by AVX
// shuffles; the remaining rows and columns go through packT. Both multiply
// by alpha exactly once, so the packed values are the same.
func transposeAVX(dst []float32, stride int, src []float32, ld, h, kb int, alpha float32) {
	n8 := kb / 8
	r := 0
	if n8 > 0 {
		for ; r+8 <= h; r += 8 {
			_, _ = src[(r+7)*ld+n8*8-1], dst[(n8*8-1)*stride+r+7]
			transpose8(n8, &src[r*ld], ld, &dst[r], stride, alpha)
		}
		for ; r+4 <= h; r += 4 {
			_, _ = src[(r+3)*ld+n8*8-1], dst[(n8*8-1)*stride+r+3]
			transpose4(n8, &src[r*ld], ld, &dst[r], stride, alpha)
		}
	}
	if r < h {
		packT(dst[r:], stride, src[r*ld:], ld, h-r, kb, alpha)
	}
	if tail := kb - n8*8; tail > 0 && r > 0 {
		packT(dst[n8*8*stride:], stride, src[n8*8:], ld, r, tail, alpha)
	}
}

// asmDots computes out[r] = x·b[r*ldb:] four rows at a time; the vector
// part of each row is computed identically by dot4 and dot1, and the
// scalar tail past the last whole vector is added last.
func asmDots(f asmFuncs, x, b []float32, ldb int, out []float32) {
	n := len(x)
	if n == 0 {
		clear(out)
		return
	}
	_ = b[(len(out)-1)*ldb+n-1]
	r := 0
	for ; r+4 <= len(out); r += 4 {
		f.dot4(n, &x[0], &b[r*ldb], ldb, &out[r])
	}
	for ; r < len(out); r++ {
		f.dot1(n, &x[0], &b[r*ldb], ldb, &out[r])
	}
	for r := range out {
		row := b[r*ldb : r*ldb+n]
		s := out[r]
		for i := n &^ (f.width - 1); i < n; i++ {
			s += x[i] * row[i]
		}
		out[r] = s
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
