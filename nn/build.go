package nn

import (
	"reflect"
	"slices"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// maxNesting bounds the recursion of the builder over skip/parallel layers.
const maxNesting = modelgate.MaxDepth

// builder walks a spec's layers in pre-order alongside the analysis, checks
// the analysis is consistent with the spec, and builds one op per layer.
type builder struct {
	an      *spec.Analysis
	tensors map[string][]float32  // full name -> data
	shapes  map[string]spec.Shape // full name -> shape from the analysis
	used    map[string]bool       // full names handed out to a layer
	next    int                   // index of the next layer in an.Layers
	threads int
	limits  modelgate.Limits
}

// layerParams implements params for one layer: it hands out the layer's
// tensors by suffix, each at most once.
type layerParams struct {
	prefix string
	b      *builder
}

func (p *layerParams) get(name string) []float32 {
	full := p.prefix + name
	d, ok := p.b.tensors[full]
	if !ok || p.b.used[full] {
		return nil
	}
	if p.b.used == nil {
		p.b.used = make(map[string]bool, len(p.b.tensors))
	}
	p.b.used[full] = true
	return d
}

// finish checks every layer of the analysis was visited, every tensor was
// consumed by a layer, and the final shape is the analysis output.
func (b *builder) finish(out spec.Shape) error {
	if b.next != len(b.an.Layers) {
		return modelgate.Errorf(modelgate.EINVALID, "/layers", "analysis-mismatch",
			"analysis lists %d layers, the spec has %d", len(b.an.Layers), b.next)
	}
	for _, p := range b.an.Params {
		if !b.used[p.Name] {
			return modelgate.Errorf(modelgate.EINVALID, p.Name, "unused-tensor",
				"layer %s does not use this parameter", p.Pointer)
		}
	}
	if !slices.Equal(out, b.an.Output) {
		return modelgate.Errorf(modelgate.EINVALID, "/layers", "analysis-mismatch",
			"layers produce %v, the analysis says %v", out, b.an.Output)
	}
	return nil
}

// sequence builds the ops of layers, starting from the per-sample shape in,
// and returns the sequence op and its output shape.
func (b *builder) sequence(layers spec.Layers, in spec.Shape, depth int) (*seqOp, spec.Shape, error) {
	if depth > maxNesting {
		return nil, nil, modelgate.Errorf(modelgate.ELIMIT, "/layers", "nesting-limit",
			"layers nest deeper than %d", maxNesting)
	}
	s := &seqOp{inLen: int(in.Elements())}
	cur := in
	for _, l := range layers {
		o, li, err := b.layer(l, cur, depth)
		if err != nil {
			return nil, nil, err
		}
		s.ops = append(s.ops, o)
		s.outLen = append(s.outLen, int(li.Out.Elements()))
		cur = li.Out
	}
	for i := 0; i+1 < len(s.ops); i++ {
		s.foldBatchNorm(i)
	}
	for i := 0; i+1 < len(s.ops); i++ {
		s.fuseAddReLU(i)
	}
	for _, n := range s.outLen[:max(len(s.outLen)-1, 0)] {
		s.maxMid = max(s.maxMid, n)
	}
	return s, cur, nil
}

// layer takes the next LayerInfo, checks it describes l applied to in, and
// builds l's op.
func (b *builder) layer(l spec.Layer, in spec.Shape, depth int) (op, spec.LayerInfo, error) {
	if b.next >= len(b.an.Layers) || b.next >= b.limits.Layers {
		return nil, spec.LayerInfo{}, modelgate.Errorf(modelgate.EINVALID, "/layers", "analysis-mismatch",
			"the spec has more layers than the analysis")
	}
	li := b.an.Layers[b.next]
	b.next++
	if !sameLayer(li.Layer, l) || li.Depth != depth {
		return nil, li, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "analysis-mismatch",
			"analysis layer does not match the spec layer in pre-order")
	}
	if !slices.Equal(li.In, in) {
		return nil, li, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "analysis-mismatch",
			"analysis input %v, previous layer produces %v", li.In, in)
	}
	if err := checkShape(li.Pointer, li.In, b.limits); err != nil {
		return nil, li, err
	}
	if err := checkShape(li.Pointer, li.Out, b.limits); err != nil {
		return nil, li, err
	}
	p := &layerParams{prefix: li.Prefix, b: b}
	o, err := b.build(l, li, p, depth)
	if err != nil {
		return nil, li, wrapLayer(li, err)
	}
	// Ops whose constructors take no thread count get it here, before the
	// op is shared.
	if t, ok := o.(interface{ setThreads(int) }); ok {
		t.setThreads(b.threads)
	}
	return o, li, nil
}

// sameLayer reports whether a and b are the same layer value. Spec layers
// are pointers; a foreign Layer implementation of a non-comparable type is
// never the same (comparing it would panic), and neither is a nil pointer.
func sameLayer(a, b spec.Layer) bool {
	if a == nil || b == nil {
		return false
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || !ta.Comparable() {
		return false
	}
	if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && v.IsNil() {
		return false // a typed nil layer has no fields to read
	}
	return a == b
}

// wrapLayer makes sure err names the layer.
func wrapLayer(li spec.LayerInfo, err error) error {
	if e, ok := err.(*modelgate.Error); ok && e.Where == "" {
		c := *e
		c.Where = li.Pointer
		return &c
	}
	if _, ok := err.(*modelgate.Error); ok {
		return err
	}
	if _, ok := err.(modelgate.Problems); ok {
		return err
	}
	return &modelgate.Error{Code: modelgate.ErrorCode(err), Where: li.Pointer, Rule: "bind-layer",
		Message: "cannot bind " + strings.ToLower(string(li.Layer.LayerType())) + " layer", Err: err}
}
