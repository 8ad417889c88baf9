// Package kernels holds the CPU kernels of package nn on plain float32
// slices: im2col/col2im (whole, by channel range or by band of rows) for
// GEMM convolutions, a direct depthwise convolution, pooling,
// normalisation and softmax. Matrix products are not here: package nn
// calls package gemm. It imports only the standard library.
//
// # Contract
//
// Kernels trust their arguments: package nn validates every shape and
// slice length at bind time and before each call, and [Geom2D.Valid] checks
// a geometry. Slices shorter than documented make a kernel panic with an
// index error; that is a bug in the caller, never a reaction to data. Images are channel-major (C×H×W, row-major, W fastest). A 1-D
// signal C×L is the image C×1×L.
//
// Every kernel is deterministic: each output element is computed by the same
// sequence of floating-point operations on every call.
package kernels

// Geom2D describes a 2-D sliding window (kernel KH×KW, stride SH×SW,
// dilation DH×DW, padding PT/PB/PL/PR) over a C×H×W image producing an
// OH×OW grid of window positions. Window position (oh, ow), tap (kh, kw)
// reads image cell (oh*SH-PT+kh*DH, ow*SW-PL+kw*DW); cells outside the image
// are padding.
type Geom2D struct {
	C, H, W        int // channels, image height and width
	KH, KW         int // kernel height and width
	SH, SW         int // strides
	DH, DW         int // dilations
	PT, PB, PL, PR int // padding: top, bottom, left, right
	OH, OW         int // window positions (output height and width)
}

// OutSize returns floor((in+padBegin+padEnd-dil*(k-1)-1)/stride)+1, the
// number of window positions along one axis, or 0 when the window does not
// fit even once (or an argument is out of range).
func OutSize(in, k, stride, dil, padBegin, padEnd int) int {
	if in < 1 || k < 1 || stride < 1 || dil < 1 || padBegin < 0 || padEnd < 0 {
		return 0
	}
	num := in + padBegin + padEnd - dil*(k-1) - 1
	if num < 0 {
		return 0
	}
	return num/stride + 1
}

// Valid reports whether every field is in range (sizes and strides >= 1,
// padding >= 0) and the products used to index buffers stay far from
// overflow.
func (g Geom2D) Valid() bool {
	for _, v := range [...]int{g.C, g.H, g.W, g.KH, g.KW, g.SH, g.SW, g.DH, g.DW, g.OH, g.OW} {
		if v < 1 || v > 1<<31 {
			return false
		}
	}
	for _, v := range [...]int{g.PT, g.PB, g.PL, g.PR} {
		if v < 0 || v > 1<<31 {
			return false
		}
	}
	const lim = 1 << 50
	img := int64(g.C) * int64(g.H) * int64(g.W)
	col := int64(g.C) * int64(g.KH) * int64(g.KW)
	return img < lim && col < lim && col*int64(g.OH) < lim/int64(g.OW)
}

// ImageLen is C*H*W, the length of the image.
func (g Geom2D) ImageLen() int { return g.C * g.H * g.W }

// ColRows is C*KH*KW, the number of rows of the column matrix.
func (g Geom2D) ColRows() int { return g.C * g.KH * g.KW }

// ColLen is ColRows()*OH*OW, the length of the column matrix.
func (g Geom2D) ColLen() int { return g.ColRows() * g.OH * g.OW }

