package kernels

import "math"

// taps returns the half-open range of kernel taps k in [0, K) for which
// 0 <= start+k*dil < n.
func taps(start, dil, k, n int) (lo, hi int) {
	if start < 0 {
		lo = (-start + dil - 1) / dil
	}
	last := n - 1 - start
	if last < 0 {
		return 0, 0
	}
	hi = min(k, last/dil+1)
	return min(lo, hi), hi
}

// MaxPool2D writes, for every channel and window position of g, the maximum
// of the image cells under the window into out (C×OH×OW). Padding cells are
// -Inf, so they never win unless the whole window is padding. A NaN in the
// window propagates. len(img) >= g.ImageLen(), len(out) >= C*OH*OW.
func MaxPool2D(g Geom2D, img, out []float32) {
	if g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.DH == 1 && g.DW == 1 &&
		g.PT+g.PB+g.PL+g.PR == 0 {
		maxPool2x2(g, img, out)
		return
	}
	poolRows(g, img, out, true, false)
}

// maxPool2x2 is MaxPool2D for the common 2×2, stride 2, unpadded window.
// max is exact and order-independent (NaN propagates whatever its
// position), so the result equals the general path's.
func maxPool2x2(g Geom2D, img, out []float32) {
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for oh := 0; oh < g.OH; oh++ {
			acc := out[(c*g.OH+oh)*g.OW : (c*g.OH+oh+1)*g.OW]
			r0 := plane[2*oh*g.W : 2*oh*g.W+2*g.OW]
			r1 := plane[(2*oh+1)*g.W : (2*oh+1)*g.W+2*g.OW]
			for ow := range acc {
				acc[ow] = max(max(r0[2*ow], r0[2*ow+1]), max(r1[2*ow], r1[2*ow+1]))
			}
		}
	}
}

// MeanPool2D writes the mean of every window into out (C×OH×OW). With
// countPad, padding cells count as zeros and the divisor is KH*KW; without
// it the divisor is the number of image cells under the window. Sums are
// accumulated in float32 in a fixed order (tap by tap).
func MeanPool2D(g Geom2D, countPad bool, img, out []float32) {
	poolRows(g, img, out, false, countPad)
}

// poolRows computes one output row at a time, tap by tap: the inner loop
// runs over the output positions, so consecutive operations are independent.
func poolRows(g Geom2D, img, out []float32, isMax, countPad bool) {
	init := float32(0)
	if isMax {
		init = float32(math.Inf(-1))
	}
	for c := 0; c < g.C; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for oh := 0; oh < g.OH; oh++ {
			acc := out[(c*g.OH+oh)*g.OW : (c*g.OH+oh+1)*g.OW]
			for i := range acc {
				acc[i] = init
			}
			h0 := oh*g.SH - g.PT
			khLo, khHi := taps(h0, g.DH, g.KH, g.H)
			for kh := khLo; kh < khHi; kh++ {
				row := plane[(h0+kh*g.DH)*g.W : (h0+kh*g.DH+1)*g.W]
				for kw := 0; kw < g.KW; kw++ {
					poolTap(g, acc, row, kw*g.DW-g.PL, isMax)
				}
			}
			if !isMax {
				meanDivide(g, acc, khHi-khLo, countPad)
			}
		}
	}
}

// poolTap folds tap offset off of one image row into the accumulators.
func poolTap(g Geom2D, acc, row []float32, off int, isMax bool) {
	lo, hi := span(g.OW, g.SW, off, g.W)
	iw := lo*g.SW + off
	if isMax {
		for ow := lo; ow < hi; ow++ {
			acc[ow] = max(acc[ow], row[iw])
			iw += g.SW
		}
		return
	}
	for ow := lo; ow < hi; ow++ {
		acc[ow] += row[iw]
		iw += g.SW
	}
}

// meanDivide turns the window sums of one output row into means; rows is
// the number of kernel rows inside the image.
func meanDivide(g Geom2D, acc []float32, rows int, countPad bool) {
	if countPad {
		inv := 1 / float32(g.KH*g.KW)
		for i := range acc {
			acc[i] *= inv
		}
		return
	}
	for ow := range acc {
		lo, hi := taps(ow*g.SW-g.PL, g.DW, g.KW, g.W)
		if n := rows * (hi - lo); n > 0 {
			acc[ow] /= float32(n)
		} else {
			acc[ow] = 0
		}
	}
}

// GlobalMax writes the maximum of each of the len(out) consecutive blocks of
// size inner of x into out (NaN propagates).
func GlobalMax(x []float32, inner int, out []float32) {
	for c := range out {
		blk := x[c*inner : (c+1)*inner]
		m0, m1, m2, m3 := blk[0], blk[0], blk[0], blk[0]
		i := 0
		for ; i+4 <= len(blk); i += 4 {
			m0, m1, m2, m3 = max(m0, blk[i]), max(m1, blk[i+1]), max(m2, blk[i+2]), max(m3, blk[i+3])
		}
		for ; i < len(blk); i++ {
			m0 = max(m0, blk[i])
		}
		out[c] = max(max(m0, m1), max(m2, m3))
	}
}

// GlobalMean writes the mean of each of the len(out) consecutive blocks of
// size inner of x into out, summing in float64 with four interleaved
// partial sums (a fixed order).
func GlobalMean(x []float32, inner int, out []float32) {
	for c := range out {
		blk := x[c*inner : (c+1)*inner]
		var s0, s1, s2, s3 float64
		i := 0
		for ; i+4 <= len(blk); i += 4 {
			s0 += float64(blk[i])
			s1 += float64(blk[i+1])
			s2 += float64(blk[i+2])
			s3 += float64(blk[i+3])
		}
		for ; i < len(blk); i++ {
			s0 += float64(blk[i])
		}
		out[c] = float32((s0 + s1 + s2 + s3) / float64(inner))
	}
}
