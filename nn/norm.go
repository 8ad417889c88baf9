package nn

import (
	"context"
	"math"

	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// batchNormOp is y = act(a[c]*x + b[c]) with a = scale/sqrt(var+eps) and
// b = bias - mean*a folded at bind time (in float64).
type batchNormOp struct {
	a, b    []float32
	inner   int // elements per channel
	act     func([]float32)
	relu    bool // act is ReLU
	threads int
}

var _ op = (*batchNormOp)(nil)

func newBatchNorm(l *spec.BatchNorm, li spec.LayerInfo, p params, threads int) (op, error) {
	if err := checkOut(li, li.In); err != nil {
		return nil, err
	}
	if !validEps(l.Eps) {
		return nil, errLayer(li, "bad-eps", "eps %v is not finite and > 0", l.Eps)
	}
	c := li.In[0]
	var scale, bias []float32
	var err error
	if l.Affine {
		if scale, err = getParam(li, p, "scale", c); err != nil {
			return nil, err
		}
		if bias, err = getParam(li, p, "bias", c); err != nil {
			return nil, err
		}
	}
	mean, err := getParam(li, p, "mean", c)
	if err != nil {
		return nil, err
	}
	vr, err := getParam(li, p, "var", c)
	if err != nil {
		return nil, err
	}
	bn := &batchNormOp{a: make([]float32, c), b: make([]float32, c), inner: int(li.In[1:].Elements()), threads: threads}
	for i := range c {
		if vr[i] < 0 {
			return nil, errLayer(li, "negative-variance", "%svar[%d] = %v is negative", li.Prefix, i, vr[i])
		}
		a := 1 / math.Sqrt(float64(vr[i])+l.Eps)
		b := -float64(mean[i]) * a
		if l.Affine {
			a *= float64(scale[i])
			b = b*float64(scale[i]) + float64(bias[i])
		}
		bn.a[i], bn.b[i] = float32(a), float32(b)
	}
	if bn.act, err = compileActAt(li, l.Act); err != nil {
		return nil, err
	}
	bn.relu = l.Act.Activation == spec.ActReLU
	return bn, nil
}

// forward normalises every (sample, channel) plane; the activation runs
// once per block of consecutive planes.
func (o *batchNormOp) forward(ctx context.Context, n int, in, out []float32) error {
	return runUnits(ctx, o.threads, n*len(o.a), o.inner, o, in, out, batchNormUnits)
}

// batchNormUnits normalises (sample, channel) planes [lo, hi).
func batchNormUnits(o *batchNormOp, in, out []float32, lo, hi int) {
	c := len(o.a)
	for u := lo; u < hi; u++ {
		ch := u % c
		kernels.ScaleShift(in[u*o.inner:(u+1)*o.inner], out[u*o.inner:(u+1)*o.inner], o.inner, o.a[ch:ch+1], o.b[ch:ch+1])
	}
	if o.act != nil {
		o.act(out[lo*o.inner : hi*o.inner])
	}
}

// normOp is layernorm (rows of d elements) or groupnorm/instancenorm
// (groups of channels of one sample).
type normOp struct {
	layer       bool // layernorm: rows of d; else groupnorm
	d           int  // layernorm row length
	c, s, g     int  // groupnorm channels, elements per channel, groups
	scale, bias []float32
	eps         float64
	per         int // elements per sample
	act         func([]float32)
	threads     int
}

var _ op = (*normOp)(nil)

func newLayerNorm(l *spec.LayerNorm, li spec.LayerInfo, p params, threads int) (op, error) {
	r := len(li.In)
	if l.Dims < 1 || l.Dims > r {
		return nil, errLayer(li, "bad-dims", "dims %d outside 1..%d", l.Dims, r)
	}
	o := &normOp{layer: true, d: int(li.In[r-l.Dims:].Elements()), threads: threads}
	return o.finish(li, p, l.Eps, l.Affine, l.Act, li.In[r-l.Dims:])
}

func newGroupNorm(li spec.LayerInfo, p params, groups int, eps float64, affine bool, act spec.Act, threads int) (op, error) {
	if len(li.In) < 2 {
		return nil, errLayer(li, "bad-rank", "needs input rank >= 2, got %v", li.In)
	}
	c := li.In[0]
	if groups < 1 || c%groups != 0 {
		return nil, errLayer(li, "bad-groups", "groups %d must divide channels %d", groups, c)
	}
	o := &normOp{c: c, s: int(li.In[1:].Elements()), g: groups, threads: threads}
	return o.finish(li, p, eps, affine, act, spec.Shape{c})
}

// finish checks eps and the output shape, fetches scale and bias (of shape
// pshape) and compiles the activation.
func (o *normOp) finish(li spec.LayerInfo, p params, eps float64, affine bool, act spec.Act, pshape spec.Shape) (op, error) {
	if err := checkOut(li, li.In); err != nil {
		return nil, err
	}
	if !validEps(eps) {
		return nil, errLayer(li, "bad-eps", "eps %v is not finite and > 0", eps)
	}
	o.eps = eps
	o.per = int(li.In.Elements())
	var err error
	if affine {
		if o.scale, err = getParam(li, p, "scale", pshape...); err != nil {
			return nil, err
		}
		if o.bias, err = getParam(li, p, "bias", pshape...); err != nil {
			return nil, err
		}
	}
	if o.act, err = compileActAt(li, act); err != nil {
		return nil, err
	}
	return o, nil
}

// forward normalises every layernorm row or every (sample, group) block;
// units are independent.
func (o *normOp) forward(ctx context.Context, n int, in, out []float32) error {
	if o.layer {
		return runUnits(ctx, o.threads, n*o.per/o.d, o.d, o, in, out, layerNormUnits)
	}
	return runUnits(ctx, o.threads, n*o.g, o.c/o.g*o.s, o, in, out, groupNormUnits)
}

// layerNormUnits normalises rows [lo, hi).
func layerNormUnits(o *normOp, in, out []float32, lo, hi int) {
	y := out[lo*o.d : hi*o.d]
	kernels.LayerNorm(in[lo*o.d:hi*o.d], y, o.d, o.scale, o.bias, o.eps)
	if o.act != nil {
		o.act(y)
	}
}

// groupNormUnits normalises (sample, group) blocks [lo, hi).
func groupNormUnits(o *normOp, in, out []float32, lo, hi int) {
	cg := o.c / o.g
	blk := cg * o.s
	for u := lo; u < hi; u++ {
		var scale, bias []float32
		if o.scale != nil {
			c0 := (u % o.g) * cg
			scale, bias = o.scale[c0:c0+cg], o.bias[c0:c0+cg]
		}
		kernels.GroupNorm(in[u*blk:(u+1)*blk], out[u*blk:(u+1)*blk], cg, o.s, 1, scale, bias, o.eps)
	}
	if o.act != nil {
		o.act(out[lo*blk : hi*blk])
	}
}

// validEps reports whether eps is finite and > 0.
func validEps(eps float64) bool { return eps > 0 && !math.IsInf(eps, 1) }
