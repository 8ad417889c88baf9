package nn

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// TestEpilogues checks the (vectorised) epilogues against plain Go loops,
// bit for bit, with NaN, ±Inf and ±0 mixed in, for every length
// remainder and for dst aliasing src.
func TestEpilogues(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-45}
	same := func(a, b []float32) bool {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return len(a) == len(b)
	}
	for n := range 40 {
		src := make([]float32, n)
		vb := make([]float32, n)
		for i := range src {
			src[i] = r.Float32()*4 - 2
			vb[i] = r.Float32()*4 - 2
			if r.IntN(5) == 0 {
				src[i] = specials[r.IntN(len(specials))]
			}
			if r.IntN(9) == 0 {
				vb[i] = specials[r.IntN(len(specials))]
			}
		}
		for _, b := range []float32{0, 0.5, -1, float32(math.Copysign(0, -1))} {
			want, got := make([]float32, n), make([]float32, n)
			for i, v := range src {
				want[i] = max(v+b, 0)
			}
			biasReLU(got, src, b)
			if !same(got, want) {
				t.Fatalf("biasReLU(%v, %v) = %v, want %v", src, b, got, want)
			}
			inPlace := slices.Clone(src)
			biasReLU(inPlace, inPlace, b)
			if !same(inPlace, want) {
				t.Fatalf("biasReLU in place differs")
			}
			for i, v := range src {
				want[i] = v + b
			}
			biasAdd(got, src, b)
			if !same(got, want) {
				t.Fatalf("biasAdd(%v, %v) = %v, want %v", src, b, got, want)
			}
		}
		want := make([]float32, n)
		for i, v := range src {
			want[i] = max(v+vb[i], 0)
		}
		got := slices.Clone(src)
		addBiasReLU(got, vb)
		if !same(got, want) {
			t.Fatalf("addBiasReLU(%v, %v) = %v, want %v", src, vb, got, want)
		}
		relu := slices.Clone(src)
		actReLU(relu)
		for i, v := range src {
			want[i] = max(v, 0)
		}
		if !same(relu, want) {
			t.Fatalf("actReLU(%v) = %v, want %v", src, relu, want)
		}
	}
}

// TestGatherRows checks gatherRows against the portable loop.
func TestGatherRows(t *testing.T) {
	t.Parallel()
	src := randData(500, 1)
	for _, nr := range []int{8, 16, 32, 4} {
		offs := []int{0, 1, 7, 40, 41, 100, 300}
		got := make([]float32, len(offs)*nr)
		want := make([]float32, len(offs)*nr)
		gatherRows(got, src, offs, 300, nr)
		gatherRowsGo(want, src, offs, nr)
		assertExact(t, got, want)
	}
	gatherRows(nil, src, nil, 0, 8)
}

// TestMaxPool2x2Vec checks the vectorised 2×2/2 max pool against
// kernels.MaxPool2D bit for bit: widths with vector blocks and tails, NaN,
// ±0 in both orders and ±Inf.
func TestMaxPool2x2Vec(t *testing.T) {
	t.Parallel()
	if hasVecAct {
		if n := vecMaxPool2x2(make([]float32, 9), randData(18, 1), randData(18, 2)); n != 9 {
			t.Fatalf("vector kernel did %d outputs of 9, want 9", n)
		}
	}
	r := rand.New(rand.NewPCG(9, 9))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1))}
	for _, w := range []int{16, 17, 34, 50, 7} {
		for _, density := range []int{0, 3, 50} {
			c, h := 3, 6
			x := make([]float32, c*h*w)
			for i := range x {
				x[i] = r.Float32()*2 - 1
				if density > 0 && r.IntN(density) == 0 {
					x[i] = specials[r.IntN(len(specials))]
				}
			}
			s := testSpec([]int{c, h, w}, &spec.MaxPool{Kernel: []int{2, 2}})
			b := mustBind(t, s, 1, 1)
			out, err := b.m.Predict(context.Background(), Tensor{Shape: []int{1, c, h, w}, Data: x})
			if err != nil {
				t.Fatal(err)
			}
			g := b.m.root.ops[0].(*poolOp).g
			want := make([]float32, len(out.Data))
			kernels.MaxPool2D(g, x, want)
			for i := range want {
				if math.Float32bits(out.Data[i]) != math.Float32bits(want[i]) {
					t.Fatalf("w %d density %d: element %d = %v, want %v", w, density, i, out.Data[i], want[i])
				}
			}
		}
	}
}

// TestStoreTile checks storeTile against the portable loop.
func TestStoreTile(t *testing.T) {
	t.Parallel()
	tile := randData(3*32, 5)
	tile[7] = float32(math.NaN())
	bias := []float32{0.5, -0.25, 0}
	runs := []int{0, 0, 3, 4, 10, 12, 17, 30, 1, 20, 40, 9}
	for _, relu := range []bool{false, true} {
		got := randData(3*50, 6)
		want := slices.Clone(got)
		storeTile(got, tile, bias, runs, 3, 50, 32, relu, 29, 49)
		storeTileGo(want, tile, bias, runs, 3, 50, 32, relu)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("relu %v: element %d = %v, want %v", relu, i, got[i], want[i])
			}
		}
	}
}

// TestCopyRows checks copyRows against the portable loop and that it
// leaves the gaps between rows alone.
func TestCopyRows(t *testing.T) {
	t.Parallel()
	src := randData(200, 7)
	for _, w := range []int{1, 7, 8, 9, 17, 32} {
		got := randData(300, 8)
		want := slices.Clone(got)
		for _, ld := range [][2]int{{w + 3, w + 1}, {w, w}, {w, w + 2}} {
			copyRows(got, src, 5, w, ld[0], ld[1])
			copyRowsGo(want, src, 5, w, ld[0], ld[1])
			assertExact(t, got, want)
		}
	}
}
