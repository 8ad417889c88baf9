package gemm

import (
	"slices"
	"testing"
)

// fuzzSeeds are shapes that hit tile edges, the single-row/column paths
// and several k blocks.
var fuzzSeeds = [][]byte{
	{0, 0, 0, 0, 0, 0, 0, 0},
	{11, 31, 64, 1, 1, 2, 1, 2},
	{12, 32, 255, 2, 3, 4, 2, 3},
	{0, 69, 100, 3, 2, 0, 3, 7},
	{69, 0, 17, 4, 5, 1, 0, 1},
	{25, 40, 7, 7, 6, 3, 1, 5, 0xde, 0xad},
}

// FuzzSgemm runs random shapes, transposes, scalars and strides on every
// supported path against the reference, and checks bitwise agreement with
// one thread.
func FuzzSgemm(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	if len(fuzzSeeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 8 {
			return
		}
		sc := scalars[int(data[4])%len(scalars)]
		tc := gemmCase{
			m: 1 + int(data[0])%70, n: 1 + int(data[1])%70, k: 1 + int(data[2])*3,
			tA: data[3]&1 != 0, tB: data[3]&2 != 0,
			alpha: sc[0], beta: sc[1], pad: int(data[6]) % 4,
		}
		tc.nanC = tc.beta == 0 && data[3]&4 != 0
		threads := 1 + int(data[7])%8
		o := makeOperands(tc, uint64(len(data))+uint64(data[5]))
		want, bound := reference(tc, o)
		for _, kern := range paths(t) {
			got := call(kern, threads, tc, o)
			check(t, tc, o, got, want, bound)
			if one := call(kern, 1, tc, o); !slices.Equal(bitsOf(one), bitsOf(got)) {
				t.Errorf("%s %v: %d threads differ from 1", kern.name, tc, threads)
			}
		}
	})
}
