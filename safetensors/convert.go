package safetensors

import (
	"encoding/binary"
	"math"
)

// converter returns the function that decodes little-endian src of the
// given supported dtype into dst (len(dst) >= elements in src).
func converter(dtype string) func(dst []float32, src []byte) {
	switch dtype {
	case "F16":
		return convertF16
	case "BF16":
		return convertBF16
	case "F64":
		return convertF64
	}
	return convertF32
}

// convertF32 decodes little-endian float32 values.
func convertF32(dst []float32, src []byte) {
	n := len(src) / 4
	dst = dst[:n]
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

// convertF64 decodes little-endian float64 values, rounding each to the
// nearest float32 (overflow gives an infinity, as in Go).
func convertF64(dst []float32, src []byte) {
	n := len(src) / 8
	dst = dst[:n]
	for i := range dst {
		dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
	}
}

// convertBF16 decodes little-endian bfloat16 values: the top half of a
// float32, so the conversion is exact, NaN payloads included.
func convertBF16(dst []float32, src []byte) {
	n := len(src) / 2
	dst = dst[:n]
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

// convertF16 decodes little-endian IEEE 754 half-precision values.
func convertF16(dst []float32, src []byte) {
	n := len(src) / 2
	dst = dst[:n]
	for i := range dst {
		dst[i] = F16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// F16ToFloat32 converts IEEE 754 half-precision bits to float32 exactly:
// every half value, subnormals included, is a float32; infinities stay
// infinite and NaNs keep their sign and payload (shifted into the float32
// mantissa).
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0: // normal: rebias 15 -> 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
	}
	// zero or subnormal: man × 2^-24, exact in float32
	return math.Float32frombits(sign | math.Float32bits(float32(man)*0x1p-24))
}

// BF16ToFloat32 converts bfloat16 bits to float32 exactly.
func BF16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }
