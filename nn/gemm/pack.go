package gemm

// packA copies the mb×kb block of alpha·op(A) at (i0, p0) into dst as
// consecutive panels of mr rows: panel r holds, for each p, the mr values
// of rows r*mr..r*mr+mr-1, zero past row mb.
func packA(mr int, dst []float32, p *problem, i0, p0, mb, kb int) {
	alpha := p.alpha
	for r := 0; r < mb; r += mr {
		h := min(mr, mb-r)
		panel := dst[r*kb : (r+mr)*kb]
		if h < mr {
			clear(panel)
		}
		if p.transA {
			// op(A)(i, q) = a[q*lda+i]: rows of the panel are contiguous.
			for q := range kb {
				src := p.a[(p0+q)*p.lda+i0+r:]
				src = src[:h]
				out := panel[q*mr : q*mr+h]
				for i, v := range src {
					out[i] = alpha * v
				}
			}
			continue
		}
		for i := range h {
			src := p.a[(i0+r+i)*p.lda+p0:]
			src = src[:kb]
			for q, v := range src {
				panel[q*mr+i] = alpha * v
			}
		}
	}
}

// packB copies the kb×nb block of op(B) at (p0, j0) into dst as consecutive
// panels of nr columns: panel s holds, for each p, the nr values of columns
// s*nr..s*nr+nr-1, zero past column nb.
func packB(nr int, dst []float32, p *problem, p0, j0, kb, nb int) {
	for s := 0; s < nb; s += nr {
		w := min(nr, nb-s)
		panel := dst[s*kb : (s+nr)*kb]
		if w < nr {
			clear(panel)
		}
		if p.transB {
			// op(B)(q, j) = b[j*ldb+q].
			for j := range w {
				src := p.b[(j0+s+j)*p.ldb+p0:]
				src = src[:kb]
				for q, v := range src {
					panel[q*nr+j] = v
				}
			}
			continue
		}
		for q := range kb {
			src := p.b[(p0+q)*p.ldb+j0+s:]
			copy(panel[q*nr:q*nr+w], src[:w])
		}
	}
}
