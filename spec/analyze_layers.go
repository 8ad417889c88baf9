package spec

import (
	"slices"

	"github.com/modelgate/modelgate"
)

// p builds a relative parameter spec.
func p(name string, dims ...int) ParamSpec { return ParamSpec{Name: name, Shape: Shape(dims)} }

func mismatch(ptr string, in Shape, format string, args ...any) *modelgate.Error {
	e := modelgate.Errorf(modelgate.EINVALID, ptr, "shape-mismatch", format, args...)
	e.Message += ", got input " + in.String()
	return e
}

func actCost(a Act) int64 {
	if a.Activation == ActIdentity {
		return 0
	}
	return 1
}

func boolCost(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// leaf infers one layer that has no children.
func leaf(l Layer, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	switch l := l.(type) {
	case *Dense:
		return dense(l, in, ptr, k)
	case *Conv:
		return conv(l, in, ptr, k)
	case *ConvTranspose:
		return convTranspose(l, in, ptr, k)
	case *MaxPool:
		return pool(l.Kernel, l.Stride, l.Padding, in, ptr, k)
	case *MeanPool:
		return pool(l.Kernel, l.Stride, l.Padding, in, ptr, k)
	case *GlobalMaxPool, *GlobalMeanPool:
		return globalPool(in, ptr, k)
	case *AdaptiveMaxPool:
		return adaptivePool(l.Output, in, ptr, k)
	case *AdaptiveMeanPool:
		return adaptivePool(l.Output, in, ptr, k)
	case *BatchNorm:
		return batchNorm(l, in, ptr, k)
	case *LayerNorm:
		return layerNorm(l, in, ptr, k)
	case *GroupNorm:
		return groupNorm(l, in, ptr, k)
	case *InstanceNorm:
		return instanceNorm(l, in, ptr, k)
	}
	return leaf2(l, in, ptr, k)
}

func leaf2(l Layer, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	switch l := l.(type) {
	case *Dropout:
		return result{out: slices.Clone(in)}, nil
	case *Embedding:
		if len(in) != 1 {
			return result{}, mismatch(ptr, in, "embedding expects input [T]")
		}
		return result{out: Shape{in[0], l.Dim}, params: []ParamSpec{p("weight", l.Vocab, l.Dim)}}, nil
	case *Flatten:
		return result{out: Shape{int(min(k.elems(in), 1<<62))}}, nil
	case *Reshape:
		return reshape(l, in, ptr, k)
	case *Softmax:
		return softmax(l.Axis, in, ptr, k)
	case *LogSoftmax:
		return softmax(l.Axis, in, ptr, k)
	case *ActivationLayer:
		return result{out: slices.Clone(in), flops: k.mul(actCost(l.Act), k.elems(in))}, nil
	case *Upsample:
		return upsample(l, in, ptr, k)
	case *RNN, *LSTM, *GRU:
		return recurrent(l, in, ptr, k)
	}
	return result{}, modelgate.Errorf(modelgate.EINTERNAL, ptr, "unknown-layer-type", "no shape rule for %T", l)
}

func dense(l *Dense, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) < 1 {
		return result{}, mismatch(ptr, in, "dense expects input rank >= 1")
	}
	last := len(in) - 1
	f := in[last]
	out := append(slices.Clone(in[:last]), l.Units)
	ps := []ParamSpec{p("weight", l.Units, f)}
	if l.Bias {
		ps = append(ps, p("bias", l.Units))
	}
	outN := k.elems(out)
	flops := k.add(k.prod(2, k.elems(in[:last]), int64(l.Units), int64(f)),
		k.mul(boolCost(l.Bias)+actCost(l.Act), outN))
	return result{out: out, params: ps, flops: flops}, nil
}

func conv(l *Conv, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	n := len(l.Kernel)
	if len(in) != n+1 {
		return result{}, mismatch(ptr, in, "conv with a %d-D kernel expects input [C, %d spatial axes]", n, n)
	}
	cin := in[0]
	if cin%l.Groups != 0 {
		return result{}, mismatch(ptr, in, "groups %d does not divide input channels %d", l.Groups, cin)
	}
	out := Shape{l.Filters}
	for i := 0; i < n; i++ {
		ext := int64(l.Dilation[i])*int64(l.Kernel[i]-1) + 1
		num := int64(in[i+1]) + int64(l.Padding[2*i]) + int64(l.Padding[2*i+1]) - ext
		if num < 0 {
			return result{}, mismatch(ptr, in, "dilated kernel extent %d exceeds padded input on spatial axis %d", ext, i)
		}
		out = append(out, int(num/int64(l.Stride[i])+1))
	}
	w := append([]int{l.Filters, cin / l.Groups}, l.Kernel...)
	ps := []ParamSpec{p("weight", w...)}
	if l.Bias {
		ps = append(ps, p("bias", l.Filters))
	}
	outN := k.elems(out)
	kn := k.elems(Shape(l.Kernel))
	flops := k.add(k.prod(2, outN, int64(cin/l.Groups), kn), k.mul(boolCost(l.Bias)+actCost(l.Act), outN))
	return result{out: out, params: ps, flops: flops}, nil
}

