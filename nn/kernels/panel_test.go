package kernels

import (
	"slices"
	"testing"
)

// TestIm2colPanel checks every panel of every test geometry (and a
// pointwise one) against the naive column matrix, for panel widths that
// do and do not divide the number of columns; padding columns must be 0.
func TestIm2colPanel(t *testing.T) {
	t.Parallel()
	gs := append(slices.Clone(geoms), withOut(Geom2D{C: 3, H: 4, W: 5, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1}))
	for gi, g := range gs {
		g = withOut(g)
		img := randSlice(g.ImageLen(), uint64(gi))
		want := naiveIm2col(g, img)
		taps := Taps(g)
		if len(taps) != g.ColRows() {
			t.Fatalf("geom %d: %d taps, want %d", gi, len(taps), g.ColRows())
		}
		cols := g.OH * g.OW
		if cols == 0 {
			t.Fatalf("geom %d has no output", gi)
		}
		for _, nr := range []int{1, 4, 7, 32} {
			dst := randSlice(len(taps)*nr, 99) // garbage the kernel must overwrite
			for j0 := 0; j0 < cols; j0 += nr {
				w := min(nr, cols-j0)
				Im2colPanel(g, taps, img, dst, nr, j0, w)
				for q := range taps {
					for jj := range nr {
						exp := float32(0)
						if jj < w {
							exp = want[q*cols+j0+jj]
						}
						if got := dst[q*nr+jj]; got != exp {
							t.Fatalf("geom %d %+v nr %d j0 %d: row %d col %d = %v, want %v", gi, g, nr, j0, q, jj, got, exp)
						}
					}
				}
			}
		}
	}
}
