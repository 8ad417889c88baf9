package gemm

import "sync"

// gemvBlock is the column block of the m == 1, op(B) = B path: threads own
// whole blocks, so a column's arithmetic never depends on the split.
const gemvBlock = 256

// runGemv computes a single output row (m == 1) without packing: with
// op(B) = Bᵀ each output is a dot product of contiguous rows, otherwise the
// output accumulates scaled rows of B.
func runGemv(kern *kernel, threads int, p *problem) {
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	x := p.a[:p.k]
	if p.transA {
		bufs.a = aligned(bufs.a, p.k)
		for q := range p.k {
			bufs.a[q] = p.a[q*p.lda]
		}
		x = bufs.a
	}
	units := (p.n + gemvBlock - 1) / gemvBlock
	w := workers(threads, units, p.n*p.k)
	if w <= 1 {
		gemvCols(kern, p, x, 0, p.n)
		return
	}
	var wg sync.WaitGroup
	for t := range w {
		j0 := units * t / w * gemvBlock
		j1 := min(units*(t+1)/w*gemvBlock, p.n)
		wg.Go(func() { gemvCols(kern, p, x, j0, j1) })
	}
	wg.Wait()
}

// gemvCols computes output columns j0..j1-1 of the m == 1 product.
func gemvCols(kern *kernel, p *problem, x []float32, j0, j1 int) {
	c := p.c[j0:j1]
	if p.transB {
		for j := range c {
			row := p.b[(j0+j)*p.ldb:]
			finish(&c[j], p, kern.dot(x, row[:p.k]))
		}
		return
	}
	var acc [gemvBlock]float32
	for jb := j0; jb < j1; jb += gemvBlock {
		w := min(gemvBlock, j1-jb)
		y := acc[:w]
		clear(y)
		for q, xq := range x {
			kern.axpy(xq, p.b[q*p.ldb+jb:q*p.ldb+jb+w], y)
		}
		for j, v := range y {
			finish(&c[jb-j0+j], p, v)
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
