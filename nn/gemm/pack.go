package gemm

// packA copies the mb×kb block of alpha·op(A) at (i0, p0) into dst as
// consecutive panels of mr rows: panel r holds, for each p, the mr values
// of rows r*mr..r*mr+mr-1, zero past row mb.
func packA(kern *kernel, dst []float32, p *problem, i0, p0, mb, kb int) {
	mr := kern.mr
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
		kern.transpose(panel, mr, p.a[(i0+r)*p.lda+p0:], p.lda, h, kb, p.alpha)
	}
}

// packB copies the kb×nb block of op(B) at (p0, j0) into dst as consecutive
// panels of nr columns: panel s holds, for each p, the nr values of columns
// s*nr..s*nr+nr-1, zero past column nb.
func packB(kern *kernel, dst []float32, p *problem, p0, j0, kb, nb int) {
	nr := kern.nr
	if nb%nr != 0 {
		last := nb / nr * nr
		clear(dst[last*kb : (last+nr)*kb])
	}
	if p.transB {
		// op(B)(q, j) = b[j*ldb+q]: each column of op(B) is contiguous.
		for s := 0; s < nb; s += nr {
			panel := dst[s*kb : (s+nr)*kb]
			kern.transpose(panel, nr, p.b[(j0+s)*p.ldb+p0:], p.ldb, min(nr, nb-s), kb, 1)
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

// packT transposes h rows of src (ld apart, kb values each) into dst:
// dst[q*stride+r] = alpha·src[r*ld+q]. It works in blocks of tq values of
// q so the part of dst being written stays in L1.
func packT(dst []float32, stride int, src []float32, ld, h, kb int, alpha float32) {
	const tq = 16
	for q0 := 0; q0 < kb; q0 += tq {
		qn := min(tq, kb-q0)
		out := dst[q0*stride : (q0+qn-1)*stride+h]
		for r := range h {
			row := src[r*ld+q0 : r*ld+q0+qn]
			o := out[r:]
			if alpha == 1 {
				for t, v := range row {
					o[t*stride] = v
				}
				continue
			}
			for t, v := range row {
				o[t*stride] = alpha * v
			}
		}
	}
}
