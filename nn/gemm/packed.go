package gemm

// PackedB is op(B) packed once for many products with different A, such as
// the weights of a layer. It is immutable and safe for concurrent use; it
// keeps a reference to B (used by the single-row paths), which must not
// change while the PackedB is in use.
type PackedB struct {
	kern   *kernel
	transB bool
	k, n   int
	b      []float32
	ldb    int
	kc, nc int
	data   []float32
	offs   []int // start of block (jc/nc, pc/kc) at offs[jc/nc*nkb+pc/kc]
}

// PackB packs op(B), k×n, for [SgemmPacked], with the same preconditions
// on b and ldb as [Sgemm]. It allocates about k·n float32.
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	return packWith(selected, transB, k, n, b, ldb)
}

// packWith is PackB for a given kernel.
func packWith(kern *kernel, transB bool, k, n int, b []float32, ldb int) *PackedB {
	pb := &PackedB{kern: kern, transB: transB, k: max(k, 0), n: max(n, 0), b: b, ldb: ldb}
	if pb.k == 0 || pb.n == 0 {
		return pb
	}
	pb.kc = kBlock(kern, pb.k)
	pb.nc = min(kern.nc, roundUp(pb.n, kern.nr))
	pb.data = aligned(nil, roundUp(pb.n, kern.nr)*pb.k)
	p := problem{transB: transB, k: pb.k, n: pb.n, b: b, ldb: ldb}
	off := 0
	for jc := 0; jc < pb.n; jc += pb.nc {
		nb := min(pb.nc, pb.n-jc)
		for pc := 0; pc < pb.k; pc += pb.kc {
			kb := min(pb.kc, pb.k-pc)
			pb.offs = append(pb.offs, off)
			packB(kern, pb.data[off:], &p, pc, jc, kb, nb)
			off += roundUp(nb, kern.nr) * kb
		}
	}
	return pb
}

// block returns the packed block of op(B) at (pc, jc).
func (pb *PackedB) block(jc, pc int) []float32 {
	nkb := (pb.k + pb.kc - 1) / pb.kc
	return pb.data[pb.offs[jc/pb.nc*nkb+pc/pb.kc]:]
}

// K returns the number of rows of op(B).
func (pb *PackedB) K() int { return pb.k }

// N returns the number of columns of op(B).
func (pb *PackedB) N() int { return pb.n }

// SgemmPacked computes C = alpha*op(A)*op(B) + beta*C like [SgemmThreads],
// with op(B) (k×n) taken from pb. The result is bitwise identical to
// SgemmThreads with the original B, for every thread count.
func SgemmPacked(threads int, transA bool, m int, alpha float32, a []float32, lda int, pb *PackedB, beta float32, c []float32, ldc int) {
	if threads <= 1 {
		p := problem{
			transA: transA, transB: pb.transB,
			m: m, n: pb.n, k: pb.k,
			alpha: alpha, a: a, lda: lda,
			b: pb.b, ldb: pb.ldb,
			beta: beta, c: c, ldc: ldc,
		}
		runSerial(pb.kern, &p, pb)
		return
	}
	p := problem{
		transA: transA, transB: pb.transB,
		m: m, n: pb.n, k: pb.k,
		alpha: alpha, a: a, lda: lda,
		b: pb.b, ldb: pb.ldb,
		beta: beta, c: c, ldc: ldc,
	}
	runWith(pb.kern, threads, &p, pb)
}
