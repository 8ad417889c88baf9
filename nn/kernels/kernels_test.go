package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// geoms are geometries with odd sizes, asymmetric padding, strides and
// dilations.
var geoms = []Geom2D{
	{C: 1, H: 1, W: 1, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1},
	{C: 3, H: 7, W: 7, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PB: 1, PL: 1, PR: 1},
	{C: 2, H: 13, W: 7, KH: 3, KW: 2, SH: 2, SW: 3, DH: 2, DW: 1, PT: 0, PB: 2, PL: 1, PR: 0},
	{C: 1, H: 1, W: 13, KH: 1, KW: 5, SH: 1, SW: 2, DH: 1, DW: 3, PL: 4, PR: 1},
	{C: 4, H: 3, W: 3, KH: 3, KW: 3, SH: 3, SW: 3, DH: 1, DW: 1, PT: 2, PB: 2, PL: 2, PR: 2},
	// taps that only ever see padding (found by FuzzConv)
	{C: 2, H: 1, W: 4, KH: 1, KW: 3, SH: 1, SW: 1, DH: 1, DW: 3, PL: 6},
	{C: 1, H: 5, W: 4, KH: 3, KW: 3, SH: 2, SW: 2, DH: 3, DW: 3, PT: 6, PB: 1, PL: 5, PR: 6},
}

func withOut(g Geom2D) Geom2D {
	g.OH = OutSize(g.H, g.KH, g.SH, g.DH, g.PT, g.PB)
	g.OW = OutSize(g.W, g.KW, g.SW, g.DW, g.PL, g.PR)
	return g
}

func randSlice(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// naiveIm2col reads every column entry straight from the definition.
func naiveIm2col(g Geom2D, img []float32) []float32 {
	col := make([]float32, g.ColLen())
	for c := 0; c < g.C; c++ {
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				row := (c*g.KH+kh)*g.KW + kw
				for oh := 0; oh < g.OH; oh++ {
					for ow := 0; ow < g.OW; ow++ {
						ih, iw := oh*g.SH-g.PT+kh*g.DH, ow*g.SW-g.PL+kw*g.DW
						if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
							col[row*g.OH*g.OW+oh*g.OW+ow] = img[(c*g.H+ih)*g.W+iw]
						}
					}
				}
			}
		}
	}
	return col
}

func TestIm2col(t *testing.T) {
	t.Parallel()
	for i, g := range geoms {
		g = withOut(g)
		if !g.Valid() {
			t.Fatalf("geometry %d invalid: %+v", i, g)
		}
		img := randSlice(g.ImageLen(), uint64(i))
		col := randSlice(g.ColLen(), 99) // garbage: must be overwritten
		Im2col(g, img, col)
		want := naiveIm2col(g, img)
		for k := range want {
			if col[k] != want[k] {
				t.Fatalf("geometry %d: col[%d] = %v, want %v", i, k, col[k], want[k])
			}
		}
	}
}

// TestIm2colBlock checks bands of output rows assemble the full matrix.
func TestIm2colBlock(t *testing.T) {
	t.Parallel()
	for i, g := range geoms {
		g = withOut(g)
		img := randSlice(g.ImageLen(), uint64(i))
		want := naiveIm2col(g, img)
		ohw := g.OH * g.OW
		for band := 1; band <= g.OH; band++ {
			for oh0 := 0; oh0 < g.OH; oh0 += band {
				oh1 := min(oh0+band, g.OH)
				n := (oh1 - oh0) * g.OW
				ld := n + 3 // a wider stride than needed
				col := randSlice(g.ColRows()*ld, 7)
				Im2colBlock(g, img, col, ld, 0, g.C, oh0, oh1)
				for r := 0; r < g.ColRows(); r++ {
					for j := 0; j < n; j++ {
						if got, w := col[r*ld+j], want[r*ohw+oh0*g.OW+j]; got != w {
							t.Fatalf("geometry %d band %d rows %d..%d: row %d col %d = %v, want %v", i, band, oh0, oh1, r, j, got, w)
						}
					}
				}
			}
		}
	}
}

// TestCol2imBlock checks bands of window rows scatter like the full matrix.
func TestCol2imBlock(t *testing.T) {
	t.Parallel()
	for i, g := range geoms {
		g = withOut(g)
		ohw := g.OH * g.OW
		col := randSlice(g.ColLen(), uint64(i))
		want := make([]float32, g.ImageLen())
		Col2im(g, col, want)
		for band := 1; band <= g.OH; band++ {
			got := make([]float32, g.ImageLen())
			for oh0 := 0; oh0 < g.OH; oh0 += band {
				oh1 := min(oh0+band, g.OH)
				n := (oh1 - oh0) * g.OW
				blk := make([]float32, g.ColRows()*n)
				for r := 0; r < g.ColRows(); r++ {
					copy(blk[r*n:(r+1)*n], col[r*ohw+oh0*g.OW:])
				}
				Col2imBlock(g, blk, got, n, 0, g.C, oh0, oh1)
			}
			for k := range want {
				if d := math.Abs(float64(got[k] - want[k])); d > 1e-5 {
					t.Fatalf("geometry %d band %d: img[%d] = %v, want %v", i, band, k, got[k], want[k])
				}
			}
		}
	}
}

