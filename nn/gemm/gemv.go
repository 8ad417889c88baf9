package gemm

import "sync"

// runGemv computes products with few output rows without packing: m == 1,
// or m ≤ gemvRows with op(B) = Bᵀ. With op(B) = Bᵀ each output is a dot
// product of contiguous rows (a few rows of B at a time meet every row of
// A while they are in L1); otherwise the output block accumulates scaled
// rows of B. Outputs are stored every cinc elements of a row of C (the
// n == 1 case arrives here transposed). Threads own whole blocks of kern.nw
// columns, so no output's arithmetic depends on the thread count.
func runGemv(kern *kernel, threads int, p *problem, cinc int) {
	units := (p.n + kern.nw - 1) / kern.nw
	w := workers(threads, units, macs(p))
	if w <= 1 {
		gemvSerial(kern, p, cinc)
		return
	}
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	var xs [gemvRows][]float32
	gemvParallel(kern, w, units, p, gemvInputs(p, bufs, &xs), cinc)
}

// gemvSerial is runGemv on the calling goroutine; nothing it touches
// escapes, so it does not allocate.
func gemvSerial(kern *kernel, p *problem, cinc int) {
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	var xs [gemvRows][]float32
	gemvCols(kern, p, gemvInputs(p, bufs, &xs), 0, p.n, cinc)
}

// gemvInputs returns the p.m rows of op(A) as contiguous slices in xs
// (transposed into bufs.a when A is transposed).
func gemvInputs(p *problem, bufs *buffers, xs *[gemvRows][]float32) [][]float32 {
	if p.transA {
		bufs.a = aligned(bufs.a, p.m*p.k)
		for i := range p.m {
			x := bufs.a[i*p.k : (i+1)*p.k]
			for q := range x {
				x[q] = p.a[q*p.lda+i]
			}
			xs[i] = x
		}
	} else {
		for i := range p.m {
			xs[i] = p.a[i*p.lda : i*p.lda+p.k]
		}
	}
	return xs[:p.m]
}

// gemvParallel runs gemvCols on w goroutines owning whole blocks (of units).
func gemvParallel(kern *kernel, w, units int, p *problem, xs [][]float32, cinc int) {
	var wg sync.WaitGroup
	for t := range w {
		j0 := units * t / w * kern.nw
		j1 := min(units*(t+1)/w*kern.nw, p.n)
		wg.Go(func() { gemvCols(kern, p, xs, j0, j1, cinc) })
	}
	wg.Wait()
}

// dotGroup is how many rows of B meet every row of A at a time; a
// multiple of 4 whose rows fit L1 for usual k.
const dotGroup = 8

// gemvCols computes output columns j0..j1-1 (j0 a multiple of kern.nw) of
// the rows xs of op(A).
func gemvCols(kern *kernel, p *problem, xs [][]float32, j0, j1, cinc int) {
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	bufs.tile = aligned(bufs.tile, max(len(xs)*kern.nw, kern.mr*kern.nr))
	for jb := j0; jb < j1; jb += kern.nw {
		w := min(kern.nw, j1-jb)
		switch {
		case p.transB:
			for g := 0; g < w; g += dotGroup {
				b := p.b[(jb+g)*p.ldb:]
				for i, x := range xs {
					kern.dots(x, b, p.ldb, bufs.tile[i*kern.nw+g:i*kern.nw+min(g+dotGroup, w)])
				}
			}
		case w == kern.nw && kern.gemvN != nil:
			kern.gemvN(xs[0], p.b[jb:], p.ldb, bufs.tile[:w])
		default:
			y := bufs.tile[:w]
			clear(y)
			for q, xq := range xs[0] {
				kern.axpy(xq, p.b[q*p.ldb+jb:q*p.ldb+jb+w], y)
			}
		}
		for i := range xs {
			c := p.c[i*p.ldc:]
			for j, v := range bufs.tile[i*kern.nw : i*kern.nw+w] {
				finish(&c[(jb+j)*cinc], p, v)
			}
		}
	}
}

// finish stores alpha·v + beta·c into c, not reading c when beta is 0.
func finish(c *float32, p *problem, v float32) {
	v *= p.alpha
	if p.beta != 0 {
		v += p.beta * *c
	}
	*c = v
}

// transposeN turns an n == 1 product into the equivalent single-row one:
// C(m×1) = op(A)·op(B) is Cᵀ(1×m) = op(B)ᵀ·op(A)ᵀ, with C's elements ldc
// apart.
func transposeN(p *problem) problem {
	return problem{
		transA: !p.transB, transB: !p.transA,
		m: 1, n: p.m, k: p.k,
		alpha: p.alpha, a: p.b, lda: p.ldb,
		b: p.a, ldb: p.lda,
		beta: p.beta, c: p.c, ldc: 1,
	}
}

// dotsGo is the portable dots: out[r] = x·b[r*ldb:].
func dotsGo(x, b []float32, ldb int, out []float32) {
	for r := range out {
		out[r] = dotGo(x, b[r*ldb:r*ldb+len(x)])
	}
}

// dotGo is the portable dot product: four interleaved partial sums, then
// a fixed combination.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyGo is the portable y += alpha·x.
func axpyGo(alpha float32, x, y []float32) {
	x = x[:len(y)]
	for j, v := range x {
		y[j] += alpha * v
	}
}
