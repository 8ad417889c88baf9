package nn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// perturbations edit one LayerInfo of an otherwise valid analysis. Each
// must make Bind fail with a typed error (or, for harmless edits, succeed
// with a model that still runs), never panic.
var perturbations = []struct {
	name string
	edit func(li *spec.LayerInfo)
}{
	{"out-dim+1", func(li *spec.LayerInfo) { li.Out = plusOne(li.Out, 0) }},
	{"out-last+1", func(li *spec.LayerInfo) { li.Out = plusOne(li.Out, len(li.Out)-1) }},
	{"out-rank+1", func(li *spec.LayerInfo) { li.Out = append(slices.Clone(li.Out), 1) }},
	{"out-flattened", func(li *spec.LayerInfo) { li.Out = spec.Shape{int(li.Out.Elements())} }},
	{"in-dim+1", func(li *spec.LayerInfo) { li.In = plusOne(li.In, 0) }},
	{"in-zero", func(li *spec.LayerInfo) { li.In = spec.Shape{0} }},
	{"out-empty", func(li *spec.LayerInfo) { li.Out = nil }},
	{"out-negative", func(li *spec.LayerInfo) { li.Out = spec.Shape{-4} }},
	{"out-huge", func(li *spec.LayerInfo) { li.Out = spec.Shape{1 << 30, 1 << 30} }},
	{"depth", func(li *spec.LayerInfo) { li.Depth++ }},
	{"prefix", func(li *spec.LayerInfo) { li.Prefix = "layers.999." }},
	{"other-layer", func(li *spec.LayerInfo) { li.Layer = &spec.Flatten{} }},
}

func plusOne(s spec.Shape, i int) spec.Shape {
	s = slices.Clone(s)
	if i >= 0 && i < len(s) {
		s[i]++
	}
	return s
}

// TestBindHostileAnalysis binds every test model with one LayerInfo
// perturbed at a time.
func TestBindHostileAnalysis(t *testing.T) {
	t.Parallel()
	for _, file := range modelFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := spec.ParseJSON(data, modelgate.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			a := mustAnalyze(t, s)
			w := specWeights(s, a, 1)
			for i := range a.Layers {
				for _, p := range perturbations {
					bad := *a
					bad.Layers = slices.Clone(a.Layers)
					p.edit(&bad.Layers[i])
					checkHostileBind(t, fmt.Sprintf("layer %d %s", i, p.name), s, &bad, w)
				}
			}
		})
	}
}

// checkHostileBind binds; a panic or an untyped error fails the test, and a
// model that binds must run.
func checkHostileBind(t *testing.T, name string, s *spec.Spec, a *spec.Analysis, w Weights) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s: panic: %v", name, r)
		}
	}()
	m, err := Bind(context.Background(), s, a, w, Options{Threads: 2})
	if err != nil {
		assertTyped(t, err)
		return
	}
	if _, err := m.Predict(context.Background(), intInput(a.Input, 2, 1)); err != nil {
		assertTyped(t, err)
	}
}

// TestBindHostileParamShapes lists every parameter with a different shape
// of the same size (reversed dims), with a weights file that matches the
// lie: Bind must still refuse, since layers check their own shapes.
func TestBindHostileParamShapes(t *testing.T) {
	t.Parallel()
	for _, file := range modelFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s, err := spec.ParseJSON(data, modelgate.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		a := mustAnalyze(t, s)
		owner := map[string]spec.Type{}
		for _, li := range a.Layers {
			owner[li.Pointer] = li.Layer.LayerType()
		}
		for i, p := range a.Params {
			switch owner[p.Pointer] {
			case spec.TypeRNN, spec.TypeLSTM, spec.TypeGRU, spec.TypeEmbedding:
				continue // layers of the recurrent/element-wise helper check element counts only
			}
			rev := slices.Clone(p.Shape)
			slices.Reverse(rev)
			if slices.Equal(rev, p.Shape) {
				continue
			}
			bad := *a
			bad.Params = slices.Clone(a.Params)
			bad.Params[i].Shape = rev
			w := specWeights(s, &bad, 1)
			_, err := Bind(context.Background(), s, &bad, w, Options{})
			var e *modelgate.Error
			if !errors.As(err, &e) || e.Rule != "analysis-mismatch" {
				t.Errorf("%s: %s listed as %v: err = %v, want analysis-mismatch", filepath.Base(file), p.Name, rev, err)
			}
		}
	}
}

// sliceLayer is a foreign, non-comparable Layer implementation.
type sliceLayer []int

func (sliceLayer) LayerType() spec.Type { return spec.TypeFlatten }

// TestBindForeignLayer checks a Layer type that is not one of spec's is
// refused without a panic (comparing non-comparable interface values would
// panic).
func TestBindForeignLayer(t *testing.T) {
	t.Parallel()
	s := testSpec([]int{3}, sliceLayer{1})
	a := &spec.Analysis{Input: spec.Shape{3}, Output: spec.Shape{3},
		Layers: []spec.LayerInfo{{Pointer: "/layers/0", Prefix: "layers.0.", Layer: sliceLayer{1}, In: spec.Shape{3}, Out: spec.Shape{3}}}}
	checkHostileBind(t, "foreign", s, a, memWeights{})
	if _, err := Bind(context.Background(), s, a, memWeights{}, Options{}); err == nil {
		t.Fatal("foreign layer accepted")
	}
}

func TestBindTypedNilLayer(t *testing.T) {
	t.Parallel()
	var d *spec.Dense
	s := &spec.Spec{Format: spec.FormatV1, Name: "x", Input: spec.Input{Shape: []int{3}}, Layers: spec.Layers{d}, Weights: spec.WeightsRef{DType: "float32"}}
	a := &spec.Analysis{Input: spec.Shape{3}, Output: spec.Shape{3},
		Layers: []spec.LayerInfo{{Pointer: "/layers/0", Prefix: "layers.0.", Layer: d, In: spec.Shape{3}, Out: spec.Shape{3}}}}
	checkHostileBind(t, "typed nil", s, a, memWeights{})
}
