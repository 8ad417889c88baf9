//go:build !amd64

package nn

func vecBiasReLU(dst, src []float32, b float32) int { return 0 }
func vecBiasAdd(dst, src []float32, b float32) int  { return 0 }
func vecAddReLU(y, b []float32) int                 { return 0 }

// gatherRows sets dst[q*nr+i] = src[offs[q]+i] for i < nr.
func gatherRows(dst, src []float32, offs []int, maxOff, nr int) {
	gatherRowsGo(dst, src, offs, nr)
}

// storeRuns is storeRunsGo with the bounds checked once.
func storeRuns(dst, src []float32, runs []int, b float32, relu bool, maxT, maxY int) {
	storeRunsGo(dst, src, runs, b, relu)
}
