package kernels

// DepthwiseConv2D adds to out (OH×OW) the cross-correlation of the single
// image plane img (H×W, g.C is ignored) with the KH×KW kernel w, using the
// window geometry of g. It runs tap by tap over whole output rows, so the
// inner loop has no dependency chain; each output element sums its taps in
// the fixed order (kh, kw).
func DepthwiseConv2D(g Geom2D, img, w, out []float32) {
	for oh := 0; oh < g.OH; oh++ {
		acc := out[oh*g.OW : (oh+1)*g.OW]
		h0 := oh*g.SH - g.PT
		khLo, khHi := taps(h0, g.DH, g.KH, g.H)
		for kh := khLo; kh < khHi; kh++ {
			row := img[(h0+kh*g.DH)*g.W : (h0+kh*g.DH+1)*g.W]
			for kw := 0; kw < g.KW; kw++ {
				wv := w[kh*g.KW+kw]
				off := kw*g.DW - g.PL
				lo, hi := span(g.OW, g.SW, off, g.W)
				if lo == hi {
					continue
				}
				iw := lo*g.SW + off
				if g.SW == 1 {
					a, r := acc[lo:hi], row[iw:iw+hi-lo]
					for i, v := range r {
						a[i] += wv * v
					}
					continue
				}
				for ow := lo; ow < hi; ow++ {
					acc[ow] += wv * row[iw]
					iw += g.SW
				}
			}
		}
	}
}