func convTranspose(l *ConvTranspose, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) != 3 {
		return result{}, mismatch(ptr, in, "conv_transpose expects input [C, H, W]")
	}
	cin := in[0]
	if cin%l.Groups != 0 {
		return result{}, mismatch(ptr, in, "groups %d does not divide input channels %d", l.Groups, cin)
	}
	out := Shape{l.Filters}
	for i := 0; i < 2; i++ {
		v := k.mul(int64(in[i+1]-1), int64(l.Stride[i]))
		v = k.add(v, int64(l.Dilation[i])*int64(l.Kernel[i]-1)+int64(l.OutputPadding[i])+1)
		v -= int64(l.Padding[2*i]) + int64(l.Padding[2*i+1])
		if v < 1 || v > modelgate.MaxDim {
			return result{}, mismatch(ptr, in, "output size %d on spatial axis %d is outside 1..%d", v, i, modelgate.MaxDim)
		}
		out = append(out, int(v))
	}
	ps := []ParamSpec{p("weight", cin, l.Filters/l.Groups, l.Kernel[0], l.Kernel[1])}
	if l.Bias {
		ps = append(ps, p("bias", l.Filters))
	}
	outN := k.elems(out)
	kn := k.elems(Shape(l.Kernel))
	flops := k.add(k.prod(2, k.elems(in), int64(l.Filters/l.Groups), kn), k.mul(boolCost(l.Bias)+actCost(l.Act), outN))
	return result{out: out, params: ps, flops: flops}, nil
}

func pool(kernel, stride, pad []int, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	n := len(kernel)
	if len(in) != n+1 {
		return result{}, mismatch(ptr, in, "%d-D pooling expects input [C, %d spatial axes]", n, n)
	}
	out := Shape{in[0]}
	for i := 0; i < n; i++ {
		num := int64(in[i+1]) + int64(pad[2*i]) + int64(pad[2*i+1]) - int64(kernel[i])
		if num < 0 {
			return result{}, mismatch(ptr, in, "kernel %d exceeds padded input on spatial axis %d", kernel[i], i)
		}
		out = append(out, int(num/int64(stride[i])+1))
	}
	return result{out: out, flops: k.mul(k.elems(out), k.elems(Shape(kernel)))}, nil
}

func globalPool(in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) < 2 {
		return result{}, mismatch(ptr, in, "global pooling expects input [C, spatial...] of rank >= 2")
	}
	out := Shape{in[0]}
	for range in[1:] {
		out = append(out, 1)
	}
	return result{out: out, flops: k.elems(in)}, nil
}

func adaptivePool(output []int, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	n := len(output)
	if len(in) != n+1 {
		return result{}, mismatch(ptr, in, "%d-D adaptive pooling expects input [C, %d spatial axes]", n, n)
	}
	out := Shape{in[0]}
	kn := int64(1)
	for i, o := range output {
		d := in[i+1]
		if o > d {
			return result{}, mismatch(ptr, in, "output size %d exceeds input size %d on spatial axis %d", o, d, i)
		}
		stride := d / o
		kn = k.mul(kn, int64(d-(o-1)*stride))
		out = append(out, o)
	}
	return result{out: out, flops: k.mul(k.elems(out), kn)}, nil
}

func batchNorm(l *BatchNorm, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) < 1 {
		return result{}, mismatch(ptr, in, "batchnorm expects input rank >= 1")
	}
	c := in[0]
	var ps []ParamSpec
	if l.Affine {
		ps = append(ps, p("scale", c), p("bias", c))
	}
	ps = append(ps, p("mean", c), p("var", c))
	return result{out: slices.Clone(in), params: ps, flops: k.mul(2+actCost(l.Act), k.elems(in))}, nil
}

func normFLOPs(affine bool, a Act, in Shape, k *calc) int64 {
	return k.mul(5+2*boolCost(affine)+actCost(a), k.elems(in))
}

func layerNorm(l *LayerNorm, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if l.Dims > len(in) {
		return result{}, mismatch(ptr, in, "layernorm over the last %d axes needs input rank >= %d", l.Dims, l.Dims)
	}
	var ps []ParamSpec
	if l.Affine {
		norm := slices.Clone(in[len(in)-l.Dims:])
		ps = append(ps, ParamSpec{Name: "scale", Shape: norm}, ParamSpec{Name: "bias", Shape: slices.Clone(norm)})
	}
	return result{out: slices.Clone(in), params: ps, flops: normFLOPs(l.Affine, l.Act, in, k)}, nil
}

func groupNorm(l *GroupNorm, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) < 2 {
		return result{}, mismatch(ptr, in, "groupnorm expects input [C, spatial...] of rank >= 2")
	}
	if in[0]%l.Groups != 0 {
		return result{}, mismatch(ptr, in, "groups %d does not divide channels %d", l.Groups, in[0])
	}
	var ps []ParamSpec
	if l.Affine {
		ps = append(ps, p("scale", in[0]), p("bias", in[0]))
	}
	return result{out: slices.Clone(in), params: ps, flops: normFLOPs(l.Affine, l.Act, in, k)}, nil
}

