package gemm

import (
	"sync"
	"unsafe"
)

// microFunc computes one mr×nr tile of C from packed panels: with
// acc[i][j] = Σ_{p<kc} a[p*mr+i]·b[p*nr+j] accumulated in increasing p, it
// stores c[i*ldc+j] = acc[i][j] when load is false, and
// c[i*ldc+j] = beta·c[i*ldc+j] + acc[i][j] when load is true. Its rounding
// must depend only on its inputs (it is the unit of determinism).
type microFunc func(kc int, a, b, c []float32, ldc int, beta float32, load bool)

// kernel is one implementation path: a micro-kernel, its tile shape and the
// cache blocking tuned for it. Values are immutable after construction.
type kernel struct {
	name   string
	mr, nr int // micro-tile rows and columns
	kc     int // k block: each block is one read-modify-write pass over C
	mc     int // m block (multiple of mr): A block mc×kc + B panel kc×nr fit L2
	nc     int // n block (multiple of nr): packed B block kc×nc stays in L3
	micro  microFunc
	// nw is the column block of the single-row path (a multiple of 4).
	nw int
	// dots sets out[r] = Σ_p x[p]·b[r*ldb+p], p < len(x), each row in an
	// order independent of r and len(out).
	dots func(x, b []float32, ldb int, out []float32)
	// gemvN, if not nil, sets y[j] = Σ_p x[p]·b[p*ldb+j] for j < nw.
	gemvN func(x, b []float32, ldb int, y []float32)
	// axpy computes y[j] += alpha·x[j] for len(y) ≤ len(x).
	axpy func(alpha float32, x, y []float32)
	// transpose sets dst[q*stride+r] = alpha·src[r*ld+q] for r < h,
	// q < kb, multiplying exactly once (see packT).
	transpose func(dst []float32, stride int, src []float32, ld, h, kb int, alpha float32)
}

// minWorkPerThread is the number of multiply-adds (m·n·k) below which an
// extra goroutine costs more than it saves.
const minWorkPerThread = 1 << 18

// gemvRows is the largest m for which a product with op(B) = Bᵀ runs as
// m single-row products instead of packing B.
const gemvRows = 8

// run dispatches p on kern using up to threads goroutines.
func run(kern *kernel, threads int, p *problem) {
	runWith(kern, threads, p, nil)
}

// runWith is run with op(B) optionally already packed in pb (for kern and
// p's k and n); the single-row paths read p.b instead.
func runWith(kern *kernel, threads int, p *problem, pb *PackedB) {
	if p.m <= 0 || p.n <= 0 {
		return
	}
	if p.k <= 0 || p.alpha == 0 {
		scaleC(p)
		return
	}
	if runRows(kern, threads, p) {
		return
	}
	mt := (p.m + kern.mr - 1) / kern.mr
	nt := (p.n + kern.nr - 1) / kern.nr
	if pb != nil {
		runSharedB(kern, workers(threads, mt, macs(p)), p, pb)
		return
	}
	if mt >= nt || mt >= 4*threads {
		if w := workers(threads, mt, macs(p)); w > 1 {
			runSharedB(kern, w, p, nil)
			return
		}
	} else if w := workers(threads, nt, macs(p)); w > 1 {
		runSplitN(kern, w, nt, p)
		return
	}
	runBlocked(kern, p)
}

// runSerial is runWith for one goroutine: the same paths, blocks and
// tiles (so the same bits), with no goroutines and, after warm-up, no
// allocations (nothing it is given escapes).
func runSerial(kern *kernel, p *problem, pb *PackedB) {
	if p.m <= 0 || p.n <= 0 {
		return
	}
	if p.k <= 0 || p.alpha == 0 {
		scaleC(p)
		return
	}
	switch {
	case p.m == 1, p.m <= gemvRows && p.transB:
		gemvSerial(kern, p, 1)
	case p.n == 1:
		t := transposeN(p)
		gemvSerial(kern, &t, p.ldc)
	case pb != nil:
		runPackedSerial(kern, p, pb)
	default:
		runBlocked(kern, p)
	}
}

// runRows handles the shapes that take the unpacked single-row path and
// reports whether p was one of them: m == 1, n == 1, and m ≤ gemvRows with
// op(B) = Bᵀ (where transposing B for packing costs more than reading it m
// times).
func runRows(kern *kernel, threads int, p *problem) bool {
	switch {
	case p.m == 1, p.m <= gemvRows && p.transB:
		runGemv(kern, threads, p, 1)
	case p.n == 1:
		t := transposeN(p)
		runGemv(kern, threads, &t, p.ldc)
	default:
		return false
	}
	return true
}

