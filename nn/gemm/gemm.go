// Package gemm multiplies float32 matrices: C = alpha*op(A)*op(B) + beta*C,
// row-major, as BLAS sgemm. It is the compute core of package nn.
//
// # Implementation
//
// The multiply is cache-blocked in the BLIS style: blocks of op(B) (KC×NC)
// and op(A) (MC×KC) are packed into contiguous, zero-padded panels and fed
// to a register-blocked micro-kernel. The micro-kernel is chosen once at
// start-up from the CPU features: Go assembly for AVX-512 (8×32 tile) or
// AVX2+FMA (6×16 tile) on amd64, portable Go elsewhere; [Kernel] names it.
// Shapes with a single output row or column (batch-1 inference) take a
// dedicated matrix-vector path that does not pack: dot products of four
// rows at a time when op(B) = Bᵀ, a register-resident block of outputs
// otherwise.
//
// Packing transposes row-major A and transposed B with AVX 8×8 shuffles.
// [SgemmThreads] shares each packed block of op(B) between goroutines that
// own disjoint whole tiles of rows of C (or splits the columns when C has
// few rows); products under about 2^18 multiply-adds per goroutine stay on
// one goroutine.
//
// Weights used for many products can be packed once with [PackB] and
// multiplied with [SgemmPacked], which skips the packing of op(B).
//
// # Determinism
//
// Every element of C is reduced over k in an order that depends only on the
// shape and the selected kernel, never on the number of threads: k is cut
// at fixed KC boundaries and threads own disjoint whole tiles of C. Results
// are therefore bitwise identical for every thread count and every call on
// the same machine. Different kernels (machines) agree only to rounding.
//
// # Preconditions
//
// m, n, k ≥ 0; lda ≥ max(1, columns of A as stored), likewise ldb, and
// ldc ≥ max(1, n); a, b and c hold at least (rows-1)*ld+cols elements of
// the matrices as stored. Violations are programmer errors and may panic.
// With beta == 0, C is not read, so NaNs in it do not propagate; with
// alpha == 0 or k == 0, A and B are not read.
package gemm

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose. op(A) is m×k, op(B) is k×n, C is m×n. lda, ldb
// and ldc are the row strides of A, B and C as stored. When beta is 0, C is
// not read (NaNs in it do not propagate). It uses one goroutine.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	SgemmThreads(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmThreads is Sgemm using up to threads goroutines (threads < 1 means 1).
// Results are bitwise identical for every thread count. Small products run
// on the calling goroutine whatever threads says.
func SgemmThreads(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if threads <= 1 {
		p := problem{
			transA: transA, transB: transB,
			m: m, n: n, k: k,
			alpha: alpha, a: a, lda: lda,
			b: b, ldb: ldb,
			beta: beta, c: c, ldc: ldc,
		}
		runSerial(selected, &p, nil)
		return
	}
	p := problem{
		transA: transA, transB: transB,
		m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda,
		b: b, ldb: ldb,
		beta: beta, c: c, ldc: ldc,
	}
	run(selected, threads, &p)
}

// Kernel names the micro-kernel path selected for this CPU, e.g.
// "avx512-8x32", "avx2-6x16" or "generic-4x4".
func Kernel() string {
	return selected.name
}

// problem is one GEMM call; sub-problems for threads are views of it.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

// scaleC sets C = beta*C (C = 0 when beta is 0, without reading C).
func scaleC(p *problem) {
	if p.beta == 1 {
		return
	}
	for i := 0; i < p.m; i++ {
		row := p.c[i*p.ldc : i*p.ldc+p.n]
		if p.beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= p.beta
		}
	}
}
