package onnx

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// IRVersion and Opset are the ONNX IR version and the default-domain
// operator set version of every exported model.
const (
	IRVersion = 8
	Opset     = 17
)

// MaxModelBytes is the largest model Export writes (2 GiB - 1: protobuf's
// limit for one message).
const MaxModelBytes = 1<<31 - 1

// Producer is the ModelProto.producer_name of exported models.
const Producer = "modelgate"

// InputName and OutputName are the names of the graph's input and output.
const (
	InputName  = "input"
	OutputName = "output"
)

// Weights is the source of parameter tensors: the subset of nn.Weights the
// exporter needs. *safetensors.File satisfies it.
type Weights interface {
	// TensorNames returns the names of every tensor, sorted.
	TensorNames() []string
	// TensorInfo returns the dtype and the shape of the named tensor.
	TensorInfo(name string) (dtype string, shape []int64, ok bool)
	// ReadFloat32 reads the named tensor, converted to float32, into dst.
	ReadFloat32(ctx context.Context, name string, dst []float32) error
}

// Export writes the model s (with its analysis a, from spec.Analyze) and the
// weights w as a serialized ONNX ModelProto. Every parameter the analysis
// expects must be in w with exactly its shape, and w must hold nothing else.
// A layer or setting ONNX cannot express is refused with EUNSUPPORTED and
// the layer's JSON pointer.
func Export(ctx context.Context, s *spec.Spec, a *spec.Analysis, w Weights) ([]byte, error) {
	if s == nil || a == nil || w == nil {
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "nil-argument", "onnx.Export needs a spec, an analysis and weights")
	}
	if err := checkWeights(a, w); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, w: w, an: a, consts: map[string]string{}}
	out, err := b.layers(s.Layers, InputName)
	if err != nil {
		return nil, err
	}
	if b.next != len(a.Layers) {
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "analysis-mismatch",
			"the analysis lists %d layers, the spec has %d", len(a.Layers), b.next)
	}
	b.finish(out)
	if err := b.checkSize(); err != nil {
		return nil, err
	}
	return b.encode(s), nil
}

// checkWeights checks that w holds exactly the parameters a expects, with
// their shapes, and that their total size fits an ONNX file.
func checkWeights(a *spec.Analysis, w Weights) error {
	want := make(map[string]bool, len(a.Params))
	var total int64
	for _, p := range a.Params {
		want[p.Name] = true
		_, shape, ok := w.TensorInfo(p.Name)
		if !ok {
			return modelgate.Errorf(modelgate.EINVALID, p.Name, "missing-tensor", "the weights have no tensor %q", p.Name)
		}
		if !sameShape(shape, p.Shape) {
			return modelgate.Errorf(modelgate.EINVALID, p.Name, "shape-mismatch",
				"tensor %q has shape %v, want %v", p.Name, shape, p.Shape)
		}
		n := p.Shape.Elements()
		if n < 0 || total > MaxModelBytes/4-n {
			return modelgate.Errorf(modelgate.ELIMIT, p.Name, "onnx-too-large",
				"the parameters do not fit an ONNX file (at most %d bytes)", MaxModelBytes)
		}
		total += n
	}
	for _, name := range w.TensorNames() {
		if !want[name] {
			return modelgate.Errorf(modelgate.EINVALID, name, "unexpected-tensor",
				"the weights hold tensor %q, which the spec does not use", name)
		}
	}
	return nil
}

func sameShape(got []int64, want spec.Shape) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != int64(want[i]) {
			return false
		}
	}
	return true
}

// builder accumulates the graph while the layers are walked.
type builder struct {
	ctx    context.Context
	w      Weights
	an     *spec.Analysis
	next   int // index of the next layer in an.Layers (pre-order)
	nodes  []node
	inits  []tensor
	consts map[string]string // constant key -> initializer name
	vals   int               // counter for fresh value names
}

// fresh returns a new value name.
func (b *builder) fresh() string {
	b.vals++
	return "v" + strconv.Itoa(b.vals)
}

// add appends a node with one new output and returns the output's name.
func (b *builder) add(op string, in []string, attrs ...attr) string {
	out := b.fresh()
	b.nodes = append(b.nodes, node{op: op, in: in, out: []string{out}, attrs: attrs})
	return out
}

// addInit adds an initializer and returns its name.
func (b *builder) addInit(t tensor) string {
	b.inits = append(b.inits, t)
	return t.name
}

// constF returns the name of a float constant with the given dims and
// values, shared between every use of the same key.
func (b *builder) constF(key string, dims []int64, v []float32) string {
	if name, ok := b.consts[key]; ok {
		return name
	}
	name := "const." + key
	b.consts[key] = name
	return b.addInit(tensor{name: name, dims: dims, dtype: dtFloat, f32: v})
}

