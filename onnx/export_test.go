package onnx

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// TestExportGolden exports every spec in testdata/specs, checks the graph
// invariants and compares the node/initializer summary with the golden
// file (go test -update rewrites them).
func TestExportGolden(t *testing.T) {
	t.Parallel()
	for name, doc := range specFiles(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, a := parse(t, doc)
			w := randomWeights(a, 1)
			data, err := Export(context.Background(), s, a, w)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			m := checkGraph(t, data, a)
			checkParams(t, m, w)
			again, err := Export(context.Background(), s, a, w)
			if err != nil || !bytes.Equal(data, again) {
				t.Errorf("second export differs (err %v)", err)
			}
			if *dump != "" {
				if err := os.WriteFile(filepath.Join(*dump, name+".onnx"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := summary(m)
			path := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("golden: %v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("graph differs from %s:\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// checkParams checks that every initializer named after a parameter holds
// exactly the parameter's values.
func checkParams(t *testing.T, m *dModel, w *memWeights) {
	t.Helper()
	seen := 0
	for _, init := range m.graph.inits {
		want, ok := w.data[init.name]
		if !ok {
			continue
		}
		seen++
		if !slices.Equal(init.f32(), want) {
			t.Errorf("initializer %s does not hold the parameter's values", init.name)
		}
	}
	if seen == 0 && len(w.data) > 0 {
		t.Errorf("no parameter exported under its own name")
	}
}

// find returns the initializer named name.
func find(t *testing.T, m *dModel, name string) dTensor {
	t.Helper()
	for _, init := range m.graph.inits {
		if init.name == name {
			return init
		}
	}
	t.Fatalf("no initializer %q", name)
	return dTensor{}
}

// exportDoc parses doc, exports it with weights from fill and decodes it.
func exportDoc(t *testing.T, doc string, fill func(w *memWeights)) *dModel {
	t.Helper()
	s, a := parse(t, []byte(doc))
	w := randomWeights(a, 2)
	if fill != nil {
		fill(w)
	}
	data, err := Export(context.Background(), s, a, w)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	return checkGraph(t, data, a)
}

const hdr = `{"format":"modelgate/v1","name":"t","weights":{"sha256":"` +
	"0000000000000000000000000000000000000000000000000000000000000000" + `","bytes":8},`

// TestConvPads checks the padding reorder [b0, e0, b1, e1] -> [b0, b1, e0, e1].
func TestConvPads(t *testing.T) {
	t.Parallel()
	m := exportDoc(t, hdr+`"input":{"shape":[1,9,9]},"layers":[
		{"type":"conv","filters":1,"kernel":[3,3],"padding":[1,2,0,1]},
		{"type":"max_pool","kernel":[2,2],"padding":[1,0,1,0]}]}`, nil)
	if got := m.graph.nodes[0].attrs["pads"].ints; !slices.Equal(got, []int64{1, 0, 2, 1}) {
		t.Errorf("conv pads %v, want [1 0 2 1]", got)
	}
	if got := m.graph.nodes[1].attrs["pads"].ints; !slices.Equal(got, []int64{1, 1, 0, 0}) {
		t.Errorf("pool pads %v, want [1 1 0 0]", got)
	}
}

// TestDenseTranspose checks the MatMul path's transposed weight.
func TestDenseTranspose(t *testing.T) {
	t.Parallel()
	m := exportDoc(t, hdr+`"input":{"shape":[2,3]},"layers":[{"type":"dense","units":2,"bias":false}]}`,
		func(w *memWeights) { w.data["layers.0.weight"] = []float32{1, 2, 3, 4, 5, 6} })
	wt := find(t, m, "layers.0.weight.T")
	if !slices.Equal(wt.dims, []int64{3, 2}) || !slices.Equal(wt.f32(), []float32{1, 4, 2, 5, 3, 6}) {
		t.Errorf("transposed weight %v %v", wt.dims, wt.f32())
	}
}

// blocks returns g blocks of size elements, block i filled with i.
func blocks(g, size int) []float32 {
	v := make([]float32, 0, g*size)
	for i := range g {
		for range size {
			v = append(v, float32(i))
		}
	}
	return v
}

// firsts returns the first value of each block.
func firsts(v []float32, size int) []float32 {
	var out []float32
	for i := 0; i < len(v); i += size {
		out = append(out, v[i])
	}
	return out
}

// TestGateOrder checks that gates are reordered to ONNX's order and the
// bias is split into Wb (the spec's bias) and Rb = 0.
func TestGateOrder(t *testing.T) {
	t.Parallel()
	const h, f = 2, 3
	cases := []struct {
		layer     string
		g, rg     int
		wantW     []float32
		wantR     []float32
		wantB     []float32
		hasWeight bool
	}{
		{`{"type":"lstm","hidden":2}`, 4, 4, []float32{0, 3, 1, 2}, []float32{0, 3, 1, 2}, []float32{0, 3, 1, 2, 9, 9, 9, 9}, false},
		{`{"type":"gru","hidden":2}`, 3, 3, []float32{1, 0, 2}, []float32{1, 0, 2}, []float32{1, 0, 2, 9, 9, 9}, false},
		{`{"type":"gru","hidden":2,"variant":"v3"}`, 3, 2, []float32{1, 0, 2}, []float32{1, 0, 7}, []float32{1, 0, 2, 9, 9, 9}, true},
		{`{"type":"rnn","hidden":2}`, 1, 1, []float32{0}, []float32{0}, []float32{0, 9}, false},
	}
	for _, c := range cases {
		m := exportDoc(t, hdr+`"input":{"shape":[4,3]},"layers":[`+c.layer+`]}`, func(w *memWeights) {
			w.data["layers.0.weight_ih"] = blocks(c.g, h*f)
			w.data["layers.0.weight_hh"] = blocks(c.rg, h*h)
			w.data["layers.0.bias"] = blocks(c.g, h)
			if c.hasWeight {
				hn := make([]float32, h*h)
				for i := range hn {
					hn[i] = 7
				}
				w.data["layers.0.weight_hn"] = hn
			}
		})
		wi, r, b := find(t, m, "layers.0.onnx.W"), find(t, m, "layers.0.onnx.R"), find(t, m, "layers.0.onnx.B")
		bias := b.f32()
		for i := len(bias) / 2; i < len(bias); i++ {
			if bias[i] != 0 {
				t.Errorf("%s: Rb not zero", c.layer)
			}
			bias[i] = 9
		}
		if !slices.Equal(firsts(wi.f32(), h*f), c.wantW) || !slices.Equal(firsts(r.f32(), h*h), c.wantR) ||
			!slices.Equal(firsts(bias, h), c.wantB) {
			t.Errorf("%s: W %v R %v B %v", c.layer, firsts(wi.f32(), h*f), firsts(r.f32(), h*h), firsts(bias, h))
		}
		if !slices.Equal(wi.dims, []int64{1, int64(3 * h), f}) && !slices.Equal(wi.dims, []int64{1, int64(c.g * h), f}) {
			t.Errorf("%s: W dims %v", c.layer, wi.dims)
		}
	}
}

// TestRefused checks every refusal and its code.
func TestRefused(t *testing.T) {
	t.Parallel()
	doc := hdr + `"input":{"shape":[4]},"layers":[{"type":"dense","units":2}]}`
	s, a := parse(t, []byte(doc))
	_, other := parse(t, []byte(hdr+`"input":{"shape":[4]},"layers":[{"type":"dense","units":2}]}`))
	sGelu, aGelu := parse(t, []byte(hdr+`"input":{"shape":[3,2]},"layers":[{"type":"rnn","hidden":2,"activation":"gelu_erf"}]}`))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	readErr := errors.New("disk on fire")
	cases := []struct {
		name   string
		ctx    context.Context
		mutate func(w *memWeights)
		s      any
		code   string
		rule   string
		is     error
	}{
		{name: "missing tensor", mutate: func(w *memWeights) { delete(w.shapes, "layers.0.bias") }, code: modelgate.EINVALID, rule: "missing-tensor"},
		{name: "wrong shape", mutate: func(w *memWeights) { w.shapes["layers.0.bias"] = []int64{3} }, code: modelgate.EINVALID, rule: "shape-mismatch"},
		{name: "wrong rank", mutate: func(w *memWeights) { w.shapes["layers.0.bias"] = []int64{2, 1} }, code: modelgate.EINVALID, rule: "shape-mismatch"},
		{name: "extra tensor", mutate: func(w *memWeights) { w.shapes["layers.1.weight"] = []int64{1} }, code: modelgate.EINVALID, rule: "unexpected-tensor"},
		{name: "read error", mutate: func(w *memWeights) { w.fail = readErr }, is: readErr},
		{name: "cancelled", ctx: cancelled, is: context.Canceled},
		{name: "foreign analysis", s: "other", code: modelgate.EINVALID, rule: "analysis-mismatch"},
		{name: "rnn gelu", s: "gelu", code: modelgate.EUNSUPPORTED, rule: "onnx-unsupported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ss, aa := s, a
			switch c.s {
			case "other":
				aa = other
			case "gelu":
				ss, aa = sGelu, aGelu
			}
			w := randomWeights(aa, 3)
			if c.mutate != nil {
				c.mutate(w)
			}
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			data, err := Export(ctx, ss, aa, w)
			if err == nil || data != nil {
				t.Fatalf("Export succeeded (%d bytes)", len(data))
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v, want %v", err, c.is)
			}
			var me *modelgate.Error
			if c.code != "" && (!errors.As(err, &me) || me.Code != c.code || me.Rule != c.rule) {
				t.Errorf("error %v, want code %s rule %s", err, c.code, c.rule)
			}
		})
	}
	if _, err := Export(context.Background(), nil, a, randomWeights(a, 1)); modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Errorf("nil spec: %v", err)
	}
}

// oddLayer is a Layer that is not a spec type and not comparable.
type oddLayer struct{ v []int }

func (oddLayer) LayerType() spec.Type { return "odd" }

// TestForeignLayer checks that a Layer implementation outside package spec
// is refused, not compared with a panic.
func TestForeignLayer(t *testing.T) {
	t.Parallel()
	s, a := parse(t, []byte(hdr+`"input":{"shape":[4]},"layers":[{"type":"flatten"}]}`))
	odd := oddLayer{v: []int{1}}
	s.Layers = spec.Layers{odd}
	a.Layers[0].Layer = odd
	_, err := Export(context.Background(), s, a, randomWeights(a, 1))
	if modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Errorf("foreign layer: %v", err)
	}
}
