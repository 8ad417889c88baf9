package nn

//go:noescape
func maxPool2x2AVX2(out, r0, r1 []float32) int

// vecMaxPool2x2 does a prefix (all of it unless a NaN stops it) of one
// output row of a 2×2, stride-2 max
// pool with the vector kernel and returns its length; r0 and r1 hold at
// least 2*len(out) values.
func vecMaxPool2x2(out, r0, r1 []float32) int {
	if !hasVecAct || len(out) == 0 {
		return 0
	}
	return maxPool2x2AVX2(out, r0[:2*len(out)], r1[:2*len(out)])
}