// constI returns the name of a 1-D int64 constant.
func (b *builder) constI(v ...int64) string {
	key := fmt.Sprint("i64", v)
	if name, ok := b.consts[key]; ok {
		return name
	}
	name := "const.i64." + strconv.Itoa(len(b.consts))
	b.consts[key] = name
	return b.addInit(tensor{name: name, dims: []int64{int64(len(v))}, dtype: dtInt64, i64: slices.Clone(v)})
}

// scalar returns the name of a float scalar constant.
func (b *builder) scalar(v float32) string {
	return b.constF(fmt.Sprintf("f32.%g", v), nil, []float32{v})
}

// filled returns a float constant of n copies of v with dims.
func (b *builder) filled(v float32, dims ...int64) string {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	return b.constF(fmt.Sprint("fill.", v, dims), dims, data)
}

// param reads the parameter NAME of the layer li.
func (b *builder) param(li spec.LayerInfo, name string) ([]float32, []int64, error) {
	full := li.Prefix + name
	_, shape, ok := b.w.TensorInfo(full)
	if !ok {
		return nil, nil, modelgate.Errorf(modelgate.EINVALID, full, "missing-tensor", "the weights have no tensor %q", full)
	}
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	dst := make([]float32, n)
	if err := b.w.ReadFloat32(b.ctx, full, dst); err != nil {
		return nil, nil, fmt.Errorf("onnx: reading %s: %w", full, err)
	}
	return dst, shape, nil
}

// paramInit adds the parameter NAME of li as an initializer of its own name
// and shape, and returns the name.
func (b *builder) paramInit(li spec.LayerInfo, name string) (string, error) {
	data, shape, err := b.param(li, name)
	if err != nil {
		return "", err
	}
	return b.addInit(tensor{name: li.Prefix + name, dims: shape, dtype: dtFloat, f32: data}), nil
}

// finish names the graph's output: the value out becomes OutputName.
func (b *builder) finish(out string) {
	if out == InputName {
		b.nodes = append(b.nodes, node{op: "Identity", in: []string{InputName}, out: []string{OutputName}})
		return
	}
	for i := range b.nodes {
		for j, s := range b.nodes[i].in {
			if s == out {
				b.nodes[i].in[j] = OutputName
			}
		}
		for j, s := range b.nodes[i].out {
			if s == out {
				b.nodes[i].out[j] = OutputName
			}
		}
	}
}

// checkSize refuses graphs whose encoding would exceed MaxModelBytes.
func (b *builder) checkSize() error {
	var n int64
	for i := range b.inits {
		n += int64(tensorSize(&b.inits[i]))
	}
	n += int64(1024 * len(b.nodes))
	if n > MaxModelBytes {
		return modelgate.Errorf(modelgate.ELIMIT, "", "onnx-too-large",
			"the model does not fit an ONNX file (at most %d bytes)", MaxModelBytes)
	}
	return nil
}

// encode serializes the ModelProto.
func (b *builder) encode(s *spec.Spec) []byte {
	size := 4096
	for i := range b.inits {
		size += tensorSize(&b.inits[i])
	}
	var g []byte
	for i := range b.nodes {
		b.nodes[i].name = "n" + strconv.Itoa(i)
		g = appendMessage(g, graphNode, encodeNode(&b.nodes[i]))
	}
	g = appendString(g, graphName, s.Name)
	g = slices.Grow(g, size)
	for i := range b.inits {
		g = appendTensor(g, graphInitializer, &b.inits[i])
	}
	g = appendMessage(g, graphInput, encodeValueInfo(valueInfo{name: InputName, shape: b.an.Input}))
	g = appendMessage(g, graphOutput, encodeValueInfo(valueInfo{name: OutputName, shape: b.an.Output}))

	m := make([]byte, 0, len(g)+1024+len(s.Description))
	m = appendVarint(m, modelIRVersion, IRVersion)
	m = appendString(m, modelProducerName, Producer)
	m = appendString(m, modelProducerVersion, "1")
	if s.Description != "" {
		m = appendString(m, modelDocString, s.Description)
	}
	m = protowire.AppendTag(m, modelGraph, protowire.BytesType)
	m = protowire.AppendBytes(m, g)
	opset := appendString(nil, opsetDomain, "")
	opset = appendVarint(opset, opsetVersion, Opset)
	m = appendMessage(m, modelOpsetImport, opset)
	entry := appendString(nil, entryKey, "modelgate.spec.name")
	entry = appendString(entry, entryValue, s.Name)
	return appendMessage(m, modelMetadataProps, entry)
}
