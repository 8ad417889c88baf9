package kernels

import "math"

// MaxPool2D writes, for every channel and window position of g, the maximum
// of the image cells under the window into out (C×OH×OW). Padding cells are
// -Inf, so they never win unless the whole window is padding. A NaN in the
// window propagates. len(img) >= g.ImageLen(), len(out) >= C*OH*OW.
func MaxPool2D(g Geom2D, img, out []float32) {
	ninf := float32(math.Inf(-1))
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		dst := out[c*g.OH*g.OW : (c+1)*g.OH*g.OW]
		for oh := 0; oh < g.OH; oh++ {
			h0 := oh*g.SH - g.PT
			for ow := 0; ow < g.OW; ow++ {
				w0 := ow*g.SW - g.PL
				m := ninf
				for kh := 0; kh < g.KH; kh++ {
					ih := h0 + kh*g.DH
					if ih < 0 || ih >= g.H {
						continue
					}
					r := plane[ih*g.W : (ih+1)*g.W]
					for kw := 0; kw < g.KW; kw++ {
						iw := w0 + kw*g.DW
						if iw < 0 || iw >= g.W {
							continue
						}
						if v := r[iw]; v > m || v != v {
							m = v
							if v != v {
								break
							}
						}
					}
				}
				dst[oh*g.OW+ow] = m
			}
		}
	}
}

// MeanPool2D writes the mean of every window into out (C×OH×OW). With
// countPad, padding cells count as zeros and the divisor is KH*KW; without
// it the divisor is the number of image cells under the window. Sums are
// accumulated in float64.
func MeanPool2D(g Geom2D, countPad bool, img, out []float32) {
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		dst := out[c*g.OH*g.OW : (c+1)*g.OH*g.OW]
		for oh := 0; oh < g.OH; oh++ {
			h0 := oh*g.SH - g.PT
			for ow := 0; ow < g.OW; ow++ {
				w0 := ow*g.SW - g.PL
				var s float64
				cells := 0
				for kh := 0; kh < g.KH; kh++ {
					ih := h0 + kh*g.DH
					if ih < 0 || ih >= g.H {
						continue
					}
					r := plane[ih*g.W : (ih+1)*g.W]
					for kw := 0; kw < g.KW; kw++ {
						iw := w0 + kw*g.DW
						if iw < 0 || iw >= g.W {
							continue
						}
						s += float64(r[iw])
						cells++
					}
				}
				div := g.KH * g.KW
				if !countPad {
					div = cells
				}
				if div == 0 {
					dst[oh*g.OW+ow] = 0
					continue
				}
				dst[oh*g.OW+ow] = float32(s / float64(div))
			}
		}
	}
}

// GlobalMax writes the maximum of each of the len(out) consecutive blocks of
// size inner of x into out (NaN propagates).
func GlobalMax(x []float32, inner int, out []float32) {
	for c := range out {
		blk := x[c*inner : (c+1)*inner]
		m := float32(math.Inf(-1))
		for _, v := range blk {
			if v > m || v != v {
				m = v
				if v != v {
					break
				}
			}
		}
		out[c] = m
	}
}

// GlobalMean writes the mean of each of the len(out) consecutive blocks of
// size inner of x into out, summing in float64.
func GlobalMean(x []float32, inner int, out []float32) {
	for c := range out {
		blk := x[c*inner : (c+1)*inner]
		var s float64
		for _, v := range blk {
			s += float64(v)
		}
		out[c] = float32(s / float64(inner))
	}
}
