package kernels

// Tap is one row of a column matrix: the input channel plane it reads and
// the offsets of its kernel tap, with the range of output columns whose
// reads fall inside the image horizontally. [Taps] computes them once per
// geometry.
type Tap struct {
	Plane      int // offset of the channel plane in the image
	OffH, OffW int // kh*DH-PT and kw*DW-PL
	WLo, WHi   int // output columns ow in [WLo, WHi) read inside the image
}

// Taps returns the ColRows() taps of g in column-matrix row order
// ((c*KH+kh)*KW+kw).
func Taps(g Geom2D) []Tap {
	taps := make([]Tap, 0, g.ColRows())
	for c := 0; c < g.C; c++ {
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				t := Tap{Plane: c * g.H * g.W, OffH: kh*g.DH - g.PT, OffW: kw*g.DW - g.PL}
				t.WLo, t.WHi = span(g.OW, g.SW, t.OffW, g.W)
				taps = append(taps, t)
			}
		}
	}
	return taps
}

// Im2colPanel writes columns [j0, j0+w) of the column matrix of img (see
// [Im2col]; column oh*OW+ow) as one packed panel of nr columns:
// dst[q*nr+jj] is row q, column j0+jj, and zero for jj >= w. taps is
// Taps(g); 1 <= w <= nr, j0+w <= OH*OW and len(dst) >= len(taps)*nr.
func Im2colPanel(g Geom2D, taps []Tap, img, dst []float32, nr, j0, w int) {
	if g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT+g.PB+g.PL+g.PR == 0 {
		// Pointwise: row q of the column matrix is channel q itself.
		for q, t := range taps {
			d := dst[q*nr : (q+1)*nr]
			copy(d[:w], img[t.Plane+j0:t.Plane+j0+w])
			clear(d[w:])
		}
		return
	}
	oh0 := j0 / g.OW
	ow0 := j0 - oh0*g.OW
	for q, t := range taps {
		d := dst[q*nr : (q+1)*nr]
		if w < nr {
			clear(d[w:])
		}
		oh, ow := oh0, ow0
		for jj := 0; jj < w; {
			n := min(g.OW-ow, w-jj)
			panelRun(g, t, img, d[jj:jj+n], oh, ow)
			jj += n
			ow = 0
			oh++
		}
	}
}

// panelRun fills seg with tap t's reads for output row oh, columns
// ow..ow+len(seg)-1.
func panelRun(g Geom2D, t Tap, img, seg []float32, oh, ow int) {
	ih := oh*g.SH + t.OffH
	lo, hi := max(ow, t.WLo), min(ow+len(seg), t.WHi)
	if ih < 0 || ih >= g.H || lo >= hi {
		for i := range seg {
			seg[i] = 0
		}
		return
	}
	for i := range lo - ow {
		seg[i] = 0
	}
	for i := hi - ow; i < len(seg); i++ {
		seg[i] = 0
	}
	src := img[t.Plane+ih*g.W : t.Plane+(ih+1)*g.W]
	out := seg[lo-ow : hi-ow]
	if g.SW == 1 {
		in := src[lo+t.OffW : hi+t.OffW]
		if len(out) >= 16 {
			copy(out, in)
			return
		}
		for i, v := range in {
			out[i] = v
		}
		return
	}
	iw := lo*g.SW + t.OffW
	for i := range out {
		out[i] = src[iw]
		iw += g.SW
	}
}
