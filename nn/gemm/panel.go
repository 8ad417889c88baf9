package gemm

// Panel products: for callers that produce op(B) themselves, one column
// panel at a time, directly in the packed layout (a convolution writing
// its im2col columns straight into a panel, so the column matrix is never
// materialised nor packed a second time). A is packed once ([PackA]);
// each panel of [PanelWidth] columns is multiplied against it by
// [MulPanel] while it is hot in cache.
//
// Layouts: a packed A holds ceil(m/mr) panels of mr rows, panel r storing
// for each p < k the mr values A[r*mr+i][p] (zero past row m); a B panel
// holds, for each p < k, PanelWidth() values B[p][j] (zero past the last
// valid column). Both are contiguous in p, so any k blocking reads them
// in place.

// PackedA is a row-major m×k matrix A packed once for [MulPanel], such as
// the weights of a convolution. It is immutable and safe for concurrent
// use.
type PackedA struct {
	kern *kernel
	m, k int
	data []float32
}

// PackA packs the m×k row-major matrix a (row stride lda >= k) for
// [MulPanel] with the selected kernel. It allocates about m·k float32.
func PackA(m, k int, a []float32, lda int) *PackedA {
	return packAWith(selected, m, k, a, lda)
}

// packAWith is PackA for a given kernel.
func packAWith(kern *kernel, m, k int, a []float32, lda int) *PackedA {
	pa := &PackedA{kern: kern, m: max(m, 0), k: max(k, 0)}
	if pa.m == 0 || pa.k == 0 {
		return pa
	}
	mr := kern.mr
	pa.data = aligned(nil, roundUp(pa.m, mr)*pa.k)
	for r := 0; r < pa.m; r += mr {
		panel := pa.data[r*pa.k : (r+mr)*pa.k]
		for i := range min(mr, pa.m-r) {
			row := a[(r+i)*lda : (r+i)*lda+pa.k]
			for p, v := range row {
				panel[p*mr+i] = v
			}
		}
	}
	return pa
}

// M returns the number of rows of A.
func (pa *PackedA) M() int { return pa.m }

// K returns the number of columns of A.
func (pa *PackedA) K() int { return pa.k }

// PanelWidth returns the number of columns of a B panel for [MulPanel]
// (the selected micro-kernel's tile width).
func PanelWidth() int { return selected.nr }

// MulPanel sets C[i][j] = Σ_p A[i][p]·B[p][j] for i < pa.M() and j < w,
// with B one packed panel (k×PanelWidth(), see the package layout notes)
// and 1 <= w <= PanelWidth() valid columns; c holds rows of at least w
// elements ldc apart. k is cut at the same boundaries as in [Sgemm], so
// each element is reduced in an order that depends only on k and the
// kernel. It uses the calling goroutine and does not allocate.
func MulPanel(pa *PackedA, b []float32, w int, c []float32, ldc int) {
	kern := pa.kern
	if pa.m == 0 || w <= 0 {
		return
	}
	if pa.k == 0 {
		for i := range pa.m {
			clear(c[i*ldc : i*ldc+w])
		}
		return
	}
	mr, nr := kern.mr, kern.nr
	var tile []float32
	if pa.m%mr != 0 || w < nr {
		bufs := bufPool.Get().(*buffers)
		defer bufPool.Put(bufs)
		bufs.tile = aligned(bufs.tile, mr*nr)
		tile = bufs.tile
	}
	kc := kBlock(kern, pa.k)
	for pc := 0; pc < pa.k; pc += kc {
		kb := min(kc, pa.k-pc)
		beta, load := float32(0), false
		if pc > 0 {
			beta, load = 1, true
		}
		bs := b[pc*nr : (pc+kb)*nr]
		for r := 0; r < pa.m; r += mr {
			as := pa.data[r*pa.k+pc*mr : r*pa.k+(pc+kb)*mr]
			h := min(mr, pa.m-r)
			if h == mr && w == nr {
				kern.micro(kb, as, bs, c[r*ldc:], ldc, beta, load)
				continue
			}
			edgeTile(kern, tile, kb, as, bs, c[r*ldc:], ldc, h, w, beta, load)
		}
	}
}

// PaddedM returns the number of rows of A rounded up to the kernel's tile
// height: the rows [MulPanelFull] writes (rows past M() are zero).
func (pa *PackedA) PaddedM() int { return roundUp(pa.m, pa.kern.mr) }

// MulPanelFull is [MulPanel] over every column of the panel and every
// padded row: c must hold PaddedM() rows of PanelWidth() values, ldc apart.
// Rows past M() are scratch (A's zero padding rows times B: zero for
// finite B). With no edge tiles it runs the micro-kernel alone; elements
// of the first M() rows are bitwise equal to MulPanel's.
func MulPanelFull(pa *PackedA, b []float32, c []float32, ldc int) {
	kern := pa.kern
	mp := pa.PaddedM()
	nr := kern.nr
	if mp == 0 {
		return
	}
	if pa.k == 0 {
		for i := range mp {
			clear(c[i*ldc : i*ldc+nr])
		}
		return
	}
	kc := kBlock(kern, pa.k)
	for pc := 0; pc < pa.k; pc += kc {
		kb := min(kc, pa.k-pc)
		beta, load := float32(0), false
		if pc > 0 {
			beta, load = 1, true
		}
		bs := b[pc*nr : (pc+kb)*nr]
		for r := 0; r < mp; r += kern.mr {
			kern.micro(kb, pa.data[r*pa.k+pc*kern.mr:r*pa.k+(pc+kb)*kern.mr], bs, c[r*ldc:], ldc, beta, load)
		}
	}
}
