package safetensors

import (
	"context"
	"encoding/binary"
	"math"
	"testing"
)

// naiveMinifloat decodes a binary floating-point number with the given
// exponent and mantissa widths from first principles, in float64.
func naiveMinifloat(bits uint32, expBits, manBits uint) float64 {
	sign := 1.0
	if bits>>(expBits+manBits)&1 == 1 {
		sign = -1
	}
	exp := int(bits>>manBits) & (1<<expBits - 1)
	man := float64(bits & (1<<manBits - 1))
	bias := 1<<(expBits-1) - 1
	frac := man / float64(uint32(1)<<manBits)
	switch exp {
	case 1<<expBits - 1:
		if man == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	case 0:
		return sign * math.Ldexp(frac, 1-bias)
	}
	return sign * math.Ldexp(1+frac, exp-bias)
}

// checkAll compares conv with the naive decoder on all 65536 inputs,
// through the file reader's byte path.
func checkAll(t *testing.T, conv func([]float32, []byte), expBits, manBits uint) {
	src := make([]byte, 2*65536)
	for i := range 65536 {
		binary.LittleEndian.PutUint16(src[2*i:], uint16(i))
	}
	dst := make([]float32, 65536)
	conv(dst, src)
	for i, got := range dst {
		want := naiveMinifloat(uint32(i), expBits, manBits)
		if math.IsNaN(want) {
			sameSign := math.Signbit(float64(got)) == (i>>15 == 1)
			payload := uint32(i) & (1<<manBits - 1)
			if !math.IsNaN(float64(got)) || !sameSign || math.Float32bits(got)&0x7fffff != payload<<(23-manBits) {
				t.Fatalf("%#04x: got %#08x, want a NaN with the same sign and payload", i, math.Float32bits(got))
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Fatalf("%#04x: got %v (%#08x), want %v", i, got, math.Float32bits(got), want)
		}
	}
}

// TestF16All checks every half-precision value, subnormals, infinities
// and NaNs included.
func TestF16All(t *testing.T) {
	t.Parallel()
	checkAll(t, convertF16, 5, 10)
}

// TestBF16All checks every bfloat16 value.
func TestBF16All(t *testing.T) {
	t.Parallel()
	checkAll(t, convertBF16, 8, 7)
}

// TestF64Rounding checks F64 -> F32 rounding through a file.
func TestF64Rounding(t *testing.T) {
	t.Parallel()
	in := []float64{0.1, 1e300, -1e300, 1e-50, -1e-50, 1 + 0x1p-24, 1 + 3*0x1p-24, math.MaxFloat32, 0x1p-149, 0x1p-150, 0x1.8p-150,
		math.Inf(-1), math.NaN(), math.Copysign(0, -1), 3.4028235677973366e38}
	want := []uint32{0x3dcccccd, 0x7f800000, 0xff800000, 0, 0x80000000, 0x3f800000, 0x3f800002, 0x7f7fffff, 1, 0, 1,
		0xff800000, 0, 0x80000000, 0x7f800000}
	data := make([]byte, 8*len(in))
	for i, v := range in {
		binary.LittleEndian.PutUint64(data[8*i:], math.Float64bits(v))
	}
	f := mustOpen(t, mustWrite(t, []Tensor{{Name: "x", DType: "F64", Shape: []int64{int64(len(in))}, Data: data}}, nil))
	got := make([]float32, len(in))
	if err := f.ReadFloat32(context.Background(), "x", got); err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if math.IsNaN(in[i]) {
			if !math.IsNaN(float64(g)) {
				t.Errorf("%v -> %v, want NaN", in[i], g)
			}
			continue
		}
		if math.Float32bits(g) != want[i] || g != float32(in[i]) {
			t.Errorf("%v -> %#08x, want %#08x", in[i], math.Float32bits(g), want[i])
		}
	}
}

// TestExportedConversions checks F16ToFloat32 and BF16ToFloat32 on a few
// known values.
func TestExportedConversions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f16, bf16 uint16
		want      float32
	}{
		{0x3c00, 0x3f80, 1},
		{0xc000, 0xc000, -2},
		{0x7c00, 0x7f80, float32(math.Inf(1))},
	} {
		if F16ToFloat32(tc.f16) != tc.want || BF16ToFloat32(tc.bf16) != tc.want {
			t.Errorf("%#x/%#x: %v %v, want %v", tc.f16, tc.bf16, F16ToFloat32(tc.f16), BF16ToFloat32(tc.bf16), tc.want)
		}
	}
	if F16ToFloat32(0x0400) != 0x1p-14 || BF16ToFloat32(0x0080) != 0x1p-126 || F16ToFloat32(0x03ff) != 0x3ffp-24 {
		t.Error("smallest normal or largest subnormal wrong")
	}
}
