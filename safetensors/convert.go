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
	o := uint32(h&0x7fff) << 13 // exponent and mantissa in float32 position
	switch o & 0x0f800000 {
	case 0x0f800000: // infinity or NaN: all-ones exponent
		o += (255 - 31) << 23
	case 0: // zero or subnormal: 2^-14 × (1 + m/1024) − 2^-14 = m × 2^-24, exact
		o = math.Float32bits(math.Float32frombits(o+(127-14)<<23) - 0x1p-14)
	default: // normal: rebias 15 -> 127
		o += (127 - 15) << 23
	}
	return math.Float32frombits(o | uint32(h&0x8000)<<16)
}

// BF16ToFloat32 converts bfloat16 bits to float32 exactly.
func BF16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }
