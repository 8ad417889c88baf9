// Package models builds the benchmark and conformance models of the
// side-by-side benchmark: specs written as JSON, parsed and analysed by
// package spec, with seeded random weights held in memory.
package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// Model is a parsed spec, its analysis and its weights.
type Model struct {
	Name     string
	Spec     *spec.Spec
	Analysis *spec.Analysis
	Weights  *Weights
}

// Weights is an in-memory weights source; it satisfies nn.Weights and
// onnx.Weights.
type Weights struct {
	names  []string
	shapes map[string][]int64
	data   map[string][]float32
}

// TensorNames returns the names of every tensor, sorted.
func (w *Weights) TensorNames() []string { return slices.Clone(w.names) }

// TensorInfo returns "F32" and the shape of the named tensor.
func (w *Weights) TensorInfo(name string) (string, []int64, bool) {
	s, ok := w.shapes[name]
	return "F32", slices.Clone(s), ok
}

// ReadFloat32 copies the named tensor into dst.
func (w *Weights) ReadFloat32(_ context.Context, name string, dst []float32) error {
	d, ok := w.data[name]
	if !ok || len(d) != len(dst) {
		return fmt.Errorf("models: no tensor %q of %d elements", name, len(dst))
	}
	copy(dst, d)
	return nil
}

// Tensor returns the data of the named tensor.
func (w *Weights) Tensor(name string) []float32 { return w.data[name] }

// FromJSON parses layers (a JSON array) for the per-sample input shape and
// fills seeded random weights.
func FromJSON(name string, input []int, layers string, seed uint64) (*Model, error) {
	in := strings.Trim(strings.ReplaceAll(fmt.Sprint(input), " ", ","), "")
	doc := fmt.Sprintf(`{"format":"modelgate/v1","name":%q,"input":{"shape":%s},"layers":%s,`+
		`"weights":{"sha256":"%s","bytes":8}}`, name, in, layers, strings.Repeat("0", 64))
	lim := modelgate.DefaultLimits()
	s, err := spec.ParseJSON([]byte(doc), lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	a, err := spec.Analyze(s, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Model{Name: name, Spec: s, Analysis: a, Weights: Random(a, seed)}, nil
}

// Random returns seeded weights for every parameter of a: Xavier-uniform
// matrices and kernels, biases and means in ±0.1, scales in [0.5, 1.5],
// variances in [0.5, 1.5], initial states in ±0.5.
func Random(a *spec.Analysis, seed uint64) *Weights {
	r := rand.New(rand.NewPCG(0x62656e6368, seed))
	w := &Weights{shapes: map[string][]int64{}, data: map[string][]float32{}}
	for _, p := range a.Params {
		n := int(p.Shape.Elements())
		lo, hi := -0.1, 0.1
		base := p.Name[strings.LastIndexByte(p.Name, '.')+1:]
		switch {
		case base == "var" || base == "scale":
			lo, hi = 0.5, 1.5
		case base == "h0" || base == "c0":
			lo, hi = -0.5, 0.5
		case len(p.Shape) >= 2:
			fanIn := int(p.Shape[1:].Elements())
			lim := math.Sqrt(6 / float64(fanIn+p.Shape[0]))
			lo, hi = -lim, lim
		}
		d := make([]float32, n)
		for i := range d {
			d[i] = float32(lo + (hi-lo)*r.Float64())
		}
		shape := make([]int64, len(p.Shape))
		for i, v := range p.Shape {
			shape[i] = int64(v)
		}
		w.names = append(w.names, p.Name)
		w.shapes[p.Name] = shape
		w.data[p.Name] = d
	}
	slices.Sort(w.names)
	return w
}

// Input returns n seeded values uniform in [lo, hi).
func Input(n int, lo, hi float64, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(0x696e707574, seed))
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return d
}

// FromSpecJSON parses a whole spec document and fills seeded random weights.
func FromSpecJSON(doc []byte, seed uint64) (*Model, error) {
	lim := modelgate.DefaultLimits()
	s, err := spec.ParseJSON(doc, lim)
	if err != nil {
		return nil, err
	}
	a, err := spec.Analyze(s, lim)
	if err != nil {
		return nil, err
	}
	return &Model{Name: s.Name, Spec: s, Analysis: a, Weights: Random(a, seed)}, nil
}
