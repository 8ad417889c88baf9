package nn

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// nn2Embedding builds a vocab×dim embedding over input [t] whose row i
// holds i*10 + column.
func nn2Embedding(t testing.TB, vocab, dim, steps int) op {
	t.Helper()
	w := make([]float32, vocab*dim)
	for i := range vocab {
		for j := range dim {
			w[i*dim+j] = float32(i*10 + j)
		}
	}
	li := spec.LayerInfo{Pointer: "/layers/0", Prefix: "layers.0.", In: spec.Shape{steps}, Out: spec.Shape{steps, dim}}
	o, err := newEmbedding(&spec.Embedding{Vocab: vocab, Dim: dim}, li, nn2Params{"weight": w})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEmbedding(t *testing.T) {
	t.Parallel()
	o := nn2Embedding(t, 5, 3, 4)
	in := []float32{0, 4, 2, 2, float32(math.Copysign(0, -1)), 1, 3, 0}
	out := make([]float32, 2*4*3)
	if err := o.forward(context.Background(), 2, in, out); err != nil {
		t.Fatal(err)
	}
	idx := []int{0, 4, 2, 2, 0, 1, 3, 0}
	for p, i := range idx {
		for j := range 3 {
			if got, want := out[p*3+j], float32(i*10+j); got != want {
				t.Fatalf("out[%d][%d] = %v, want %v", p, j, got, want)
			}
		}
	}
	nn2CheckOpErrors(t, o, 4, 12)
}

// nn2EmbeddingHostile are index values that must be refused.
var nn2EmbeddingHostile = []float32{
	-1, 5, 0.5, 4.0001, -0.5, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	1e30, -1e30, math.MaxFloat32, math.SmallestNonzeroFloat32, 1 << 31, 1 << 62,
}

func TestEmbeddingBadIndex(t *testing.T) {
	t.Parallel()
	o := nn2Embedding(t, 5, 3, 2)
	for _, bad := range nn2EmbeddingHostile {
		in := []float32{1, 2, 3, bad} // the bad value is in sample 1, position 1
		out := make([]float32, 2*2*3)
		err := o.forward(context.Background(), 2, in, out)
		var e *modelgate.Error
		if !errors.As(err, &e) {
			t.Errorf("index %v: error %v, want *modelgate.Error", bad, err)
			continue
		}
		if e.Code != modelgate.EINVALID || e.Rule != "embedding-index" || e.Where != "/layers/0" {
			t.Errorf("index %v: %+v", bad, e)
		}
	}
}

func TestEmbeddingBind(t *testing.T) {
	t.Parallel()
	ok := spec.LayerInfo{In: spec.Shape{3}, Out: spec.Shape{3, 2}}
	w := nn2Params{"weight": make([]float32, 8)}
	cases := []struct {
		name string
		l    *spec.Embedding
		li   spec.LayerInfo
		p    params
	}{
		{"nil layer", nil, ok, w},
		{"nil params", &spec.Embedding{Vocab: 4, Dim: 2}, ok, nil},
		{"zero vocab", &spec.Embedding{Vocab: 0, Dim: 2}, ok, w},
		{"zero dim", &spec.Embedding{Vocab: 4, Dim: 0}, ok, w},
		{"huge", &spec.Embedding{Vocab: 1 << 27, Dim: 1 << 27}, spec.LayerInfo{In: spec.Shape{3}, Out: spec.Shape{3, 1 << 27}}, w},
		{"short weight", &spec.Embedding{Vocab: 5, Dim: 2}, ok, w},
		{"missing weight", &spec.Embedding{Vocab: 4, Dim: 2}, ok, nn2Params{}},
		{"wrong out dim", &spec.Embedding{Vocab: 4, Dim: 2}, spec.LayerInfo{In: spec.Shape{3}, Out: spec.Shape{3, 3}}, w},
		{"wrong out rank", &spec.Embedding{Vocab: 4, Dim: 2}, spec.LayerInfo{In: spec.Shape{3}, Out: spec.Shape{6}}, w},
		{"wrong out T", &spec.Embedding{Vocab: 4, Dim: 2}, spec.LayerInfo{In: spec.Shape{3}, Out: spec.Shape{4, 2}}, w},
		{"bad in", &spec.Embedding{Vocab: 4, Dim: 2}, spec.LayerInfo{In: spec.Shape{0}, Out: spec.Shape{0, 2}}, w},
	}
	for _, c := range cases {
		if _, err := newEmbedding(c.l, c.li, c.p); err == nil {
			t.Errorf("%s: no error", c.name)
		} else if e := (*modelgate.Error)(nil); !errors.As(err, &e) {
			t.Errorf("%s: %v is not a *modelgate.Error", c.name, err)
		}
	}
	if _, err := newEmbedding(&spec.Embedding{Vocab: 4, Dim: 2}, ok, w); err != nil {
		t.Errorf("valid embedding: %v", err)
	}
}

// FuzzEmbedding feeds arbitrary float32 bit patterns as indices: forward
// must never panic, must fail exactly when a value is not an index, and
// must copy the right rows otherwise.
func FuzzEmbedding(f *testing.F) {
	seeds := 0
	for _, v := range nn2EmbeddingHostile {
		f.Add(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		seeds++
	}
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0x80, 0x40}) // 0, 4
	seeds++
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	const vocab, dim = 5, 2
	f.Fuzz(func(t *testing.T, data []byte) {
		steps := len(data) / 4
		if steps == 0 || steps > 256 {
			return
		}
		in := make([]float32, steps)
		valid := true
		for i := range in {
			in[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			v := float64(in[i])
			if !(v >= 0 && v <= vocab-1 && v == math.Floor(v)) {
				valid = false
			}
		}
		o := nn2Embedding(t, vocab, dim, steps)
		out := make([]float32, steps*dim)
		err := o.forward(context.Background(), 1, in, out)
		if valid != (err == nil) {
			t.Fatalf("indices %v: valid=%v err=%v", in, valid, err)
		}
		if err != nil {
			return
		}
		for i, v := range in {
			if out[i*dim] != float32(int(v)*10) {
				t.Fatalf("row %d: %v", i, out[i*dim:(i+1)*dim])
			}
		}
	})
}

// BenchmarkEmbedding looks up 16×128 tokens in a 10000×256 table.
func BenchmarkEmbedding(b *testing.B) {
	o := nn2Embedding(b, 10000, 256, 128)
	in := make([]float32, 16*128)
	for i := range in {
		in[i] = float32(i * 7919 % 10000)
	}
	out := make([]float32, 16*128*256)
	for b.Loop() {
		if err := o.forward(context.Background(), 16, in, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out))*4*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
