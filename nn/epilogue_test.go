package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
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
		gatherRows(got, src, offs, nr)
		gatherRowsGo(want, src, offs, nr)
		assertExact(t, got, want)
	}
	gatherRows(nil, src, nil, 8)
}

// TestStoreRuns checks storeRuns against the portable loop, with and
// without ReLU, on runs with vector blocks and scalar tails.
func TestStoreRuns(t *testing.T) {
	t.Parallel()
	src := randData(64, 3)
	src[5] = float32(math.NaN())
	src[20] = float32(math.Copysign(0, -1))
	runs := []int{0, 0, 3, 4, 10, 12, 17, 30, 1, 20, 40, 9}
	for _, relu := range []bool{false, true} {
		got := randData(64, 4)
		want := slices.Clone(got)
		storeRuns(got, src, runs, 0.25, relu, 29, 49)
		storeRunsGo(want, src, runs, 0.25, relu)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("relu %v: element %d = %v, want %v", relu, i, got[i], want[i])
			}
		}
	}
}
