package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestVecActMatchesScalar checks that actSigmoid and actTanh (vector
// kernels where the CPU has them) give the same bits as the scalar code
// for every element, over wide random ranges, special values mixed into
// blocks (NaN, ±Inf, ±0, values past the clamps) and every length
// remainder.
func TestVecActMatchesScalar(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		-87, -87.5, -100, 87, 100, 0.625, -0.625, 9.5, -9.5, 9.01, 1e-30, -1e-30, 1e-45}
	for _, scale := range []float32{0.01, 1, 5, 20, 120} {
		for n := range 70 {
			x := make([]float32, n)
			for i := range x {
				x[i] = (r.Float32()*2 - 1) * scale
				if r.IntN(10) == 0 {
					x[i] = specials[r.IntN(len(specials))]
				}
			}
			for _, f := range []struct {
				name       string
				vec, plain func([]float32)
			}{{"sigmoid", actSigmoid, sigmoidScalar}, {"tanh", actTanh, tanhScalar}} {
				got, want := slices.Clone(x), slices.Clone(x)
				f.vec(got)
				f.plain(want)
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s(%v) = %v, scalar %v (n %d, index %d)", f.name, x[i], got[i], want[i], n, i)
					}
				}
			}
		}
	}
}

// TestVecActSweep compares the kernels with the scalar code on a dense
// sweep of float32 values in [-100, 100].
func TestVecActSweep(t *testing.T) {
	t.Parallel()
	x := make([]float32, 0, 1<<20)
	for v := float32(-100); v < 100; v += 200.0 / (1 << 20) {
		x = append(x, v)
	}
	for _, f := range []struct {
		name       string
		vec, plain func([]float32)
	}{{"sigmoid", actSigmoid, sigmoidScalar}, {"tanh", actTanh, tanhScalar}} {
		got, want := slices.Clone(x), slices.Clone(x)
		f.vec(got)
		f.plain(want)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s(%v) = %v, scalar %v", f.name, x[i], got[i], want[i])
			}
		}
	}
}

func BenchmarkVecAct(b *testing.B) {
	x := randData(4096, 3)
	for _, f := range []struct {
		name string
		fn   func([]float32)
	}{{"sigmoid", actSigmoid}, {"sigmoid-scalar", sigmoidScalar}, {"tanh", actTanh}, {"tanh-scalar", tanhScalar}} {
		b.Run(f.name, func(b *testing.B) {
			y := make([]float32, len(x))
			for b.Loop() {
				copy(y, x)
				f.fn(y)
			}
		})
	}
}
