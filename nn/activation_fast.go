package nn

import "math"

// Float32 sigmoid and tanh: the hot activations of recurrent layers. They
// use a float32 exp in the style of Cephes expf: n = round(x/ln 2) by the
// 1.5·2^23 trick, r = x - n·ln 2 with ln 2 split in two (Cody-Waite), e^r by
// Cephes' degree-6 polynomial, then a 2^n exponent; about 1 ulp. tanh uses
// Cephes tanhf's odd polynomial for |x| < 0.625. The loops are branch-free
// except for rare inputs (NaN, and σ arguments whose exp would be
// subnormal), which take the float64 path: signs are selected with bit
// masks, so mixed-sign data does not stall on mispredicted branches.
// Accuracy (tested against mpmath values and a dense float64 sweep):
// relative error below 1e-6 everywhere, typically a few ulp.

const (
	expfLog2e = 1.44269504088896341 // 1/ln 2
	expfC1    = 0.693359375         // ln 2, high part (exact in float32)
	expfC2    = -2.12194440e-4      // ln 2 - expfC1
	expfRound = 12582912            // 1.5·2^23: x+R-R rounds x to an integer
	// expfMin is the least σ argument whose e^x stays a normal float32;
	// below it (and for NaN) σ is computed in float64.
	expfMin = -87.0
	// tanhMax is where |tanh| has rounded to 1 in float32 (from 9.01 on).
	tanhMax = 9.5
	signBit = 0x80000000
)

// expfReduced returns e^a for a in [-87, 19], branch-free.
func expfReduced(a float32) float32 {
	fn := (a*expfLog2e + expfRound) - expfRound
	r := a - fn*expfC1 - fn*expfC2
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(fn)+127)<<23)
}

// sigmoid32 is σ(x) in float32: with e = exp(-|x|), 1/(1+e) for x >= 0
// and e/(1+e) otherwise, so exp never overflows.
func sigmoid32(x float32) float32 {
	v := [1]float32{x}
	actSigmoid(v[:])
	return v[0]
}

// tanh32 is tanh(x) in float32.
func tanh32(x float32) float32 {
	v := [1]float32{x}
	actTanh(v[:])
	return v[0]
}

// actSigmoid applies σ in place: whole blocks of 8 by the vector kernel
// where the CPU has one (the same bits), the rest by sigmoidScalar.
func actSigmoid(x []float32) {
	for len(x) > 0 {
		x = x[vecSigmoid(x):]
		n := min(len(x), 8) // a rare or incomplete block
		sigmoidScalar(x[:n])
		x = x[n:]
	}
}

// actTanh applies tanh in place, vectorised like actSigmoid.
func actTanh(x []float32) {
	for len(x) > 0 {
		x = x[vecTanh(x):]
		n := min(len(x), 8)
		tanhScalar(x[:n])
		x = x[n:]
	}
}

// sigmoidScalar applies σ in place, one element at a time.
func sigmoidScalar(x []float32) {
	for i, v := range x {
		if !(v >= expfMin) { // e^v subnormal, -Inf or NaN: rare
			x[i] = float32(sigmoid64(float64(v)))
			continue
		}
		a := min(max(v, -v), -expfMin) // beyond 87, 1/(1+e^-87) rounds to 1
		e := expfReduced(-a)
		y := 1 / (1 + e)
		// v < 0: y·e = e/(1+e). Select by the sign of v without a branch.
		neg := uint32(int32(math.Float32bits(v)) >> 31)
		x[i] = math.Float32frombits(math.Float32bits(y*e)&neg | math.Float32bits(y)&^neg)
	}
}

// tanhScalar applies tanh in place, one element at a time.
func tanhScalar(x []float32) {
	for i, v := range x {
		if v != v {
			continue // NaN stays NaN
		}
		z := min(max(v, -v), tanhMax)
		s := v * v
		p := (((-5.70498872745e-3*s+2.06390887954e-2)*s-5.37397155531e-2)*s+1.33314422036e-1)*s - 3.33332819422e-1
		small := p*s*v + v // |v| < 0.625
		big := 1 - 2/(expfReduced(2*z)+1)
		big = math.Float32frombits(math.Float32bits(big) | math.Float32bits(v)&signBit)
		// z < 0.625 selects small; computed as a mask, not a branch.
		m := uint32(int32(math.Float32bits(z-0.625)) >> 31)
		x[i] = math.Float32frombits(math.Float32bits(small)&m | math.Float32bits(big)&^m)
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

// expm1Neg returns e^a - 1 for a in [-87, 0], branch-free: a Taylor
// polynomial to degree 7 for a > -0.35 (truncation < 2e-8 relative), else
// expfReduced(a) - 1, which loses at most a factor 2.4 to cancellation.
func expm1Neg(a float32) float32 {
	poly := a * (1 + a*(1.0/2+a*(1.0/6+a*(1.0/24+a*(1.0/120+a*(1.0/720+a*(1.0/5040)))))))
	big := expfReduced(a) - 1
	m := uint32(int32(math.Float32bits(a+0.35)) >> 31) // a < -0.35
	return math.Float32frombits(math.Float32bits(big)&m | math.Float32bits(poly)&^m)
}

// actELUFamily returns the kernel y = x for x >= 0, else
// scale·(e^(x·inv) - 1), computed in float32: elu (scale α, inv 1), celu
// (α, 1/α) and, with an outer factor pos on the positive side, selu.
// Arguments below -87 are clamped: there e^x - 1 rounds to -1 anyway.
func actELUFamily(pos, scale, inv float64) func([]float32) {
	p, sc, iv := float32(pos), float32(scale), float32(inv)
	return func(x []float32) {
		for i, v := range x {
			if v != v {
				continue
			}
			a := max(min(v*iv, 0), expfMin)
			neg := sc * expm1Neg(a)
			m := uint32(int32(math.Float32bits(v)) >> 31) // v < 0 (or -0)
			x[i] = math.Float32frombits(math.Float32bits(neg)&m | math.Float32bits(p*v)&^m)
		}
	}
}