// span returns the half-open range [lo, hi) of positions o in [0, count)
// for which 0 <= o*stride+off < n; an empty range is (0, 0). Callers must
// not index with off when the range is empty (off may be negative).
func span(count, stride, off, n int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	last := n - 1 - off // o*stride <= last
	if last < 0 {
		return 0, 0
	}
	hi = last/stride + 1
	if hi > count {
		hi = count
	}
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// Im2col writes the column matrix of img into col: row (c*KH+kh)*KW+kw,
// column oh*OW+ow holds the image cell read by that tap at that position,
// or 0 for padding. len(img) >= ImageLen(), len(col) >= ColLen().
func Im2col(g Geom2D, img, col []float32) { Im2colChannels(g, img, col, 0, g.C) }

// Im2colChannels is Im2col restricted to the rows of channels [c0, c1); it
// writes only those rows, so disjoint ranges can run concurrently.
func Im2colChannels(g Geom2D, img, col []float32, c0, c1 int) {
	Im2colLD(g, img, col, g.OH*g.OW, c0, c1)
}

// Im2colLD is Im2colChannels writing row r of the column matrix at
// col[r*ld:], ld >= OH*OW: several images can share one wide column matrix
// (batched convolution), each at its own column offset.
func Im2colLD(g Geom2D, img, col []float32, ld, c0, c1 int) {
	Im2colBlock(g, img, col, ld, c0, c1, 0, g.OH)
}

// Im2colBlock is Im2colLD for the output rows [oh0, oh1) only: row r of the
// column matrix holds (oh1-oh0)*OW values at col[r*ld:], ld >= that. It
// lets a convolution bound its scratch memory by processing the output in
// horizontal bands.
func Im2colBlock(g Geom2D, img, col []float32, ld, c0, c1, oh0, oh1 int) {
	n := (oh1 - oh0) * g.OW
	row := c0 * g.KH * g.KW
	for c := c0; c < c1; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				im2colRow(g, plane, col[row*ld:row*ld+n], kh, kw, oh0, oh1)
				row++
			}
		}
	}
}

// im2colRow fills one row of the column matrix for tap (kh, kw) and output
// rows [oh0, oh1).
func im2colRow(g Geom2D, plane, dst []float32, kh, kw, oh0, oh1 int) {
	offH := kh*g.DH - g.PT
	offW := kw*g.DW - g.PL
	wlo, whi := span(g.OW, g.SW, offW, g.W)
	for oh := oh0; oh < oh1; oh++ {
		d := dst[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
		ih := oh*g.SH + offH
		if ih < 0 || ih >= g.H {
			clear(d)
			continue
		}
		clear(d[:wlo])
		clear(d[whi:])
		if wlo == whi {
			continue
		}
		src := plane[ih*g.W : (ih+1)*g.W]
		if g.SW == 1 {
			copy(d[wlo:whi], src[wlo+offW:whi+offW])
			continue
		}
		iw := wlo*g.SW + offW
		for ow := wlo; ow < whi; ow++ {
			d[ow] = src[iw]
			iw += g.SW
		}
	}
}

// Col2im is the adjoint of Im2col: it adds every element of col to the image
// cell it would have been read from (padding taps are dropped). img is not
// cleared first. Rows are accumulated in order, so the result is
// deterministic.
func Col2im(g Geom2D, col, img []float32) { Col2imChannels(g, col, img, 0, g.C) }

// Col2imChannels is Col2im restricted to channels [c0, c1); it writes only
// those image planes, so disjoint ranges can run concurrently.
func Col2imChannels(g Geom2D, col, img []float32, c0, c1 int) {
	Col2imBlock(g, col, img, g.OH*g.OW, c0, c1, 0, g.OH)
}

// Col2imBlock is the adjoint of Im2colBlock: row r of the column matrix
// holds the window positions of rows [oh0, oh1) at col[r*ld:], and is added
// into channels [c0, c1) of img.
func Col2imBlock(g Geom2D, col, img []float32, ld, c0, c1, oh0, oh1 int) {
	n := (oh1 - oh0) * g.OW
	row := c0 * g.KH * g.KW
	for c := c0; c < c1; c++ {
		plane := img[c*g.H*g.W : (c+1)*g.H*g.W]
		for kh := 0; kh < g.KH; kh++ {
			for kw := 0; kw < g.KW; kw++ {
				col2imRow(g, col[row*ld:row*ld+n], plane, kh, kw, oh0, oh1)
				row++
			}
		}
	}
}

// col2imRow scatters one row of the column matrix for tap (kh, kw) and
// window rows [oh0, oh1).
func col2imRow(g Geom2D, src, plane []float32, kh, kw, oh0, oh1 int) {
	offH := kh*g.DH - g.PT
	offW := kw*g.DW - g.PL
	wlo, whi := span(g.OW, g.SW, offW, g.W)
	for oh := oh0; oh < oh1; oh++ {
		ih := oh*g.SH + offH
		if ih < 0 || ih >= g.H {
			continue
		}
		s := src[(oh-oh0)*g.OW : (oh-oh0+1)*g.OW]
		d := plane[ih*g.W : (ih+1)*g.W]
		iw := wlo*g.SW + offW
		for ow := wlo; ow < whi; ow++ {
			d[iw] += s[ow]
			iw += g.SW
		}
	}
}
