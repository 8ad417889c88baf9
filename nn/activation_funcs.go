package nn

import "math"

// Scalar activations, evaluated in float64 and rounded once to float32.
// Each is written so that it returns a finite value for every finite input
// whose true value is finite: no exp of a large positive argument, no
// cancellation where the result is small (see the comments).
//
// Constants, as in NNlib.jl src/activations.jl:
//   - selu: λ = 1.0507009873554804934193349852946,
//     α = 1.6732632423543772848170429916717 (Klambauer et al. 2017);
//   - gelu (tanh form): √(2/π) and 0.044715 (Hendrycks & Gimpel 2016);
//   - hardσ(x) = clamp((x+3)/6, 0, 1) (NNlib >= 0.8; PyTorch Hardsigmoid).
const (
	seluLambda = 1.0507009873554804934193349852946
	seluAlpha  = 1.6732632423543772848170429916717
	geluLambda = 0.7978845608028654 // √(2/π)
	geluCubic  = 0.044715
)

// sigmoid64 is NNlib's σ: 1/(1+exp(-x)) without overflow. exp is only ever
// taken of -|x|.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	t := math.Exp(x)
	return t / (1 + t)
}

// softplus64 is log(1+exp(x)) computed as log1p(exp(-|x|)) + max(x, 0).
func softplus64(x float64) float64 {
	if x != x {
		return x
	}
	return math.Log1p(math.Exp(-math.Abs(x))) + math.Max(x, 0)
}

// geluTanh64 is NNlib's gelu, 0.5x(1+tanh(√(2/π)(x+0.044715x³))), computed
// as x·σ(2z): 0.5(1+tanh z) = σ(2z) exactly, and σ keeps full relative
// accuracy where 1+tanh z would cancel (large negative x).
func geluTanh64(x float64) float64 {
	z := geluLambda * x * (1 + geluCubic*x*x)
	return x * sigmoid64(2*z)
}

// geluErf64 is 0.5x(1+erf(x/√2)) computed as 0.5x·erfc(-x/√2), which keeps
// relative accuracy for large negative x.
func geluErf64(x float64) float64 {
	return 0.5 * x * math.Erfc(-x/math.Sqrt2)
}

// tanhShrink64 is x - tanh(x). For |x| < 0.1 it uses the odd Taylor series
// x³/3 - 2x⁵/15 + 17x⁷/315 - 62x⁹/2835 (next term < 1e-10 relative), which
// avoids the cancellation of the direct form for tiny x.
func tanhShrink64(x float64) float64 {
	if math.Abs(x) < 0.1 {
		x2 := x * x
		return x * x2 * (1.0/3 + x2*(-2.0/15+x2*(17.0/315+x2*(-62.0/2835))))
	}
	return x - math.Tanh(x)
}

// mish64 is x·tanh(softplus(x)).
func mish64(x float64) float64 { return x * math.Tanh(softplus64(x)) }

// elu64 is NNlib's elu: x for x >= 0, α(exp(x)-1) otherwise (expm1 for
// accuracy near 0).
func elu64(x, alpha float64) float64 {
	if x >= 0 {
		return x
	}
	return alpha * math.Expm1(x)
}

// celu64 is max(0,x) + min(0, α(exp(x/α)-1)).
func celu64(x, alpha float64) float64 {
	if x >= 0 {
		return x
	}
	return alpha * math.Expm1(x/alpha)
}

// Slice kernels: each applies one activation in place.

func actReLU6(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		} else if v > 6 {
			x[i] = 6
		}
	}
}

func actHardTanh(x []float32) {
	for i, v := range x {
		if v < -1 {
			x[i] = -1
		} else if v > 1 {
			x[i] = 1
		}
	}
}

func actHardSigmoid(x []float32) {
	for i, v := range x {
		y := (float64(v) + 3) / 6
		if y < 0 {
			y = 0
		} else if y > 1 {
			y = 1
		}
		x[i] = float32(y)
	}
}

func actSoftsign(x []float32) {
	for i, v := range x {
		d := float64(v)
		x[i] = float32(d / (1 + math.Abs(d)))
	}
}

// actLeaky returns the leakyrelu kernel for alpha: x > 0 ? x : alpha*x.
func actLeaky(alpha float64) func([]float32) {
	return func(x []float32) {
		for i, v := range x {
			if v <= 0 {
				x[i] = float32(alpha * float64(v))
			}
		}
	}
}

// actMap returns a kernel applying f to every element through float64.
func actMap(f func(float64) float64) func([]float32) {
	return func(x []float32) {
		for i, v := range x {
			x[i] = float32(f(float64(v)))
		}
	}
}

// actMapAlpha is actMap for a function with an alpha parameter.
func actMapAlpha(f func(x, alpha float64) float64, alpha float64) func([]float32) {
	return func(x []float32) {
		for i, v := range x {
			x[i] = float32(f(float64(v), alpha))
		}
	}
}

func logSigmoid64(x float64) float64 { return -softplus64(-x) }
