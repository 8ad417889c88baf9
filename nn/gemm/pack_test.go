package gemm

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTransposeMatchesPackT checks every path's transpose against the
// portable packT, bit for bit, including the padding it must not touch.
func TestTransposeMatchesPackT(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, kern := range paths(t) {
		for _, h := range []int{1, 3, 4, 5, 8, 11, 12, 16, 32} {
			for _, kb := range []int{1, 7, 8, 9, 16, 33, 100} {
				for _, alpha := range []float32{1, -2.5} {
					ld, stride := kb+3, h+2
					src := randSlice(r, (h-1)*ld+kb)
					want := make([]float32, kb*stride)
					got := make([]float32, kb*stride)
					for i := range want {
						want[i], got[i] = sentinel, sentinel
					}
					packT(want, stride, src, ld, h, kb, alpha)
					kern.transpose(got, stride, src, ld, h, kb, alpha)
					if !slices.Equal(bitsOf(got), bitsOf(want)) {
						t.Errorf("%s: transpose h=%d kb=%d alpha=%g differs from packT", kern.name, h, kb, alpha)
					}
				}
			}
		}
	}
}
