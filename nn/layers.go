package nn

import (
	"slices"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// build returns the op of one layer. Container layers recurse through the
// builder; every other layer goes to its constructor.
func (b *builder) build(l spec.Layer, li spec.LayerInfo, p params, depth int) (op, error) {
	switch l := l.(type) {
	case *spec.Dense:
		return newDense(l, li, p, b.threads)
	case *spec.Conv:
		return newConv(l, li, p, b.threads)
	case *spec.ConvTranspose:
		return newConvTranspose(l, li, p, b.threads)
	case *spec.MaxPool:
		return newPool(li, l.Kernel, l.Stride, l.Padding, poolMax, false, b.threads)
	case *spec.MeanPool:
		return newPool(li, l.Kernel, l.Stride, l.Padding, poolMean, l.CountPadding, b.threads)
	case *spec.GlobalMaxPool:
		return newGlobalPool(li, poolMax, b.threads)
	case *spec.GlobalMeanPool:
		return newGlobalPool(li, poolMean, b.threads)
	case *spec.AdaptiveMaxPool:
		return newAdaptivePool(li, l.Output, poolMax, b.threads)
	case *spec.AdaptiveMeanPool:
		return newAdaptivePool(li, l.Output, poolMean, b.threads)
	case *spec.BatchNorm:
		return newBatchNorm(l, li, p, b.threads)
	case *spec.LayerNorm:
		return newLayerNorm(l, li, p, b.threads)
	case *spec.GroupNorm:
		return newGroupNorm(li, p, l.Groups, l.Eps, l.Affine, l.Act, b.threads)
	case *spec.InstanceNorm:
		if len(li.In) < 2 {
			return nil, errLayer(li, "bad-rank", "instancenorm needs input rank >= 2, got %v", li.In)
		}
		return newGroupNorm(li, p, li.In[0], l.Eps, l.Affine, l.Act, b.threads)
	case *spec.Dropout, *spec.Flatten, *spec.Reshape:
		return newCopy(l, li)
	case *spec.Softmax:
		return newSoftmax(li, l.Axis, false, b.threads)
	case *spec.LogSoftmax:
		return newSoftmax(li, l.Axis, true, b.threads)
	case *spec.Skip:
		return b.skip(l, li, depth)
	case *spec.Parallel:
		return b.parallel(l, li, depth)
	case *spec.ActivationLayer:
		return newActivationLayer(l, li)
	case *spec.Upsample:
		return newUpsample(l, li)
	case *spec.Embedding:
		return newEmbedding(l, li, p)
	case *spec.RNN:
		return newRNN(l, li, p)
	case *spec.LSTM:
		return newLSTM(l, li, p)
	case *spec.GRU:
		return newGRU(l, li, p)
	}
	return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, li.Pointer, "unknown-layer", "layer type %T is not supported", l)
}

// errLayer returns an EINVALID error located at the layer.
func errLayer(li spec.LayerInfo, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(modelgate.EINVALID, li.Pointer, rule, format, args...)
}

// checkOut checks the shape a constructor computed against the analysis.
func checkOut(li spec.LayerInfo, got spec.Shape) error {
	if !slices.Equal(got, li.Out) {
		return errLayer(li, "analysis-mismatch", "layer produces %v from %v, the analysis says %v", got, li.In, li.Out)
	}
	return nil
}

// getParam fetches a parameter and checks it has exactly the shape this
// package computes for it (not only the analysis's).
func getParam(li spec.LayerInfo, p params, name string, shape ...int) ([]float32, error) {
	d := p.get(name)
	if d == nil || int64(len(d)) != spec.Shape(shape).Elements() {
		return nil, errLayer(li, "analysis-mismatch", "parameter %s%s missing or not of shape %v", li.Prefix, name, spec.Shape(shape))
	}
	if lp, ok := p.(*layerParams); ok && !slices.Equal(lp.b.shapes[li.Prefix+name], spec.Shape(shape)) {
		return nil, errLayer(li, "analysis-mismatch", "parameter %s%s has shape %v, the layer needs %v",
			li.Prefix, name, lp.b.shapes[li.Prefix+name], spec.Shape(shape))
	}
	return d, nil
}

// compileActAt compiles a fused activation, locating errors at the layer.
func compileActAt(li spec.LayerInfo, a spec.Act) (func([]float32), error) {
	f, err := compileAct(a)
	if err != nil {
		return nil, wrapLayer(li, err)
	}
	return f, nil
}

// skip builds a skip connection.
func (b *builder) skip(l *spec.Skip, li spec.LayerInfo, depth int) (op, error) {
	inner, out, err := b.sequence(l.Layers, li.In, depth+1)
	if err != nil {
		return nil, err
	}
	comb, err := newCombiner(li, string(l.Combine), l.Axis, []spec.Shape{out, li.In})
	if err != nil {
		return nil, err
	}
	return &skipOp{inner: inner, innerLen: int(out.Elements()), comb: *comb}, nil
}

// parallel builds a parallel layer.
func (b *builder) parallel(l *spec.Parallel, li spec.LayerInfo, depth int) (op, error) {
	if len(l.Branches) == 0 {
		return nil, errLayer(li, "no-branches", "parallel needs at least one branch")
	}
	p := &parallelOp{}
	var shapes []spec.Shape
	for _, br := range l.Branches {
		s, out, err := b.sequence(br, li.In, depth+1)
		if err != nil {
			return nil, err
		}
		p.branches = append(p.branches, s)
		shapes = append(shapes, out)
		p.total += int(out.Elements())
	}
	comb, err := newCombiner(li, string(l.Combine), l.Axis, shapes)
	if err != nil {
		return nil, err
	}
	p.comb = *comb
	return p, nil
}

// newCombiner checks the shapes of the paths against the combine mode and
// the layer's output shape.
func newCombiner(li spec.LayerInfo, mode string, axis int, shapes []spec.Shape) (*combiner, error) {
	c := &combiner{mode: mode}
	for _, s := range shapes {
		c.lens = append(c.lens, int(s.Elements()))
	}
	switch mode {
	case "add", "multiply":
		for _, s := range shapes {
			if !slices.Equal(s, shapes[0]) {
				return nil, errLayer(li, "combine-shape", "%s needs equal shapes, got %v and %v", mode, shapes[0], s)
			}
		}
		return c, checkOut(li, shapes[0])
	case "concat":
		return c, c.concatPlan(li, axis, shapes)
	}
	return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, li.Pointer, "combine", "combine %q is not supported", mode)
}

// concatPlan fills the concat fields and checks the output shape.
func (c *combiner) concatPlan(li spec.LayerInfo, axis int, shapes []spec.Shape) error {
	r := len(shapes[0])
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return errLayer(li, "bad-axis", "concat axis %d outside rank %d", axis, r)
	}
	out := slices.Clone(shapes[0])
	out[axis] = 0
	for _, s := range shapes {
		if len(s) != r || !slices.Equal(s[:axis], shapes[0][:axis]) || !slices.Equal(s[axis+1:], shapes[0][axis+1:]) {
			return errLayer(li, "combine-shape", "concat along %d needs matching shapes, got %v and %v", axis, shapes[0], s)
		}
		out[axis] += s[axis]
		c.chunks = append(c.chunks, int(s[axis:].Elements()))
	}
	c.outer = int(shapes[0][:axis].Elements())
	return checkOut(li, out)
}