// TestCol2imAdjoint checks <Im2col(x), y> == <x, Col2im(y)>.
func TestCol2imAdjoint(t *testing.T) {
	t.Parallel()
	for i, g := range geoms {
		g = withOut(g)
		x := randSlice(g.ImageLen(), uint64(i))
		y := randSlice(g.ColLen(), uint64(i+50))
		col := make([]float32, g.ColLen())
		Im2col(g, x, col)
		img := make([]float32, g.ImageLen())
		Col2im(g, y, img)
		var a, b float64
		for k := range col {
			a += float64(col[k]) * float64(y[k])
		}
		for k := range img {
			b += float64(img[k]) * float64(x[k])
		}
		if math.Abs(a-b) > 1e-4*(1+math.Abs(a)) {
			t.Fatalf("geometry %d: <im2col x, y> = %v, <x, col2im y> = %v", i, a, b)
		}
	}
}

// TestDepthwise checks DepthwiseConv2D against the column matrix.
func TestDepthwise(t *testing.T) {
	t.Parallel()
	for i, g := range geoms {
		g = withOut(g)
		g.C = 1
		img := randSlice(g.ImageLen(), uint64(i))
		w := randSlice(g.KH*g.KW, uint64(i+9))
		col := naiveIm2col(g, img)
		out := randSlice(g.OH*g.OW, 5)
		want := append([]float32(nil), out...)
		DepthwiseConv2D(g, img, w, out)
		for o := range want {
			s := float64(want[o])
			for r := range w {
				s += float64(w[r]) * float64(col[r*g.OH*g.OW+o])
			}
			if math.Abs(float64(out[o])-s) > 1e-5*(1+math.Abs(s)) {
				t.Fatalf("geometry %d: out[%d] = %v, want %v", i, o, out[o], s)
			}
		}
	}
}

func TestOutSize(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, k, s, d, pb, pe, want int }{
		{7, 3, 1, 1, 0, 0, 5}, {7, 3, 2, 1, 1, 1, 4}, {5, 3, 1, 2, 0, 0, 1}, {4, 3, 1, 2, 0, 0, 0},
		{1, 1, 1, 1, 0, 0, 1}, {0, 1, 1, 1, 0, 0, 0}, {5, 0, 1, 1, 0, 0, 0}, {5, 1, 0, 1, 0, 0, 0},
	}
	for _, c := range cases {
		if got := OutSize(c.in, c.k, c.s, c.d, c.pb, c.pe); got != c.want {
			t.Errorf("OutSize%v = %d, want %d", c, got, c.want)
		}
	}
}

func TestPoolNaN(t *testing.T) {
	t.Parallel()
	nan := float32(math.NaN())
	g := withOut(Geom2D{C: 1, H: 1, W: 4, KH: 1, KW: 2, SH: 1, SW: 2, DH: 1, DW: 1})
	out := make([]float32, 2)
	MaxPool2D(g, []float32{nan, 1, 2, nan}, out)
	if out[0] == out[0] || out[1] == out[1] {
		t.Fatalf("max pool dropped a NaN: %v", out)
	}
	GlobalMax([]float32{1, nan, 3}, 3, out[:1])
	if out[0] == out[0] {
		t.Fatalf("global max dropped a NaN: %v", out[0])
	}
}

func BenchmarkIm2col(b *testing.B) {
	for _, g := range []Geom2D{
		{C: 64, H: 56, W: 56, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1, PT: 1, PB: 1, PL: 1, PR: 1},
		{C: 3, H: 224, W: 224, KH: 7, KW: 7, SH: 2, SW: 2, DH: 1, DW: 1, PT: 3, PB: 3, PL: 3, PR: 3},
	} {
		g = withOut(g)
		b.Run(fmt.Sprintf("%dx%dx%d-k%d-s%d", g.C, g.H, g.W, g.KH, g.SH), func(b *testing.B) {
			img := randSlice(g.ImageLen(), 1)
			col := make([]float32, g.ColLen())
			b.SetBytes(int64(4 * g.ColLen()))
			for b.Loop() {
				Im2col(g, img, col)
			}
		})
	}
}

// TestExpNeg checks expNeg against math.Exp on a dense sweep of [-90, 0].
func TestExpNeg(t *testing.T) {
	t.Parallel()
	worst := 0.0
	for a := float32(-90); a <= 0; a = math.Nextafter32(a, 1) + 1e-4*float32(math.Abs(float64(a))) {
		got := float64(expNeg(a))
		want := math.Exp(float64(a))
		if a < expMin {
			if got != 0 {
				t.Fatalf("expNeg(%v) = %v, want 0", a, got)
			}
			continue
		}
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Fatalf("worst relative error %.3g", worst)
	}
	if v := expNeg(float32(math.NaN())); v == v {
		t.Fatal("expNeg(NaN) is not NaN")
	}
	if expNeg(0) != 1 {
		t.Fatalf("expNeg(0) = %v", expNeg(0))
	}
}

func TestSoftmaxSpecial(t *testing.T) {
	t.Parallel()
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	cases := []struct {
		x    []float32
		want []float32 // NaN matches NaN
	}{
		{[]float32{-inf, -inf}, []float32{nan, nan}},
		{[]float32{inf, 0}, []float32{nan, nan}},
		{[]float32{-inf, 0}, []float32{0, 1}},
		{[]float32{nan, 0}, []float32{nan, nan}},
		{[]float32{1000, 1000, -1000}, []float32{0.5, 0.5, 0}},
	}
	for i, c := range cases {
		y := make([]float32, len(c.x))
		Softmax(c.x, y, 1, len(c.x), 1, false)
		for k := range y {
			if !(y[k] == c.want[k] || (y[k] != y[k] && c.want[k] != c.want[k])) {
				t.Fatalf("case %d: softmax(%v) = %v, want %v", i, c.x, y, c.want)
			}
		}
	}
}
