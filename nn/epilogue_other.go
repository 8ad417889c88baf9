//go:build !amd64

package nn

func vecBiasReLU(dst, src []float32, b float32) int { return 0 }
func vecBiasAdd(dst, src []float32, b float32) int  { return 0 }
func vecAddReLU(y, b []float32) int                 { return 0 }

// gatherRows sets dst[q*nr+i] = src[offs[q]+i] for i < nr.
func gatherRows(dst, src []float32, offs []int, maxOff, nr int) {
	gatherRowsGo(dst, src, offs, nr)
}

// storeTile is storeTileGo.
func storeTile(y, tile, bias []float32, runs []int, fg, ldy, ldt int, relu bool, maxT, maxY int) {
	storeTileGo(y, tile, bias, runs, fg, ldy, ldt, relu)
}

// copyRows is copyRowsGo.
func copyRows(dst, src []float32, rows, w, ldd, lds int) { copyRowsGo(dst, src, rows, w, ldd, lds) }
