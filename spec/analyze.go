package spec

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/modelgate/modelgate"
)

// Analyze runs [Validate] and then static shape inference over the whole
// graph: every layer's input and output shape, every parameter tensor, the
// FLOPs per sample and the largest live activation. It enforces lim.Layers,
// lim.Params, lim.Tensors, lim.FLOPs and lim.ActivationBytes, and every
// shape rule of the layer types. All arithmetic is checked: a product that
// overflows int64 or a dimension above [modelgate.MaxDim] is an error, never
// a wrapped value.
//
// The error is a [modelgate.Problems]: every validation problem, or the first
// shape or budget problem. A shape mismatch names the layer pointer and both
// shapes.
//
// FLOPs per sample (a multiply-add counts 2): dense, conv, conv_transpose and
// recurrent matrix products 2 per multiply-add; bias 1 per output element;
// a non-identity activation 1 per element; batchnorm 2 per element;
// layernorm, groupnorm and instancenorm 5 per element plus 2 when affine;
// max and mean pooling prod(kernel) per output element; global pooling 1 per
// input element; softmax and logsoftmax 3 per element; bilinear upsampling 8
// per output element; add and multiply combines 1 per output element per
// merged path; everything else 0. Recurrent layers per time step: rnn
// 2H(F+H) + H (+H for the activation), lstm 8H(F+H) + 13H, gru 6H(F+H) + 10H.
func Analyze(s *Spec, lim modelgate.Limits) (*Analysis, error) {
	lim = lim.OrDefault()
	if p := Validate(s, lim); len(p) > 0 {
		return nil, p
	}
	z := &analyzer{lim: lim, a: &Analysis{Input: slices.Clone(Shape(s.Input.Shape))}}
	out, err := z.list(s.Layers, z.a.Input, "/layers", "layers.", 0)
	if err != nil {
		return nil, modelgate.Problems{err}
	}
	z.a.Output = out
	return z.a, nil
}

// analyzer holds the state of one Analyze call.
type analyzer struct {
	lim modelgate.Limits
	a   *Analysis
}

// list infers a sequential list of layers; ptr and prefix name the list
// ("/layers", "layers."), depth is the nesting level. Recursion depth is
// bounded by Validate (lim.Depth).
func (z *analyzer) list(ls Layers, in Shape, ptr, prefix string, depth int) (Shape, *modelgate.Error) {
	x := in
	for i, l := range ls {
		p := fmt.Sprintf("%s/%d", ptr, i)
		pre := fmt.Sprintf("%s%d.", prefix, i)
		out, err := z.layer(l, x, p, pre, depth)
		if err != nil {
			return nil, err
		}
		x = out
	}
	return x, nil
}

// result is what one layer contributes.
type result struct {
	out    Shape
	params []ParamSpec // names relative to the layer prefix
	flops  int64
}

