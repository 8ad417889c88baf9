package nn

//go:noescape
func biasReLUAVX2(dst, src []float32, b float32) int

//go:noescape
func biasAddAVX2(dst, src []float32, b float32) int

//go:noescape
func addVecReLUAVX2(y, b []float32) int

// vecBiasReLU does a prefix of biasReLU with the vector kernel and
// returns its length (len(src) >= len(dst)).
func vecBiasReLU(dst, src []float32, b float32) int {
	if !hasVecAct || len(dst) < 8 {
		return 0
	}
	return biasReLUAVX2(dst, src[:len(dst)], b)
}

// vecBiasAdd does a prefix of biasAdd with the vector kernel.
func vecBiasAdd(dst, src []float32, b float32) int {
	if !hasVecAct || len(dst) < 8 {
		return 0
	}
	return biasAddAVX2(dst, src[:len(dst)], b)
}

// vecAddReLU does a prefix of addVecReLU with the vector kernel.
func vecAddReLU(y, b []float32) int {
	if !hasVecAct || len(y) < 8 {
		return 0
	}
	return addVecReLUAVX2(y, b[:len(y)])
}

//go:noescape
func gatherRowsAVX2(dst, src []float32, offs []int, nr int)

// gatherRows sets dst[q*nr+i] = src[offs[q]+i] for i < nr: the rows of a
// convolution panel. Every offset is in [0, maxOff].
func gatherRows(dst, src []float32, offs []int, maxOff, nr int) {
	if len(offs) == 0 {
		return
	}
	_ = dst[len(offs)*nr-1]
	_ = src[maxOff+nr-1]
	if hasVecAct && nr%8 == 0 {
		gatherRowsAVX2(dst, src, offs, nr)
		return
	}
	gatherRowsGo(dst, src, offs, nr)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

//go:noescape
func storeTileAVX2(y, tile, bias []float32, runs []int, fg, ldy, ldt, relu int)

// storeTile sets, for every row f < fg and triple (t0, y0, n) of runs,
// y[f*ldy+y0+i] = tile[f*ldt+t0+i] + bias[f] for i < n, then ReLU when
// relu. maxT and maxY bound t0+n and y0+n over the runs (checked here
// once, with the row strides).
func storeTile(y, tile, bias []float32, runs []int, fg, ldy, ldt int, relu bool, maxT, maxY int) {
	if fg <= 0 {
		return
	}
	if len(bias) < fg || (fg-1)*ldt+maxT > len(tile) || (fg-1)*ldy+maxY > len(y) || maxT > ldt || maxY > ldy {
		panic("nn: storeTile out of range") // a caller bug, never data
	}
	if hasVecAct {
		storeTileAVX2(y, tile, bias, runs, fg, ldy, ldt, b2i(relu))
		return
	}
	storeTileGo(y, tile, bias, runs, fg, ldy, ldt, relu)
}

//go:noescape
func copyRowsAVX2(dst, src []float32, rows, w, ldd, lds int)

// copyRows sets dst[r*ldd+i] = src[r*lds+i] for r < rows and i < w.
func copyRows(dst, src []float32, rows, w, ldd, lds int) {
	if rows <= 0 || w <= 0 {
		return
	}
	_ = dst[(rows-1)*ldd+w-1]
	_ = src[(rows-1)*lds+w-1]
	if w == ldd && w == lds {
		copy(dst[:rows*w], src[:rows*w]) // contiguous
		return
	}
	if hasVecAct && w <= ldd && w <= lds {
		copyRowsAVX2(dst, src, rows, w, ldd, lds)
		return
	}
	copyRowsGo(dst, src, rows, w, ldd, lds)
}
