package gemm

import (
	"slices"
	"testing"
)

// packPanel packs columns j0..j0+w of the row-major k×n matrix b (stride
// ldb) as one panel of nr columns, zero past w.
func packPanel(b []float32, ldb, k, nr, j0, w int) []float32 {
	p := make([]float32, k*nr)
	for q := range k {
		copy(p[q*nr:q*nr+w], b[q*ldb+j0:q*ldb+j0+w])
	}
	return p
}

// TestMulPanel checks panel products against the unpacked product bit
// for bit (same k blocks, same micro-kernel), including edge tiles, k
// longer than a block, and the sentinel past each row of C.
func TestMulPanel(t *testing.T) {
	t.Parallel()
	shapes := [][3]int{{2, 40, 33}, {13, 100, 257}, {16, 70, 144}, {64, 96, 576}, {9, 5, 1100}, {7, 2, 3}}
	for _, base := range paths(t) {
		for _, kern := range []*kernel{base, smallBlocks(base)} {
			for i, s := range shapes {
				tc := gemmCase{m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0, pad: i % 3, nanC: true}
				o := makeOperands(tc, 21)
				want := call(kern, 1, tc, o)
				pa := packAWith(kern, tc.m, tc.k, o.a, o.lda)
				c := slices.Clone(o.c)
				for j0 := 0; j0 < tc.n; j0 += kern.nr {
					w := min(kern.nr, tc.n-j0)
					MulPanel(pa, packPanel(o.b, o.ldb, tc.k, kern.nr, j0, w), w, c[j0:], o.ldc)
				}
				if !slices.Equal(bitsOf(c), bitsOf(want)) {
					t.Errorf("%s %v: panel product differs from Sgemm", kern.name, tc)
				}
				// MulPanelFull: the same bits in the first m rows, zeros below.
				mp := pa.PaddedM()
				full := make([]float32, mp*kern.nr)
				for j0 := 0; j0 < tc.n; j0 += kern.nr {
					w := min(kern.nr, tc.n-j0)
					MulPanelFull(pa, packPanel(o.b, o.ldb, tc.k, kern.nr, j0, w), full, kern.nr)
					for i := range mp {
						for jj := range w {
							got, exp := full[i*kern.nr+jj], float32(0)
							if i < tc.m {
								exp = want[i*o.ldc+j0+jj]
							}
							if bitsOf([]float32{got})[0] != bitsOf([]float32{exp})[0] {
								t.Fatalf("%s %v: full panel row %d col %d = %v, want %v", kern.name, tc, i, j0+jj, got, exp)
							}
						}
					}
				}
			}
		}
	}
}

// TestMulPanelPublic checks the exported entry points and the
// degenerate shapes.
func TestMulPanelPublic(t *testing.T) {
	t.Parallel()
	tc := gemmCase{m: 10, n: PanelWidth(), k: 50, alpha: 1}
	o := makeOperands(tc, 5)
	pa := PackA(tc.m, tc.k, o.a, o.lda)
	if pa.M() != 10 || pa.K() != 50 {
		t.Fatalf("M, K = %d, %d", pa.M(), pa.K())
	}
	c := slices.Clone(o.c)
	MulPanel(pa, packPanel(o.b, o.ldb, tc.k, PanelWidth(), 0, tc.n), tc.n, c, o.ldc)
	want, bound := reference(tc, o)
	check(t, tc, o, c, want, bound)
	// k == 0: C is cleared; m == 0 and w == 0: nothing happens.
	z := PackA(3, 0, nil, 1)
	c2 := []float32{1, 2, 3}
	MulPanel(z, nil, 1, c2, 1)
	if !slices.Equal(c2, []float32{0, 0, 0}) {
		t.Fatalf("k = 0: got %v", c2)
	}
	MulPanel(PackA(0, 4, nil, 4), nil, 1, c2, 1)
	MulPanel(pa, nil, 0, c2, 1)
}
