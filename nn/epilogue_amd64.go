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
