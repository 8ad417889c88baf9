package nn

// Naive reference implementations, written from the layer definitions with
// straight nested loops in float64. They share no code with the package.

import "math"

// convArgs are the hyper-parameters of a reference convolution or pooling.
type convArgs struct {
	kh, kw, sh, sw, dh, dw, pt, pb, pl, pr int
}

// refOut is floor((in+pb+pe-d*(k-1)-1)/s)+1.
func refOut(in, k, s, d, pb, pe int) int {
	return (in+pb+pe-d*(k-1)-1)/s + 1
}

// refConv2D is a grouped cross-correlation of x [n, c, h, w] with
// weight [f, c/groups, kh, kw] and optional bias.
func refConv2D(x []float32, n, c, h, w, f, groups int, a convArgs, wt, bias []float32, act func(float64) float64) (y []float64, oh, ow int) {
	oh = refOut(h, a.kh, a.sh, a.dh, a.pt, a.pb)
	ow = refOut(w, a.kw, a.sw, a.dw, a.pl, a.pr)
	cg, fg := c/groups, f/groups
	y = make([]float64, n*f*oh*ow)
	for b := 0; b < n; b++ {
		for o := 0; o < f; o++ {
			g := o / fg
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var s float64
					if bias != nil {
						s = float64(bias[o])
					}
					for ci := 0; ci < cg; ci++ {
						for p := 0; p < a.kh; p++ {
							for q := 0; q < a.kw; q++ {
								ih := i*a.sh - a.pt + p*a.dh
								iw := j*a.sw - a.pl + q*a.dw
								if ih < 0 || ih >= h || iw < 0 || iw >= w {
									continue
								}
								xv := x[((b*c+g*cg+ci)*h+ih)*w+iw]
								wv := wt[((o*cg+ci)*a.kh+p)*a.kw+q]
								s += float64(xv) * float64(wv)
							}
						}
					}
					y[((b*f+o)*oh+i)*ow+j] = act(s)
				}
			}
		}
	}
	return y, oh, ow
}

// refConv1D is the 1-D cross-correlation of x [n, c, l] with weight
// [f, c/groups, k].
func refConv1D(x []float32, n, c, l, f, groups, k, s, d, pb, pe int, wt, bias []float32) []float64 {
	ol := refOut(l, k, s, d, pb, pe)
	cg, fg := c/groups, f/groups
	y := make([]float64, n*f*ol)
	for b := 0; b < n; b++ {
		for o := 0; o < f; o++ {
			for t := 0; t < ol; t++ {
				var acc float64
				if bias != nil {
					acc = float64(bias[o])
				}
				for ci := 0; ci < cg; ci++ {
					for p := 0; p < k; p++ {
						it := t*s - pb + p*d
						if it >= 0 && it < l {
							acc += float64(x[(b*c+(o/fg)*cg+ci)*l+it]) * float64(wt[(o*cg+ci)*k+p])
						}
					}
				}
				y[(b*f+o)*ol+t] = acc
			}
		}
	}
	return y
}

// refConvT2D is the ONNX ConvTranspose of x [n, c, h, w] with weight
// [c, f/groups, kh, kw], written as a scatter from every input cell.
func refConvT2D(x []float32, n, c, h, w, f, groups int, a convArgs, oph, opw int, wt, bias []float32) (y []float64, oh, ow int) {
	oh = (h-1)*a.sh - a.pt - a.pb + a.dh*(a.kh-1) + oph + 1
	ow = (w-1)*a.sw - a.pl - a.pr + a.dw*(a.kw-1) + opw + 1
	cg, fg := c/groups, f/groups
	y = make([]float64, n*f*oh*ow)
	for b := 0; b < n; b++ {
		for ci := 0; ci < c; ci++ {
			g := ci / cg
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					xv := float64(x[((b*c+ci)*h+i)*w+j])
					for fo := 0; fo < fg; fo++ {
						for p := 0; p < a.kh; p++ {
							for q := 0; q < a.kw; q++ {
								yi := i*a.sh - a.pt + p*a.dh
								yj := j*a.sw - a.pl + q*a.dw
								if yi < 0 || yi >= oh || yj < 0 || yj >= ow {
									continue
								}
								wv := float64(wt[((ci*fg+fo)*a.kh+p)*a.kw+q])
								y[((b*f+g*fg+fo)*oh+yi)*ow+yj] += xv * wv
							}
						}
					}
				}
			}
		}
		if bias != nil {
			for o := 0; o < f; o++ {
				for k := 0; k < oh*ow; k++ {
					y[(b*f+o)*oh*ow+k] += float64(bias[o])
				}
			}
		}
	}
	return y, oh, ow
}

