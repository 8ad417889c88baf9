package nn

// Bind-time rewrites of a layer list: a batchnorm right after a
// convolution or dense layer without activation is folded into that
// layer's weights and bias (exact algebra, float64 arithmetic, one
// rounding per weight), so inference runs one fused op instead of two.
// The spec and the bound tensors are not modified: folded layers own new
// weight slices.

// foldBatchNorm folds s.ops[i+1] (a batchnorm) into s.ops[i] when
// possible and reports whether it did.
func (s *seqOp) foldBatchNorm(i int) bool {
	bn, ok := s.ops[i+1].(*batchNormOp)
	if !ok {
		return false
	}
	var folded op
	switch o := s.ops[i].(type) {
	case *convOp:
		if o.act != nil || o.outLen != len(bn.a)*bn.inner {
			return false
		}
		folded = o.foldBN(bn)
	case *denseOp:
		if o.act != nil || o.rows != 1 || bn.inner != 1 || o.units != len(bn.a) {
			return false
		}
		folded = o.foldBN(bn)
	default:
		return false
	}
	s.ops[i] = folded
	s.outLen[i] = s.outLen[i+1]
	s.ops = append(s.ops[:i+1], s.ops[i+2:]...)
	s.outLen = append(s.outLen[:i+1], s.outLen[i+2:]...)
	return true
}

// foldRows returns w (rows of width cols) with row r scaled by a[r], and
// the bias a[r]*bias[r] + b[r] (bias nil counts as zeros).
func foldRows(w []float32, cols int, bias, a, b []float32) (nw, nb []float32) {
	nw = make([]float32, len(w))
	nb = make([]float32, len(a))
	for r, ar := range a {
		s := float64(ar)
		for j, v := range w[r*cols : (r+1)*cols] {
			nw[r*cols+j] = float32(float64(v) * s)
		}
		v := float64(b[r])
		if bias != nil {
			v += float64(bias[r]) * s
		}
		nb[r] = float32(v)
	}
	return nw, nb
}

// foldBN returns a copy of c computing bn(c(x)).
func (c *convOp) foldBN(bn *batchNormOp) *convOp {
	f := &convOp{g: c.g, groups: c.groups, fg: c.fg, threads: c.threads,
		depthwise: c.depthwise, inLen: c.inLen, outLen: c.outLen, act: bn.act, relu: bn.relu}
	f.w, f.bias = foldRows(c.w, len(c.w)/len(bn.a), c.bias, bn.a, bn.b)
	if c.panel != nil {
		f.planPanels()
	}
	return f
}

// foldBN returns a copy of d computing bn(d(x)).
func (d *denseOp) foldBN(bn *batchNormOp) *denseOp {
	f := *d
	f.w, f.bias = foldRows(d.w, d.in, d.bias, bn.a, bn.b)
	f.act, f.relu = bn.act, bn.relu
	f.pack()
	return &f
}