func instanceNorm(l *InstanceNorm, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) < 2 {
		return result{}, mismatch(ptr, in, "instancenorm expects input [C, spatial...] of rank >= 2")
	}
	var ps []ParamSpec
	if l.Affine {
		ps = append(ps, p("scale", in[0]), p("bias", in[0]))
	}
	return result{out: slices.Clone(in), params: ps, flops: normFLOPs(l.Affine, l.Act, in, k)}, nil
}

func reshape(l *Reshape, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	n := k.elems(in)
	known := int64(1)
	infer := -1
	for i, d := range l.Shape {
		if d == -1 {
			infer = i
			continue
		}
		known = k.mul(known, int64(d))
	}
	out := slices.Clone(Shape(l.Shape))
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return result{}, mismatch(ptr, in, "cannot infer -1 in reshape to %v", Shape(l.Shape))
		}
		v := n / known
		if v > modelgate.MaxDim {
			return result{}, mismatch(ptr, in, "inferred dimension %d exceeds %d in reshape to %v", v, modelgate.MaxDim, Shape(l.Shape))
		}
		out[infer] = int(v)
		known = n
	}
	if known != n || k.overflow {
		return result{}, mismatch(ptr, in, "reshape to %v changes the element count (%d)", Shape(l.Shape), n)
	}
	return result{out: out}, nil
}

func softmax(axis int, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if _, ok := normAxis(axis, len(in)); !ok {
		return result{}, mismatch(ptr, in, "axis %d is out of range", axis)
	}
	return result{out: slices.Clone(in), flops: k.mul(3, k.elems(in))}, nil
}

func upsample(l *Upsample, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	n := len(l.Scale)
	if len(in) != n+1 {
		return result{}, mismatch(ptr, in, "upsample with %d scales expects input [C, %d spatial axes]", n, n)
	}
	out := Shape{in[0]}
	for i, s := range l.Scale {
		v := k.mul(int64(in[i+1]), int64(s))
		if v > modelgate.MaxDim {
			return result{}, mismatch(ptr, in, "upsampled size %d exceeds %d", v, modelgate.MaxDim)
		}
		out = append(out, int(v))
	}
	var flops int64
	if l.Mode == "bilinear" {
		flops = k.mul(8, k.elems(out))
	}
	return result{out: out, flops: flops}, nil
}

func recurrent(l Layer, in Shape, ptr string, k *calc) (result, *modelgate.Error) {
	if len(in) != 2 {
		return result{}, mismatch(ptr, in, "%s expects input [T, F]", l.LayerType())
	}
	t, f := in[0], in[1]
	if t > modelgate.MaxSequence {
		return result{}, modelgate.Errorf(modelgate.ELIMIT, ptr, "sequence-too-long", "sequence length %d exceeds %d", t, modelgate.MaxSequence)
	}
	var h, gates int
	var seq, init bool
	var ps []ParamSpec
	var extra int64 // per step, per hidden unit, besides matrix products
	switch l := l.(type) {
	case *RNN:
		h, gates, seq, init = l.Hidden, 1, l.ReturnSequences, l.InitialState
		ps = []ParamSpec{p("weight_ih", h, f), p("weight_hh", h, h), p("bias", h)}
		extra = 1 + actCost(l.Act)
	case *LSTM:
		h, gates, seq, init = l.Hidden, 4, l.ReturnSequences, l.InitialState
		ps = []ParamSpec{p("weight_ih", 4*h, f), p("weight_hh", 4*h, h), p("bias", 4*h)}
		extra = 13
	case *GRU:
		h, gates, seq, init = l.Hidden, 3, l.ReturnSequences, l.InitialState
		if l.Variant == "v3" {
			ps = []ParamSpec{p("weight_ih", 3*h, f), p("weight_hh", 2*h, h), p("bias", 3*h), p("weight_hn", h, h)}
		} else {
			ps = []ParamSpec{p("weight_ih", 3*h, f), p("weight_hh", 3*h, h), p("bias", 3*h)}
		}
		extra = 10
	}
	if int64(gates)*int64(h) > modelgate.MaxDim {
		return result{}, modelgate.Errorf(modelgate.ELIMIT, ptr+"/hidden", "bad-dim", "%d gates × hidden %d exceeds %d", gates, h, modelgate.MaxDim)
	}
	if init {
		ps = append(ps, p("h0", h))
		if _, ok := l.(*LSTM); ok {
			ps = append(ps, p("c0", h))
		}
	}
	step := k.add(k.prod(2, int64(gates), int64(h), k.add(int64(f), int64(h))), k.mul(extra, int64(h)))
	out := Shape{h}
	if seq {
		out = Shape{t, h}
	}
	return result{out: out, params: ps, flops: k.mul(int64(t), step)}, nil
}
