package kernels

// DepthwiseConv2D adds to out (OH×OW) the cross-correlation of the single
// image plane img (H×W, g.C is ignored) with the KH×KW kernel w, using the
// window geometry of g. For every kernel row and output row it handles the
// interior output columns, where every tap is inside the image, in one fused
// pass (all KW taps per output element; 3-wide stride-1 kernels unrolled),
// and the few border columns tap by tap. Each output element sums its terms
// in a fixed order.
func DepthwiseConv2D(g Geom2D, img, w, out []float32) {
	lo, hi := interior(g)
	fast3 := g.SW == 1 && g.KW == 3 && lo < hi
	for kh := 0; kh < g.KH; kh++ {
		wr := w[kh*g.KW : (kh+1)*g.KW]
		ohLo, ohHi := span(g.OH, g.SH, kh*g.DH-g.PT, g.H)
		for oh := ohLo; oh < ohHi; oh++ {
			ih := oh*g.SH + kh*g.DH - g.PT
			acc := out[oh*g.OW : (oh+1)*g.OW]
			row := img[ih*g.W : (ih+1)*g.W]
			dwBorder(g, acc, row, wr, 0, lo)
			if fast3 {
				a := acc[lo:hi]
				base := lo - g.PL
				r0 := row[base : base+len(a)]
				r1 := row[base+g.DW : base+g.DW+len(a)]
				r2 := row[base+2*g.DW : base+2*g.DW+len(a)]
				w0, w1, w2 := wr[0], wr[1], wr[2]
				for i := range a {
					a[i] += w0*r0[i] + w1*r1[i] + w2*r2[i]
				}
			} else {
				dwInterior(g, acc, row, wr, lo, hi)
			}
			dwBorder(g, acc, row, wr, hi, g.OW)
		}
	}
}

// interior returns the output columns [lo, hi) whose every tap lies inside
// the image row (an empty range is (0, 0)).
func interior(g Geom2D) (lo, hi int) {
	lo = (g.PL + g.SW - 1) / g.SW
	last := g.W - 1 + g.PL - (g.KW-1)*g.DW // ow*SW <= last
	if last < 0 {
		return 0, 0
	}
	hi = min(last/g.SW+1, g.OW)
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// dwBorder adds the taps of kernel row wr for output columns [a, b),
// checking each tap against the image bounds.
func dwBorder(g Geom2D, acc, row, wr []float32, a, b int) {
	for ow := a; ow < b; ow++ {
		base := ow*g.SW - g.PL
		s := acc[ow]
		for kw, wv := range wr {
			if iw := base + kw*g.DW; iw >= 0 && iw < g.W {
				s += wv * row[iw]
			}
		}
		acc[ow] = s
	}
}

// dwInterior adds the taps of kernel row wr for output columns [lo, hi),
// all of which are inside the image.
func dwInterior(g Geom2D, acc, row, wr []float32, lo, hi int) {
	if lo >= hi {
		return
	}
	a := acc[lo:hi]
	base := lo*g.SW - g.PL
	for i := range a {
		p := base + i*g.SW
		s := a[i]
		for kw, wv := range wr {
			s += wv * row[p+kw*g.DW]
		}
		a[i] = s
	}
}
