package onnx

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	dump   = flag.String("dump", "", "write every exported test model to this directory (for external checkers)")
)

// memWeights is an in-memory Weights.
type memWeights struct {
	shapes map[string][]int64
	data   map[string][]float32
	fail   error // returned by ReadFloat32 when set
}

func (w *memWeights) TensorNames() []string {
	names := make([]string, 0, len(w.shapes))
	for n := range w.shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (w *memWeights) TensorInfo(name string) (string, []int64, bool) {
	s, ok := w.shapes[name]
	return "F32", slices.Clone(s), ok
}

func (w *memWeights) ReadFloat32(ctx context.Context, name string, dst []float32) error {
	if w.fail != nil {
		return w.fail
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	d, ok := w.data[name]
	if !ok || len(d) != len(dst) {
		return fmt.Errorf("no tensor %q of %d elements", name, len(dst))
	}
	copy(dst, d)
	return nil
}

// randomWeights fills every parameter of a with seeded values in [-1, 1)
// (variances in [0.5, 1.5)).
func randomWeights(a *spec.Analysis, seed uint64) *memWeights {
	r := rand.New(rand.NewPCG(seed, 7))
	w := &memWeights{shapes: map[string][]int64{}, data: map[string][]float32{}}
	for _, p := range a.Params {
		d := make([]float32, p.Shape.Elements())
		for i := range d {
			d[i] = float32(2*r.Float64() - 1)
			if strings.HasSuffix(p.Name, ".var") {
				d[i] = 1 + d[i]/2
			}
		}
		s := make([]int64, len(p.Shape))
		for i, v := range p.Shape {
			s[i] = int64(v)
		}
		w.shapes[p.Name], w.data[p.Name] = s, d
	}
	return w
}

// parse parses and analyses a spec document.
func parse(tb testing.TB, doc []byte) (*spec.Spec, *spec.Analysis) {
	tb.Helper()
	s, err := spec.ParseJSON(doc, modelgate.DefaultLimits())
	if err != nil {
		tb.Fatalf("ParseJSON: %v", err)
	}
	a, err := spec.Analyze(s, modelgate.DefaultLimits())
	if err != nil {
		tb.Fatalf("Analyze: %v", err)
	}
	return s, a
}

// specFiles returns the spec documents in testdata/specs.
func specFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "specs", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no specs in testdata/specs (%v)", err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = data
	}
	return out
}

// checkGraph checks the invariants every exported model must hold and
// returns the decoded model.
func checkGraph(tb testing.TB, data []byte, a *spec.Analysis) *dModel {
	tb.Helper()
	m, err := decodeModel(data)
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	if m.irVersion != IRVersion || m.producer != Producer || m.opsets[""] != Opset || len(m.opsets) != 1 {
		tb.Errorf("header: ir %d producer %q opsets %v", m.irVersion, m.producer, m.opsets)
	}
	g := m.graph
	checkValue(tb, g.inputs, InputName, a.Input)
	checkValue(tb, g.outputs, OutputName, a.Output)
	defined := map[string]string{InputName: "graph input"}
	for _, t := range g.inits {
		if _, dup := defined[t.name]; dup || t.name == "" {
			tb.Errorf("initializer %q defined twice or unnamed", t.name)
		}
		defined[t.name] = "initializer"
	}
	for i, n := range g.nodes {
		if n.op == "" || n.name == "" {
			tb.Errorf("node %d: op %q name %q", i, n.op, n.name)
		}
		for _, in := range n.in {
			if _, ok := defined[in]; !ok && in != "" {
				tb.Errorf("node %d (%s) reads %q before it is defined", i, n.op, in)
			}
		}
		for _, out := range n.out {
			if out == "" {
				continue
			}
			if prev, dup := defined[out]; dup {
				tb.Errorf("node %d (%s) redefines %q (%s)", i, n.op, out, prev)
			}
			defined[out] = n.op
		}
		for name, at := range n.attrs {
			if name == "" || at.typ == 0 {
				tb.Errorf("node %d (%s): bad attribute %q", i, n.op, name)
			}
		}
	}
	if _, ok := defined[OutputName]; !ok {
		tb.Errorf("no node produces %q", OutputName)
	}
	return m
}

func checkValue(tb testing.TB, vs []dValue, name string, shape spec.Shape) {
	tb.Helper()
	want := []string{"N"}
	for _, d := range shape {
		want = append(want, fmt.Sprint(d))
	}
	if len(vs) != 1 || vs[0].name != name || vs[0].elemType != dtFloat || !slices.Equal(vs[0].dims, want) {
		tb.Errorf("graph %s: got %+v, want %s float %v", name, vs, name, want)
	}
}

// summary renders the graph's nodes and initializers for golden files.
func summary(m *dModel) string {
	var b strings.Builder
	for _, n := range m.graph.nodes {
		fmt.Fprintf(&b, "%s(%s) -> %s", n.op, strings.Join(n.in, ", "), strings.Join(n.out, ", "))
		keys := make([]string, 0, len(n.attrs))
		for k := range n.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, n.attrs[k].String())
		}
		b.WriteByte('\n')
	}
	for _, t := range m.graph.inits {
		fmt.Fprintf(&b, "init %s dtype=%d dims=%v", t.name, t.dtype, t.dims)
		if t.dtype == dtInt64 {
			fmt.Fprintf(&b, " %v", t.i64())
		} else if t.elems() <= 4 {
			fmt.Fprintf(&b, " %v", t.f32())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (a dAttr) String() string {
	switch a.typ {
	case attrTypeFloat:
		return fmt.Sprint(a.f)
	case attrTypeInt:
		return fmt.Sprint(a.i)
	case attrTypeString:
		return fmt.Sprintf("%q", a.s)
	case attrTypeFloats:
		return fmt.Sprint(a.floats)
	case attrTypeInts:
		return fmt.Sprint(a.ints)
	case attrTypeStrings:
		return fmt.Sprintf("%q", a.strings)
	}
	return fmt.Sprintf("type%d", a.typ)
}
