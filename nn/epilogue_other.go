//go:build !amd64

package nn

func vecBiasReLU(dst, src []float32, b float32) int { return 0 }
func vecBiasAdd(dst, src []float32, b float32) int  { return 0 }
func vecAddReLU(y, b []float32) int                 { return 0 }
