package gemm

// packA copies the mb×kb block of alpha·op(A) at (i0, p0) into dst as
// consecutive panels of mr rows: panel r holds, for each p, the mr values
// of rows r*mr..r*mr+mr-1, zero past row mb.
func packA(mr int, dst []float32, p *problem, i0, p0, mb, kb int) {
	for r := 0; r < mb; r += mr {
		h := min(mr, mb-r)
		panel := dst[r*kb : (r+mr)*kb]
		if h < mr {
			clear(panel)
		}
		if p.transA {
			packRows(panel, mr, p.a[(p0)*p.lda+i0+r:], p.lda, kb, h, p.alpha)
			continue
		}
		for i := range h {
			src := p.a[(i0+r+i)*p.lda+p0:]
			scatter(panel[i:], mr, src[:kb], p.alpha)
		}
	}
}

// packB copies the kb×nb block of op(B) at (p0, j0) into dst as consecutive
// panels of nr columns: panel s holds, for each p, the nr values of columns
// s*nr..s*nr+nr-1, zero past column nb.
func packB(nr int, dst []float32, p *problem, p0, j0, kb, nb int) {
	if nb%nr != 0 {
		last := nb / nr * nr
		clear(dst[last*kb : (last+nr)*kb])
	}
	if p.transB {
		// op(B)(q, j) = b[j*ldb+q]: each column of op(B) is contiguous.
		for s := 0; s < nb; s += nr {
			panel := dst[s*kb : (s+nr)*kb]
			for j := range min(nr, nb-s) {
				src := p.b[(j0+s+j)*p.ldb+p0:]
				scatter(panel[j:], nr, src[:kb], 1)
			}
		}
		return
	}
	// Row by row, so the source is read sequentially.
	for q := range kb {
		src := p.b[(p0+q)*p.ldb+j0:]
		src = src[:nb]
		for s := 0; s < nb; s += nr {
			w := min(nr, nb-s)
			copy(dst[s*kb+q*nr:s*kb+q*nr+w], src[s:s+w])
		}
	}
}

// packRows copies h ≤ mr contiguous values from each of kb rows of src
// (stride ld) into consecutive groups of mr in dst, scaled by alpha.
func packRows(dst []float32, mr int, src []float32, ld, kb, h int, alpha float32) {
	for q := range kb {
		row := src[q*ld : q*ld+h]
		out := dst[q*mr : q*mr+h]
		if alpha == 1 {
			copy(out, row)
			continue
		}
		for i, v := range row {
			out[i] = alpha * v
		}
	}
}

// scatter writes alpha·src[q] to dst[q*stride] for every q.
func scatter(dst []float32, stride int, src []float32, alpha float32) {
	if len(src) == 0 {
		return
	}
	_ = dst[(len(src)-1)*stride]
	if alpha == 1 {
		for q, v := range src {
			dst[q*stride] = v
		}
		return
	}
	for q, v := range src {
		dst[q*stride] = alpha * v
	}
}
