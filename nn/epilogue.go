package nn

// Output epilogues of the matrix-product layers: bias and ReLU applied in
// one pass while the output is in cache. Vector kernels (where the CPU has
// them) compute the same bits as the loops here.

// biasReLU sets dst[i] = max(src[i]+b, 0) (len(src) >= len(dst); dst and
// src may be the same slice).
func biasReLU(dst, src []float32, b float32) {
	i := vecBiasReLU(dst, src, b)
	dst, src = dst[i:], src[i:len(dst)]
	for j, v := range src {
		dst[j] = max(v+b, 0)
	}
}

// biasAdd sets dst[i] = src[i] + b.
func biasAdd(dst, src []float32, b float32) {
	i := vecBiasAdd(dst, src, b)
	dst, src = dst[i:], src[i:len(dst)]
	for j, v := range src {
		dst[j] = v + b
	}
}

// addBiasReLU sets y[i] = max(y[i]+b[i], 0) (len(y) == len(b)).
func addBiasReLU(y, b []float32) {
	y = y[:len(b)]
	i := vecAddReLU(y, b)
	y, b = y[i:], b[i:]
	for j, v := range b {
		y[j] = max(y[j]+v, 0)
	}
}

// actReLU applies ReLU in place (NaN stays NaN, -0 becomes +0).
func actReLU(x []float32) { biasReLU(x, x, 0) }

// gatherRowsGo is the portable gatherRows.
func gatherRowsGo(dst, src []float32, offs []int, nr int) {
	for q, off := range offs {
		copy(dst[q*nr:(q+1)*nr], src[off:off+nr])
	}
}

// storeRunsGo sets dst[y0+i] = src[t0+i] + b (then ReLU when relu) for
// every triple (t0, y0, n) of runs and i < n.
func storeRunsGo(dst, src []float32, runs []int, b float32, relu bool) {
	for r := 0; r+3 <= len(runs); r += 3 {
		t0, y0, n := runs[r], runs[r+1], runs[r+2]
		if relu {
			biasReLU(dst[y0:y0+n], src[t0:t0+n], b)
		} else {
			biasAdd(dst[y0:y0+n], src[t0:t0+n], b)
		}
	}
}

// storeTileGo is the portable storeTile.
func storeTileGo(y, tile, bias []float32, runs []int, fg, ldy, ldt int, relu bool) {
	for f := range fg {
		storeRunsGo(y[f*ldy:(f+1)*ldy], tile[f*ldt:(f+1)*ldt], runs, bias[f], relu)
	}
}

// copyRowsGo sets dst[r*ldd+i] = src[r*lds+i] for r < rows and i < w.
func copyRowsGo(dst, src []float32, rows, w, ldd, lds int) {
	for r := range rows {
		copy(dst[r*ldd:r*ldd+w], src[r*lds:r*lds+w])
	}
}