func (z *analyzer) layer(l Layer, in Shape, ptr, prefix string, depth int) (Shape, *modelgate.Error) {
	idx := len(z.a.Layers)
	z.a.Layers = append(z.a.Layers, LayerInfo{Pointer: ptr, Prefix: prefix, Depth: depth, Layer: l, In: slices.Clone(in)})
	var r result
	var err *modelgate.Error
	switch l := l.(type) {
	case *Skip:
		r, err = z.skip(l, in, ptr, prefix, depth)
	case *Parallel:
		r, err = z.parallel(l, in, ptr, prefix, depth)
	default:
		k := &calc{}
		r, err = leaf(l, in, ptr, k)
		if err == nil && k.overflow {
			err = overflowError(ptr)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := checkShape(r.out, ptr); err != nil {
		return nil, err
	}
	return r.out, z.account(idx, r, ptr, prefix)
}

// account records a layer's result and enforces the budgets.
func (z *analyzer) account(idx int, r result, ptr, prefix string) *modelgate.Error {
	info := &z.a.Layers[idx]
	info.Out = slices.Clone(r.out)
	info.FLOPs = r.flops
	k := &calc{}
	for _, p := range r.params {
		n := p.Shape.Elements()
		if n < 0 {
			k.overflow = true
		}
		info.Params = k.add(info.Params, n)
		z.a.Params = append(z.a.Params, ParamSpec{Name: prefix + p.Name, Shape: p.Shape, Pointer: ptr})
	}
	z.a.TotalParams = k.add(z.a.TotalParams, info.Params)
	z.a.TotalFLOPs = k.add(z.a.TotalFLOPs, r.flops)
	act := k.mul(4, k.add(info.In.Elements(), info.Out.Elements()))
	if k.overflow || info.In.Elements() < 0 || info.Out.Elements() < 0 {
		return overflowError(ptr)
	}
	z.a.ActivationBytes = max(z.a.ActivationBytes, act)
	switch {
	case z.a.TotalParams > z.lim.Params:
		return modelgate.Errorf(modelgate.ELIMIT, ptr, "too-many-params", "model has more than %d parameters", z.lim.Params)
	case len(z.a.Params) > z.lim.Tensors:
		return modelgate.Errorf(modelgate.ELIMIT, ptr, "too-many-tensors", "model has more than %d parameter tensors", z.lim.Tensors)
	case z.a.TotalFLOPs > z.lim.FLOPs:
		return modelgate.Errorf(modelgate.ELIMIT, ptr, "too-many-flops", "model needs more than %d FLOPs per sample", z.lim.FLOPs)
	case act > z.lim.ActivationBytes:
		return modelgate.Errorf(modelgate.ELIMIT, ptr, "activation-too-large",
			"layer input and output take %d bytes per sample, limit %d", act, z.lim.ActivationBytes)
	}
	return nil
}

func (z *analyzer) skip(l *Skip, in Shape, ptr, prefix string, depth int) (result, *modelgate.Error) {
	y, err := z.list(l.Layers, in, ptr+"/layers", prefix+"layers.", depth+1)
	if err != nil {
		return result{}, err
	}
	return combine(l.Combine, l.Axis, []Shape{y, in}, []string{"the layers' output", "the skip input"}, ptr)
}

func (z *analyzer) parallel(l *Parallel, in Shape, ptr, prefix string, depth int) (result, *modelgate.Error) {
	outs := make([]Shape, 0, len(l.Branches))
	names := make([]string, 0, len(l.Branches))
	for b, br := range l.Branches {
		y, err := z.list(br, in, fmt.Sprintf("%s/branches/%d", ptr, b), fmt.Sprintf("%sbranches.%d.", prefix, b), depth+1)
		if err != nil {
			return result{}, err
		}
		outs = append(outs, y)
		names = append(names, fmt.Sprintf("branch %d", b))
	}
	return combine(l.Combine, l.Axis, outs, names, ptr)
}

// combine merges paths with add, multiply or concat.
func combine(c Combine, axis int, shapes []Shape, names []string, ptr string) (result, *modelgate.Error) {
	if len(shapes) == 0 {
		return result{}, modelgate.Errorf(modelgate.EINVALID, ptr, "no-branches", "nothing to combine")
	}
	first := shapes[0]
	k := &calc{}
	if c != CombineConcat {
		for i := 1; i < len(shapes); i++ {
			if !slices.Equal(first, shapes[i]) {
				return result{}, modelgate.Errorf(modelgate.EINVALID, ptr, "shape-mismatch",
					"combine %q needs equal shapes: %s is %v, %s is %v", c, names[0], first, names[i], shapes[i])
			}
		}
		flops := k.mul(int64(len(shapes)-1), first.Elements())
		if k.overflow {
			return result{}, overflowError(ptr)
		}
		return result{out: slices.Clone(first), flops: flops}, nil
	}
	ax, ok := normAxis(axis, len(first))
	if !ok {
		return result{}, modelgate.Errorf(modelgate.EINVALID, ptr+"/axis", "bad-axis",
			"axis %d is out of range for %s %v", axis, names[0], first)
	}
	out := slices.Clone(first)
	for i := 1; i < len(shapes); i++ {
		s := shapes[i]
		if !concatCompatible(first, s, ax) {
			return result{}, modelgate.Errorf(modelgate.EINVALID, ptr, "shape-mismatch",
				"concat along axis %d needs equal other axes: %s is %v, %s is %v", axis, names[0], first, names[i], s)
		}
		out[ax] = int(k.add(int64(out[ax]), int64(s[ax])))
	}
	if k.overflow {
		return result{}, overflowError(ptr)
	}
	return result{out: out}, nil
}

func concatCompatible(a, b Shape, ax int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if i != ax && a[i] != b[i] {
			return false
		}
	}
	return true
}

// normAxis maps a possibly negative axis into 0..rank-1.
func normAxis(axis, rank int) (int, bool) {
	if axis < 0 {
		axis += rank
	}
	return axis, axis >= 0 && axis < rank
}

// checkShape enforces rank and dimension bounds on an inferred shape.
func checkShape(s Shape, ptr string) *modelgate.Error {
	if len(s) < 1 || len(s) > modelgate.MaxRank {
		return modelgate.Errorf(modelgate.EINVALID, ptr, "bad-rank", "output %v has rank outside 1..%d", s, modelgate.MaxRank)
	}
	for _, d := range s {
		if d < 1 || d > modelgate.MaxDim {
			return modelgate.Errorf(modelgate.ELIMIT, ptr, "bad-dim", "output %v has a dimension outside 1..%d", s, modelgate.MaxDim)
		}
	}
	if s.Elements() < 0 {
		return overflowError(ptr)
	}
	return nil
}

func overflowError(ptr string) *modelgate.Error {
	return modelgate.Errorf(modelgate.ELIMIT, ptr, "overflow", "size arithmetic overflows int64")
}

// calc is checked non-negative int64 arithmetic with a sticky overflow flag.
type calc struct{ overflow bool }

func (k *calc) mul(a, b int64) int64 {
	if a < 0 || b < 0 {
		k.overflow = true
		return 0
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > 1<<63-1 {
		k.overflow = true
		return 0
	}
	return int64(lo)
}

func (k *calc) add(a, b int64) int64 {
	if a < 0 || b < 0 || a > (1<<63-1)-b {
		k.overflow = true
		return 0
	}
	return a + b
}

// prod multiplies values.
func (k *calc) prod(vs ...int64) int64 {
	n := int64(1)
	for _, v := range vs {
		n = k.mul(n, v)
	}
	return n
}

// elems is the checked element count of s.
func (k *calc) elems(s Shape) int64 {
	n := int64(1)
	for _, d := range s {
		n = k.mul(n, int64(d))
	}
	return n
}