// runSplitN computes p on w goroutines that each own whole tiles of
// columns of C (of nt in all) and pack their own part of op(B).
func runSplitN(kern *kernel, w, nt int, p *problem) {
	var wg sync.WaitGroup
	for t := range w {
		j0, j1 := nt*t/w*kern.nr, min(nt*(t+1)/w*kern.nr, p.n)
		sub := *p
		sub.n = j1 - j0
		sub.b = offsetB(p, j0)
		sub.c = p.c[j0:]
		wg.Go(func() { runBlocked(kern, &sub) })
	}
	wg.Wait()
}

// macs is the number of multiply-adds of p, as a float64 so the product
// cannot overflow.
func macs(p *problem) float64 {
	return float64(p.m) * float64(p.n) * float64(p.k)
}

// workers is how many goroutines to use for units independent pieces of
// work totalling macs multiply-adds.
func workers(threads, units int, macs float64) int {
	w := max(threads, 1)
	w = min(w, units)
	if byWork := macs / minWorkPerThread; byWork < float64(w) {
		w = max(int(byWork), 1)
	}
	return w
}

// offsetB returns B starting at column j0 of op(B).
func offsetB(p *problem, j0 int) []float32 {
	if p.transB {
		return p.b[j0*p.ldb:]
	}
	return p.b[j0:]
}

// buffers are the packing areas of one goroutine.
type buffers struct {
	a, b []float32
	tile []float32
}

var bufPool = sync.Pool{New: func() any { return new(buffers) }}

// aligned returns a slice of n float32 whose first element is 64-byte
// aligned, reusing buf (contents and all) when it is large enough; a new
// slice is zeroed.
func aligned(buf []float32, n int) []float32 {
	if cap(buf) >= n && uintptr(unsafe.Pointer(unsafe.SliceData(buf)))%64 == 0 {
		return buf[:n]
	}
	raw := make([]float32, n+16)
	off := int((64 - uintptr(unsafe.Pointer(&raw[0]))%64) % 64 / 4)
	return raw[off : off+n : off+n]
}

// kBlock returns the k block size for k: at most kern.kc, split evenly so
// the last block is not tiny. It depends only on k and kern.
func kBlock(kern *kernel, k int) int {
	nb := (k + kern.kc - 1) / kern.kc
	return (k + nb - 1) / nb
}

// runBlocked computes p on the calling goroutine.
func runBlocked(kern *kernel, p *problem) {
	if p.m <= 0 || p.n <= 0 {
		return
	}
	bufs := bufPool.Get().(*buffers)
	defer bufPool.Put(bufs)
	kc := kBlock(kern, p.k)
	mc := min(kern.mc, roundUp(p.m, kern.mr))
	nc := min(kern.nc, roundUp(p.n, kern.nr))
	bufs.a = aligned(bufs.a, mc*kc)
	bufs.b = aligned(bufs.b, nc*kc)
	bufs.tile = aligned(bufs.tile, kern.mr*kern.nr)
	for jc := 0; jc < p.n; jc += nc {
		nb := min(nc, p.n-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			packB(kern, bufs.b, p, pc, jc, kb, nb)
			beta, load := p.beta, p.beta != 0
			if pc > 0 {
				beta, load = 1, true
			}
			for ic := 0; ic < p.m; ic += mc {
				mb := min(mc, p.m-ic)
				packA(kern, bufs.a, p, ic, pc, mb, kb)
				macroTile(kern, bufs.a, bufs.b, bufs.tile, p, ic, jc, mb, nb, kb, beta, load)
			}
		}
	}
}

// macroTile runs the micro-kernel over one packed mb×nb block of C at
// (ic, jc); edge tiles go through the scratch tile so the arithmetic is the
// same as for full tiles.
func macroTile(kern *kernel, ap, bp, tile []float32, p *problem, ic, jc, mb, nb, kb int, beta float32, load bool) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nb; jr += nr {
		bs := bp[jr*kb : (jr+nr)*kb]
		w := min(nr, nb-jr)
		for ir := 0; ir < mb; ir += mr {
			as := ap[ir*kb : (ir+mr)*kb]
			h := min(mr, mb-ir)
			off := (ic+ir)*p.ldc + jc + jr
			if h == mr && w == nr {
				kern.micro(kb, as, bs, p.c[off:], p.ldc, beta, load)
				continue
			}
			edgeTile(kern, tile, kb, as, bs, p.c[off:], p.ldc, h, w, beta, load)
		}
	}
}

// edgeTile computes an h×w corner of a tile through the scratch tile.
func edgeTile(kern *kernel, tile []float32, kb int, ap, bp, c []float32, ldc, h, w int, beta float32, load bool) {
	nr := kern.nr
	if load {
		for i := range h {
			copy(tile[i*nr:i*nr+w], c[i*ldc:i*ldc+w])
		}
	}
	kern.micro(kb, ap, bp, tile, nr, beta, load)
	for i := range h {
		copy(c[i*ldc:i*ldc+w], tile[i*nr:i*nr+w])
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }
