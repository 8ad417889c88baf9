package nn

import "math"

// actSigmoid applies σ in place.
func actSigmoid(x []float32) {
	for i, v := range x {
		x[i] = float32(sigmoid64(float64(v)))
	}
}

// actTanh applies tanh in place.
func actTanh(x []float32) {
	for i, v := range x {
		x[i] = float32(math.Tanh(float64(v)))
	}
}
