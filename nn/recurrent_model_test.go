package nn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// nn2Weights is an in-memory Weights of F32 tensors.
type nn2Weights struct {
	shapes map[string][]int64
	data   map[string][]float32
}

func (w *nn2Weights) TensorNames() []string {
	var names []string
	for n := range w.data {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func (w *nn2Weights) TensorInfo(name string) (string, []int64, bool) {
	s, ok := w.shapes[name]
	return "F32", s, ok
}

func (w *nn2Weights) ReadFloat32(ctx context.Context, name string, dst []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, ok := w.data[name]
	if !ok || len(d) != len(dst) {
		return modelgate.Errorf(modelgate.EINVALID, name, "test-read", "bad read of %s", name)
	}
	copy(dst, d)
	return nil
}

// nn2Model parses doc (a spec with the weights member added here), analyses
// it, makes random weights for every parameter and binds it.
func nn2Model(t *testing.T, doc string, seed uint64) (*Model, map[string][]float32) {
	t.Helper()
	doc = strings.Replace(doc, "}]}", `}], "weights": {"sha256": "`+strings.Repeat("ab", 32)+`", "bytes": 8}}`, 1)
	s, err := spec.ParseJSON([]byte(doc), modelgate.DefaultLimits())
	if err != nil {
		t.Fatalf("ParseJSON: %v", err)
	}
	a, err := spec.Analyze(s, modelgate.DefaultLimits())
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	w := &nn2Weights{shapes: map[string][]int64{}, data: map[string][]float32{}}
	for _, p := range a.Params {
		var sh []int64
		for _, d := range p.Shape {
			sh = append(sh, int64(d))
		}
		w.shapes[p.Name] = sh
		w.data[p.Name] = nn2Rand(rng, int(p.Shape.Elements()), 0.5)
	}
	m, err := Bind(context.Background(), s, a, w, Options{Threads: 2})
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	return m, w.data
}

// nn2Sub returns the parameters of one layer (prefix stripped).
func nn2Sub(all map[string][]float32, prefix string) nn2Params {
	p := nn2Params{}
	for k, v := range all {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			p[rest] = v
		}
	}
	return p
}

// TestRecurrentModel runs embedding -> lstm -> gru v3 -> dense through
// spec.ParseJSON, spec.Analyze, Bind and Predict, and compares with the
// naive references composed by hand: this pins the parameter names and
// shapes shared with package spec.
func TestRecurrentModel(t *testing.T) {
	t.Parallel()
	m, w := nn2Model(t, `{"format": "modelgate/v1", "name": "seq", "input": {"shape": [6]}, "layers": [
		{"type": "embedding", "vocab": 10, "dim": 4},
		{"type": "lstm", "hidden": 5, "return_sequences": true, "initial_state": true},
		{"type": "gru", "hidden": 3, "variant": "v3", "initial_state": true},
		{"type": "dense", "units": 2}]}`, 3)
	const n = 3
	tokens := []float32{0, 9, 3, 3, 1, 7, 2, 2, 2, 2, 2, 2, 9, 8, 7, 6, 5, 4}
	out, err := m.Predict(context.Background(), Tensor{Shape: []int{n, 6}, Data: tokens})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Shape, []int{n, 2}) {
		t.Fatalf("shape %v", out.Shape)
	}
	emb := w["layers.0.weight"]
	lstm := nn2Rec{recLSTM, 6, 4, 5, 1, true, true, spec.Act{}}
	gru := nn2Rec{recGRUv3, 6, 5, 3, 1, false, true, spec.Act{}}
	dw, db := w["layers.3.weight"], w["layers.3.bias"]
	for s := range n {
		x := make([]float32, 0, 24)
		for _, tok := range tokens[s*6 : (s+1)*6] {
			x = append(x, emb[int(tok)*4:int(tok)*4+4]...)
		}
		h1 := nn2RefRecurrent(lstm, nn2Sub(w, "layers.1."), x)
		h1f := make([]float32, len(h1))
		for i, v := range h1 {
			h1f[i] = float32(v)
		}
		h2 := nn2RefRecurrent(gru, nn2Sub(w, "layers.2."), h1f)
		for u := range 2 {
			want := float64(db[u])
			for k := range 3 {
				want += float64(dw[u*3+k]) * h2[k]
			}
			if got := out.Data[s*2+u]; !nn2Close(got, want, 1e-5, 1e-5) {
				t.Errorf("sample %d unit %d: %v, want %v", s, u, got, want)
			}
		}
	}
	// A bad token is refused with the embedding's rule, through Predict.
	bad := slices.Clone(tokens)
	bad[7] = 10
	_, err = m.Predict(context.Background(), Tensor{Shape: []int{n, 6}, Data: bad})
	var e *modelgate.Error
	if !errors.As(err, &e) || e.Rule != "embedding-index" || e.Where != "/layers/0" {
		t.Errorf("bad token: %v", err)
	}
}

// TestRecurrentModelConcurrent runs one bound GRU/RNN model from several
// goroutines: every result must be bitwise identical.
func TestRecurrentModelConcurrent(t *testing.T) {
	t.Parallel()
	m, _ := nn2Model(t, `{"format": "modelgate/v1", "name": "rnn", "input": {"shape": [9, 3]}, "layers": [
		{"type": "rnn", "hidden": 7, "return_sequences": true, "activation": "relu"},
		{"type": "gru", "hidden": 4},
		{"type": "activation", "activation": "mish"}]}`, 5)
	rng := rand.New(rand.NewPCG(9, 9))
	in := Tensor{Shape: []int{4, 9, 3}, Data: nn2Rand(rng, 4*27, 1)}
	first, err := m.Predict(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := m.Predict(context.Background(), in)
			if err == nil && !slices.Equal(got.Data, first.Data) {
				err = modelgate.Errorf(modelgate.EINTERNAL, "", "nondeterministic", "results differ")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for _, v := range first.Data {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN output")
		}
	}
}

// TestUpsampleModel binds an upsample + activation model through spec.
func TestUpsampleModel(t *testing.T) {
	t.Parallel()
	m, _ := nn2Model(t, `{"format": "modelgate/v1", "name": "up", "input": {"shape": [2, 3, 5]}, "layers": [
		{"type": "upsample", "scale": [2, 3], "mode": "bilinear", "align_corners": true},
		{"type": "activation", "activation": "gelu_erf"}]}`, 7)
	rng := rand.New(rand.NewPCG(1, 3))
	x := nn2Rand(rng, 2*30, 2)
	out, err := m.Predict(context.Background(), Tensor{Shape: []int{2, 2, 3, 5}, Data: x})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Shape, []int{2, 2, 6, 15}) {
		t.Fatalf("shape %v", out.Shape)
	}
	for b := range 2 {
		ref := nn2RefUpsample(x[b*30:(b+1)*30], 2, 3, 5, 6, 15, true, true)
		for i, v := range ref {
			want := 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
			if got := out.Data[b*180+i]; !nn2Close(got, want, 1e-5, 1e-6) {
				t.Fatalf("sample %d [%d] = %v, want %v", b, i, got, want)
			}
		}
	}
}
