//go:build !amd64

package nn

func vecBiasReLU(dst, src []float32, b float32) int { return 0 }
func vecBiasAdd(dst, src []float32, b float32) int  { return 0 }
func vecAddReLU(y, b []float32) int                 { return 0 }

// gatherRows sets dst[q*nr+i] = src[offs[q]+i] for i < nr.
func gatherRows(dst, src []float32, offs []int, nr int) { gatherRowsGo(dst, src, offs, nr) }
