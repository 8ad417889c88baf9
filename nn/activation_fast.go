package nn

import "math"

// Float32 sigmoid and tanh: the hot activations of recurrent layers. They
// use a float32 exp (Cephes expf: Cody-Waite range reduction with ln 2 split
// in two, then a degree-6 polynomial; about 1 ulp) and, for |x| < 0.625,
// Cephes tanhf's odd polynomial. Inputs outside the fast range (NaN, and
// arguments whose exp would be subnormal) take the float64 path. Accuracy
// (tested against mpmath values and a dense float64 sweep): relative error
// below 1e-6 everywhere, typically a few ulp.

const (
	expfLog2e = 1.44269504088896341 // 1/ln 2
	expfC1    = 0.693359375         // ln 2, high part (exact in float32)
	expfC2    = -2.12194440e-4      // ln 2 - expfC1
	// expfMin is the smallest x whose result 2^n·p stays a normal float32
	// for the scaling below; expfMax the largest with a finite result.
	expfMin = -87.0
	expfMax = 88.0
)

// expf returns e^x for x in [expfMin, expfMax]; the caller guarantees the
// range (it is not checked here, and NaN is not allowed).
func expf(x float32) float32 {
	v := x*expfLog2e + 0.5
	fn := float32(int32(v)) // truncation; floor for v < 0 below (|v| < 2^7)
	if fn > v {
		fn--
	}
	r := x - fn*expfC1 - fn*expfC2
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(fn)+127)<<23)
}

// sigmoid32 is σ(x) in float32: with e = exp(-|x|), 1/(1+e) for x >= 0
// and e/(1+e) otherwise, so exp never overflows.
func sigmoid32(x float32) float32 {
	if !(x >= expfMin) { // e^x subnormal, -Inf or NaN: rare, use float64
		return float32(sigmoid64(float64(x)))
	}
	a := min(max(x, -x), -expfMin) // beyond 87, 1/(1+e^-87) rounds to 1
	e := expf(-a)
	s := 1 / (1 + e)
	if x < 0 {
		s *= e
	}
	return s
}

// tanh32 is tanh(x) in float32.
func tanh32(x float32) float32 {
	z := x
	if z < 0 {
		z = -z
	}
	if z < 0.625 {
		s := x * x
		p := (((-5.70498872745e-3*s+2.06390887954e-2)*s-5.37397155531e-2)*s+1.33314422036e-1)*s - 3.33332819422e-1
		return p*s*x + x
	}
	if !(z <= 9.5) { // |tanh| rounds to 1 beyond 9.01; also NaN
		if z != z {
			return x
		}
		return float32(math.Copysign(1, float64(x)))
	}
	y := 1 - 2/(expf(2*z)+1)
	if x < 0 {
		return -y
	}
	return y
}

// actSigmoid applies σ in place.
func actSigmoid(x []float32) {
	for i, v := range x {
		x[i] = sigmoid32(v)
	}
}

// actTanh applies tanh in place.
func actTanh(x []float32) {
	for i, v := range x {
		x[i] = tanh32(v)
	}
}

// actSwish applies x·σ(x) in place. Below -80, σ(x) nears the float32
// subnormals, whose rounding x would magnify: float64 there.
func actSwish(x []float32) {
	for i, v := range x {
		if v < -80 {
			x[i] = float32(float64(v) * sigmoid64(float64(v)))
			continue
		}
		x[i] = v * sigmoid32(v)
	}
}
