package kernels

import "math"

// meanInvStd returns the mean of x and 1/sqrt(var+eps) of its biased
// (population) variance, both computed in float64 with two passes.
func meanInvStd(x []float32, eps float64) (mean, inv float64) {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean = s / float64(len(x))
	var q float64
	for _, v := range x {
		d := float64(v) - mean
		q += d * d
	}
	return mean, 1 / math.Sqrt(q/float64(len(x))+eps)
}

// LayerNorm normalises every consecutive row of d elements of x to zero mean
// and unit variance (y = (x-mean)/sqrt(var+eps)), then, when scale and bias
// are not nil (each of length d), applies y = y*scale + bias element-wise.
// len(x) == len(y) is a multiple of d; x and y may be the same slice.
func LayerNorm(x, y []float32, d int, scale, bias []float32, eps float64) {
	for r := 0; r+d <= len(x); r += d {
		xs, ys := x[r:r+d], y[r:r+d]
		mean, inv := meanInvStd(xs, eps)
		for i, v := range xs {
			z := (float64(v) - mean) * inv
			if scale != nil {
				z = z*float64(scale[i]) + float64(bias[i])
			}
			ys[i] = float32(z)
		}
	}
}

// GroupNorm normalises one sample of c channels of s elements each (x holds
// c*s elements) in g groups of c/g consecutive channels, each group with its
// own mean and variance, then applies the per-channel scale and bias when
// they are not nil (each of length c). x and y may be the same slice.
func GroupNorm(x, y []float32, c, s, g int, scale, bias []float32, eps float64) {
	cg := c / g
	for gi := 0; gi < g; gi++ {
		lo, hi := gi*cg*s, (gi+1)*cg*s
		mean, inv := meanInvStd(x[lo:hi], eps)
		for ch := gi * cg; ch < (gi+1)*cg; ch++ {
			a, b := inv, -mean*inv
			if scale != nil {
				a, b = a*float64(scale[ch]), b*float64(scale[ch])+float64(bias[ch])
			}
			xs, ys := x[ch*s:(ch+1)*s], y[ch*s:(ch+1)*s]
			for i, v := range xs {
				ys[i] = float32(float64(v)*a + b)
			}
		}
	}
}

// ScaleShift computes y = x*a[ch] + b[ch] for a sample of len(a) channels of
// s elements each (batchnorm with folded statistics). x and y may be the
// same slice.
func ScaleShift(x, y []float32, s int, a, b []float32) {
	for ch := range a {
		xs, ys := x[ch*s:(ch+1)*s], y[ch*s:(ch+1)*s]
		ac, bc := a[ch], b[ch]
		for i, v := range xs {
			ys[i] = v*ac + bc
		}
	}
}

// Softmax computes softmax (or log-softmax when log is true) of x along the
// middle axis of the shape [outer, n, inner] into y, stably (the maximum is
// subtracted first; sums in float64). x and y must not overlap unless they
// are the same slice.
func Softmax(x, y []float32, outer, n, inner int, log bool) {
	for o := 0; o < outer; o++ {
		base := o * n * inner
		for i := 0; i < inner; i++ {
			softmaxLine(x[base+i:], y[base+i:], n, inner, log)
		}
	}
}

// softmaxLine handles the n elements x[0], x[stride], ... . Exponentials
// are float32 (expNeg, arguments <= 0 after subtracting the maximum); their
// sum is accumulated in float64.
func softmaxLine(x, y []float32, n, stride int, log bool) {
	m := float32(math.Inf(-1))
	for k := 0; k < n; k++ {
		m = max(m, x[k*stride])
	}
	if math.IsInf(float64(m), 0) {
		// every input -Inf (0/0 below: NaN, as in NNlib), or a +Inf input
		// (Inf-Inf: NaN); compute in float64 to get exactly those NaNs.
		softmaxLine64(x, y, n, stride, log)
		return
	}
	var s float64
	if log {
		for k := 0; k < n; k++ {
			s += float64(expNeg(x[k*stride] - m))
		}
		ls := math.Log(s)
		for k := 0; k < n; k++ {
			y[k*stride] = float32(float64(x[k*stride]) - float64(m) - ls)
		}
		return
	}
	for k := 0; k < n; k++ {
		e := expNeg(x[k*stride] - m)
		s += float64(e)
		y[k*stride] = e
	}
	inv := 1 / s
	for k := 0; k < n; k++ {
		y[k*stride] = float32(float64(y[k*stride]) * inv)
	}
}

// softmaxLine64 is softmaxLine with math.Exp, for lines holding an infinity.
func softmaxLine64(x, y []float32, n, stride int, log bool) {
	m := math.Inf(-1)
	for k := 0; k < n; k++ {
		m = max(m, float64(x[k*stride]))
	}
	var s float64
	for k := 0; k < n; k++ {
		s += math.Exp(float64(x[k*stride]) - m)
	}
	for k := 0; k < n; k++ {
		v := float64(x[k*stride]) - m
		if log {
			y[k*stride] = float32(v - math.Log(s))
		} else {
			y[k*stride] = float32(math.Exp(v) / s)
		}
	}
}
