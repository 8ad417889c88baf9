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

//go:noescape
func storeRunsAVX2(dst, src []float32, runs []int, b float32, relu int)

// storeRuns sets dst[y0+i] = src[t0+i] + b (then ReLU when relu) for
// every triple (t0, y0, n) of runs and i < n. maxT and maxY bound t0+n
// and y0+n over the runs (checked here once).
func storeRuns(dst, src []float32, runs []int, b float32, relu bool, maxT, maxY int) {
	if maxT > len(src) || maxY > len(dst) {
		panic("nn: storeRuns out of range") // a caller bug, never data
	}
	if hasVecAct {
		storeRunsAVX2(dst, src, runs, b, b2i(relu))
		return
	}
	storeRunsGo(dst, src, runs, b, relu)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