// refPool2D is max or mean pooling of x [n, c, h, w] (dilation ignored).
func refPool2D(x []float32, n, c, h, w int, a convArgs, isMax, countPad bool) (y []float64, oh, ow int) {
	oh = refOut(h, a.kh, a.sh, 1, a.pt, a.pb)
	ow = refOut(w, a.kw, a.sw, 1, a.pl, a.pr)
	y = make([]float64, n*c*oh*ow)
	for b := 0; b < n*c; b++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m, s, cnt := math.Inf(-1), 0.0, 0
				for p := 0; p < a.kh; p++ {
					for q := 0; q < a.kw; q++ {
						ih, iw := i*a.sh-a.pt+p, j*a.sw-a.pl+q
						if ih < 0 || ih >= h || iw < 0 || iw >= w {
							continue
						}
						v := float64(x[(b*h+ih)*w+iw])
						m = math.Max(m, v)
						s += v
						cnt++
					}
				}
				switch {
				case isMax:
					y[(b*oh+i)*ow+j] = m
				case countPad:
					y[(b*oh+i)*ow+j] = s / float64(a.kh*a.kw)
				default:
					y[(b*oh+i)*ow+j] = s / float64(cnt)
				}
			}
		}
	}
	return y, oh, ow
}

// refAdaptive2D pools x [n, c, h, w] to [n, c, oh, ow] with Flux's rule.
func refAdaptive2D(x []float32, n, c, h, w, oh, ow int, isMax bool) []float64 {
	sh, sw := h/oh, w/ow
	kh, kw := h-(oh-1)*sh, w-(ow-1)*sw
	y := make([]float64, n*c*oh*ow)
	for b := 0; b < n*c; b++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				m, s := math.Inf(-1), 0.0
				for ih := i * sh; ih < i*sh+kh; ih++ {
					for iw := j * sw; iw < j*sw+kw; iw++ {
						v := float64(x[(b*h+ih)*w+iw])
						m = math.Max(m, v)
						s += v
					}
				}
				if isMax {
					y[(b*oh+i)*ow+j] = m
				} else {
					y[(b*oh+i)*ow+j] = s / float64(kh*kw)
				}
			}
		}
	}
	return y
}

// refNormGroups normalises consecutive blocks of size blk of x with the
// block's own biased statistics; then, per element, multiplies by scale[k]
// and adds bias[k] with k = (index / every) % len(scale) when scale is set.
func refNormGroups(x []float32, blk int, eps float64, scale, bias []float32, every int) []float64 {
	y := make([]float64, len(x))
	for b0 := 0; b0 < len(x); b0 += blk {
		var mean, v float64
		for i := b0; i < b0+blk; i++ {
			mean += float64(x[i])
		}
		mean /= float64(blk)
		for i := b0; i < b0+blk; i++ {
			v += (float64(x[i]) - mean) * (float64(x[i]) - mean)
		}
		v /= float64(blk)
		for i := b0; i < b0+blk; i++ {
			y[i] = (float64(x[i]) - mean) / math.Sqrt(v+eps)
		}
	}
	if scale != nil {
		for i := range y {
			k := (i / every) % len(scale)
			y[i] = y[i]*float64(scale[k]) + float64(bias[k])
		}
	}
	return y
}

// refSoftmax computes softmax or log-softmax of x [outer, n, inner] along
// the middle axis.
func refSoftmax(x []float32, outer, n, inner int, log bool) []float64 {
	y := make([]float64, len(x))
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			at := func(k int) int { return (o*n+k)*inner + i }
			m := math.Inf(-1)
			for k := 0; k < n; k++ {
				m = math.Max(m, float64(x[at(k)]))
			}
			var s float64
			for k := 0; k < n; k++ {
				s += math.Exp(float64(x[at(k)]) - m)
			}
			for k := 0; k < n; k++ {
				if log {
					y[at(k)] = float64(x[at(k)]) - m - math.Log(s)
				} else {
					y[at(k)] = math.Exp(float64(x[at(k)])-m) / s
				}
			}
		}
	}
	return y
}

// refDense is y = x·Wᵀ + b over rows of x.
func refDense(x []float32, rows, in, units int, wt, bias []float32, act func(float64) float64) []float64 {
	y := make([]float64, rows*units)
	for r := 0; r < rows; r++ {
		for u := 0; u < units; u++ {
			var s float64
			for i := 0; i < in; i++ {
				s += float64(x[r*in+i]) * float64(wt[u*in+i])
			}
			if bias != nil {
				s += float64(bias[u])
			}
			y[r*units+u] = act(s)
		}
	}
	return y
}

func identity(x float64) float64 { return x }
func relu(x float64) float64     { return math.Max(x, 0) }
func sqrt64(x float64) float64   { return math.Sqrt(x) }
