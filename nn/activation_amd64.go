package nn

import (
	"math"

	"golang.org/x/sys/cpu"
)

// vecTab holds the constants of the AVX2 sigmoid and tanh kernels, each
// broadcast to 8 lanes, in the order the assembly expects. They are the
// float32 values the scalar code uses, so both compute the same bits.
type vecTab [24][8]float32

//go:noescape
func sigmoidAVX2(x []float32, tab *vecTab) int

//go:noescape
func tanhAVX2(x []float32, tab *vecTab) int

// hasVecAct reports whether the AVX2 kernels can run; set once at start-up.
var hasVecAct = cpu.X86.HasAVX2

// actTab is the constant table; it is never modified after start-up.
var actTab = newVecTab()

func newVecTab() *vecTab {
	bits := math.Float32frombits
	vals := [24]float32{
		expfLog2e, expfRound, expfC1, expfC2,
		1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
		1, bits(127), bits(0x7fffffff), bits(signBit), expfMin, -expfMin,
		tanhMax, -5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1,
		2, 0.625,
	}
	t := new(vecTab)
	for i, v := range vals {
		for j := range t[i] {
			t[i][j] = v
		}
	}
	return t
}

// vecSigmoid applies σ to the longest prefix of x it can do in blocks of
// 8 and returns its length.
func vecSigmoid(x []float32) int {
	if !hasVecAct || len(x) < 8 {
		return 0
	}
	return sigmoidAVX2(x, actTab)
}

// vecTanh is vecSigmoid for tanh.
func vecTanh(x []float32) int {
	if !hasVecAct || len(x) < 8 {
		return 0
	}
	return tanhAVX2(x, actTab)
}
