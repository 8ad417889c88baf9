package kernels

import "math"

// Constants of expNeg (Cephes expf: Cody-Waite reduction by ln 2 and a
// degree-5 minimax polynomial for e^r on [-ln2/2, ln2/2]).
const (
	expLog2e = 1.44269504088896341 // 1/ln 2
	expLn2Hi = 0.693359375         // ln 2, leading bits (exact in float32)
	expLn2Lo = -2.12194440e-4      // ln 2 - expLn2Hi
	expRound = 12582912            // 1.5·2^23: (x+R)-R rounds x to an integer
	expMin   = -87.0               // below this e^a is subnormal or 0
)

// expNeg returns e^a in float32 for a <= 0 (softmax exponents, after the
// maximum is subtracted), within about 2 ulp; it returns 0 below -87 (where
// e^a < 1.7e-38) and NaN for NaN. It is branch-free in the common case and
// much faster than math.Exp.
func expNeg(a float32) float32 {
	if !(a >= expMin) { // also catches NaN
		if a != a {
			return a
		}
		return 0
	}
	fn := (a*expLog2e + expRound) - expRound
	r := a - fn*expLn2Hi - fn*expLn2Lo
	p := ((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(fn)+127)<<23)
}
