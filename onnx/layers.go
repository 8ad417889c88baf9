package onnx

import (
	"reflect"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// layers emits ls in order on the value x and returns the final value.
func (b *builder) layers(ls spec.Layers, x string) (string, error) {
	for _, l := range ls {
		if err := b.ctx.Err(); err != nil {
			return "", err
		}
		var err error
		if x, err = b.layer(l, x); err != nil {
			return "", err
		}
	}
	return x, nil
}

// info returns the analysis entry of the next layer, which must be l.
func (b *builder) info(l spec.Layer) (spec.LayerInfo, error) {
	if b.next >= len(b.an.Layers) || !sameLayer(b.an.Layers[b.next].Layer, l) {
		return spec.LayerInfo{}, modelgate.Errorf(modelgate.EINVALID, "", "analysis-mismatch",
			"the analysis does not belong to this spec (layer %d)", b.next)
	}
	li := b.an.Layers[b.next]
	b.next++
	return li, nil
}

// sameLayer reports whether x and y are the same layer value, without the
// run-time panic == would raise on a non-comparable Layer implementation.
func sameLayer(x, y spec.Layer) bool {
	if x == nil || y == nil || !reflect.TypeOf(x).Comparable() || !reflect.TypeOf(y).Comparable() {
		return false
	}
	return x == y
}

// unsupported is the error for a layer setting ONNX cannot express.
func unsupported(where, format string, args ...any) error {
	return modelgate.Errorf(modelgate.EUNSUPPORTED, where, "onnx-unsupported", format, args...)
}

// layer emits one layer on x.
func (b *builder) layer(l spec.Layer, x string) (string, error) {
	li, err := b.info(l)
	if err != nil {
		return "", err
	}
	switch l := l.(type) {
	case *spec.Dense:
		return b.dense(l, li, x)
	case *spec.Conv:
		return b.conv(l, li, x)
	case *spec.ConvTranspose:
		return b.convTranspose(l, li, x)
	case *spec.MaxPool:
		return b.pool("MaxPool", l.Kernel, l.Stride, l.Padding, li, x)
	case *spec.MeanPool:
		return b.meanPool(l, li, x)
	case *spec.GlobalMaxPool:
		return b.add("GlobalMaxPool", []string{x}), nil
	case *spec.GlobalMeanPool:
		return b.add("GlobalAveragePool", []string{x}), nil
	case *spec.AdaptiveMaxPool:
		return b.adaptive("MaxPool", l.Output, li, x)
	case *spec.AdaptiveMeanPool:
		return b.adaptive("AveragePool", l.Output, li, x)
	case *spec.BatchNorm:
		return b.batchNorm(l, li, x)
	case *spec.LayerNorm:
		return b.layerNorm(l, li, x)
	case *spec.GroupNorm:
		return b.groupNorm(l, li, x)
	case *spec.InstanceNorm:
		return b.instanceNorm(l, li, x)
	case *spec.Dropout:
		return x, nil
	case *spec.Embedding:
		return b.embedding(li, x)
	case *spec.Flatten:
		return b.add("Flatten", []string{x}, attrInt("axis", 1)), nil
	case *spec.Reshape:
		return b.reshape(x, li.Out), nil
	case *spec.Softmax:
		return b.add("Softmax", []string{x}, attrInt("axis", axis(l.Axis))), nil
	case *spec.LogSoftmax:
		return b.add("LogSoftmax", []string{x}, attrInt("axis", axis(l.Axis))), nil
	case *spec.ActivationLayer:
		return b.act(l.Act, li.Pointer, x)
	case *spec.Upsample:
		return b.upsample(l, li, x)
	case *spec.Skip:
		return b.skip(l, li, x)
	case *spec.Parallel:
		return b.parallel(l, li, x)
	case *spec.RNN:
		return b.rnn(l, li, x)
	case *spec.LSTM:
		return b.lstm(l, li, x)
	case *spec.GRU:
		return b.gru(l, li, x)
	}
	return "", unsupported(li.Pointer, "layer type %q has no ONNX mapping", l.LayerType())
}

// axis maps a per-sample axis to the batched tensor's axis: negative axes
// count from the end and stay, the others move past the batch axis.
func axis(a int) int64 {
	if a < 0 {
		return int64(a)
	}
	return int64(a) + 1
}

// ints converts to int64.
func ints(v []int) []int64 {
	out := make([]int64, len(v))
	for i, d := range v {
		out[i] = int64(d)
	}
	return out
}

// pads converts spec padding ([b0, e0, b1, e1], or N symmetric values, or
// none) for n spatial axes to ONNX's [b0, b1, ..., e0, e1, ...].
func pads(p []int, n int, where string) ([]int64, error) {
	out := make([]int64, 2*n)
	switch len(p) {
	case 0:
	case n:
		for i, v := range p {
			out[i], out[n+i] = int64(v), int64(v)
		}
	case 2 * n:
		for i := range n {
			out[i], out[n+i] = int64(p[2*i]), int64(p[2*i+1])
		}
	default:
		return nil, modelgate.Errorf(modelgate.EINVALID, where+"/padding", "padding-length",
			"padding has %d values for %d spatial axes", len(p), n)
	}
	return out, nil
}

// orOnes returns v, or n ones when v is empty.
func orOnes(v []int, n int) []int64 {
	if len(v) == 0 {
		out := make([]int64, n)
		for i := range out {
			out[i] = 1
		}
		return out
	}
	return ints(v)
}

// reshape emits a Reshape of x to [N, shape...].
func (b *builder) reshape(x string, shape spec.Shape) string {
	dims := append([]int64{0}, ints(shape)...)
	return b.add("Reshape", []string{x, b.constI(dims...)})
}

func (b *builder) dense(l *spec.Dense, li spec.LayerInfo, x string) (string, error) {
	w, shape, err := b.param(li, "weight")
	if err != nil {
		return "", err
	}
	var bias string
	if l.Bias {
		if bias, err = b.paramInit(li, "bias"); err != nil {
			return "", err
		}
	}
	var y string
	if len(li.In) == 1 {
		wn := b.addInit(tensor{name: li.Prefix + "weight", dims: shape, dtype: dtFloat, f32: w})
		in := []string{x, wn}
		if bias != "" {
			in = append(in, bias)
		}
		y = b.add("Gemm", in, attrInt("transB", 1))
	} else {
		units, fin := int(shape[0]), int(shape[1])
		wt := make([]float32, len(w))
		for u := range units {
			for k := range fin {
				wt[k*units+u] = w[u*fin+k]
			}
		}
		wn := b.addInit(tensor{name: li.Prefix + "weight.T", dims: []int64{shape[1], shape[0]}, dtype: dtFloat, f32: wt})
		y = b.add("MatMul", []string{x, wn})
		if bias != "" {
			y = b.add("Add", []string{y, bias})
		}
	}
	return b.act(l.Act, li.Pointer, y)
}

func (b *builder) conv(l *spec.Conv, li spec.LayerInfo, x string) (string, error) {
	n := len(l.Kernel)
	p, err := pads(l.Padding, n, li.Pointer)
	if err != nil {
		return "", err
	}
	in := []string{x}
	w, err := b.paramInit(li, "weight")
	if err != nil {
		return "", err
	}
	in = append(in, w)
	if l.Bias {
		bias, err := b.paramInit(li, "bias")
		if err != nil {
			return "", err
		}
		in = append(in, bias)
	}
	y := b.add("Conv", in,
		attrIntList("kernel_shape", ints(l.Kernel)),
		attrIntList("strides", orOnes(l.Stride, n)),
		attrIntList("pads", p),
		attrIntList("dilations", orOnes(l.Dilation, n)),
		attrInt("group", int64(max(l.Groups, 1))))
	return b.act(l.Act, li.Pointer, y)
}

func (b *builder) convTranspose(l *spec.ConvTranspose, li spec.LayerInfo, x string) (string, error) {
	n := len(l.Kernel)
	p, err := pads(l.Padding, n, li.Pointer)
	if err != nil {
		return "", err
	}
	w, err := b.paramInit(li, "weight")
	if err != nil {
		return "", err
	}
	in := []string{x, w}
	if l.Bias {
		bias, err := b.paramInit(li, "bias")
		if err != nil {
			return "", err
		}
		in = append(in, bias)
	}
	outPad := make([]int64, n)
	copy(outPad, ints(l.OutputPadding))
	y := b.add("ConvTranspose", in,
		attrIntList("kernel_shape", ints(l.Kernel)),
		attrIntList("strides", orOnes(l.Stride, n)),
		attrIntList("pads", p),
		attrIntList("output_padding", outPad),
		attrIntList("dilations", orOnes(l.Dilation, n)),
		attrInt("group", int64(max(l.Groups, 1))))
	return b.act(l.Act, li.Pointer, y)
}

// pool emits MaxPool or AveragePool; extra attributes are appended.
func (b *builder) pool(op string, kernel, stride, padding []int, li spec.LayerInfo, x string, extra ...attr) (string, error) {
	n := len(kernel)
	p, err := pads(padding, n, li.Pointer)
	if err != nil {
		return "", err
	}
	st := ints(kernel)
	if len(stride) > 0 {
		st = ints(stride)
	}
	attrs := append([]attr{
		attrIntList("kernel_shape", ints(kernel)),
		attrIntList("strides", st),
		attrIntList("pads", p),
	}, extra...)
	return b.add(op, []string{x}, attrs...), nil
}

func (b *builder) meanPool(l *spec.MeanPool, li spec.LayerInfo, x string) (string, error) {
	cip := int64(0)
	if l.CountPadding {
		cip = 1
	}
	return b.pool("AveragePool", l.Kernel, l.Stride, l.Padding, li, x, attrInt("count_include_pad", cip))
}

// adaptive emits Flux's adaptive pooling as a fixed pool: per axis
// stride = in/out and kernel = in - (out-1)*stride.
func (b *builder) adaptive(op string, output []int, li spec.LayerInfo, x string) (string, error) {
	n := len(output)
	if len(li.In) != n+1 {
		return "", modelgate.Errorf(modelgate.EINVALID, li.Pointer, "analysis-mismatch",
			"adaptive pooling to %d axes of input %v", n, li.In)
	}
	kernel, stride := make([]int, n), make([]int, n)
	for i, o := range output {
		in := li.In[i+1]
		if o < 1 || o > in {
			return "", modelgate.Errorf(modelgate.EINVALID, li.Pointer+"/output", "adaptive-output",
				"output %d outside 1..%d", o, in)
		}
		stride[i] = in / o
		kernel[i] = in - (o-1)*stride[i]
	}
	return b.pool(op, kernel, stride, nil, li, x)
}

func (b *builder) embedding(li spec.LayerInfo, x string) (string, error) {
	w, err := b.paramInit(li, "weight")
	if err != nil {
		return "", err
	}
	idx := b.add("Cast", []string{x}, attrInt("to", dtInt64))
	return b.add("Gather", []string{w, idx}, attrInt("axis", 0)), nil
}

func (b *builder) upsample(l *spec.Upsample, li spec.LayerInfo, x string) (string, error) {
	scales := []float32{1, 1}
	for _, s := range l.Scale {
		scales = append(scales, float32(s))
	}
	sc := b.constF(fmtKey("scales", scales), []int64{int64(len(scales))}, scales)
	var attrs []attr
	switch {
	case l.Mode == "nearest" || l.Mode == "":
		attrs = []attr{attrString("mode", "nearest"),
			attrString("coordinate_transformation_mode", "asymmetric"),
			attrString("nearest_mode", "floor")}
	case l.Mode == "bilinear" && l.AlignCorners:
		attrs = []attr{attrString("mode", "linear"), attrString("coordinate_transformation_mode", "align_corners")}
	case l.Mode == "bilinear":
		attrs = []attr{attrString("mode", "linear"), attrString("coordinate_transformation_mode", "half_pixel")}
	default:
		return "", unsupported(li.Pointer+"/mode", "upsample mode %q has no ONNX mapping", l.Mode)
	}
	return b.add("Resize", []string{x, "", sc}, attrs...), nil
}
