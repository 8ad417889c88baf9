package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/gemm"
	"github.com/modelgate/modelgate/nn/kernels"
)

// Panel convolution: the column matrix is never materialised. Each unit
// of work is one (sample, group, panel of gemm.PanelWidth() output
// positions); its columns are written straight into the GEMM's packed
// layout, multiplied by the weights packed at bind (gemm.MulPanel) while
// hot in cache, and the bias and activation are applied to the fresh
// output tile. Scratch is one panel (plus one padded image and one output
// tile for stride 1) per goroutine.
//
// Stride-1 convolutions use the padded-row trick: the image is copied
// once into a zero-padded buffer of width Wp = W+PL+PR, and the output is
// computed at OH×Wp "extended" positions j = oh·Wp+ow. Tap (c, kh, kw)
// then reads padded[c][j + kh·DH·Wp + kw·DW] for every j, so each row of
// a panel is one contiguous copy. The Wp-OW extra columns per output row
// (reads that wrap into the next row) are computed and dropped.

// panelPlan is the bind-time state of the panel path.
type panelPlan struct {
	nr     int             // panel width
	panels int             // panels per (sample, group) output plane
	taps   []kernels.Tap   // per-group column-matrix rows (strided path)
	wp     []*gemm.PackedA // per group: [fg, k] weights, packed
	bufs   bufPool         // per-goroutine scratch

	// Extended path (every conv but the unpadded 1×1 stride-1 one, which
	// needs no gathering); ext is false for the taps path.
	ext       bool
	hp, wpad  int   // padded height and width
	hph, rowW int   // rows and row width of one phase image (stride 1: hp, wpad)
	extLen    int   // OH*rowW extended output positions
	offs      []int // per column-matrix row: offset of its tap in the phase images
	maxOff    int   // largest of offs
	// Strided: the input columns some tap reads, their offsets from the
	// start of a phase row, and which row phases a tap reads.
	colSrc, colDst []int
	rowUsed        []bool
	colUsed        [2]bool   // stride-2 columns: whether a tap reads the even / odd phase
	zeros          []float32 // fg zeros: the bias of a conv without one
	padLen         int       // phase images plus slack for the last panel's reads
}

// planPanels packs the weights and plans the column panels.
func (c *convOp) planPanels() {
	g := c.g
	k := g.ColRows()
	p := &panelPlan{nr: gemm.PanelWidth()}
	for gi := range c.groups {
		p.wp = append(p.wp, gemm.PackA(c.fg, k, c.w[gi*c.fg*k:(gi+1)*c.fg*k], k))
	}
	pointwise := g.KH == 1 && g.KW == 1 && g.PT+g.PB+g.PL+g.PR == 0 && g.SH == 1 && g.SW == 1
	if !pointwise {
		p.planExt(g, c.fg)
	} else {
		p.taps = kernels.Taps(g)
		p.panels = (g.OH*g.OW + p.nr - 1) / p.nr
	}
	c.panel = p
}

// planExt plans the extended path. The padded image is split into SH×SW
// phase images (row parity × column parity for stride 2), each C planes
// of hph×rowW: padded cell (r, q) goes to phase (r%SH, q%SW) at
// (r/SH, q/SW). Tap (c, kh, kw) of output (oh, ow) reads padded cell
// (oh·SH+kh·DH, ow·SW+kw·DW), which is phase ((kh·DH)%SH, (kw·DW)%SW) at
// (oh+(kh·DH)/SH, ow+(kw·DW)/SW): at extended position j = oh·rowW+ow it
// is j plus a per-tap offset, so every panel row is one contiguous copy.
// For stride 1 there is one phase: the padded image itself.
func (p *panelPlan) planExt(g kernels.Geom2D, fg int) {
	p.ext = true
	p.zeros = make([]float32, fg)
	p.hp, p.wpad = g.H+g.PT+g.PB, g.W+g.PL+g.PR
	p.hph, p.rowW = (p.hp+g.SH-1)/g.SH, (p.wpad+g.SW-1)/g.SW
	p.extLen = g.OH * p.rowW
	plane := p.hph * p.rowW
	phase := g.C * plane
	for ch := range g.C {
		for kh := range g.KH {
			for kw := range g.KW {
				dh, dw := kh*g.DH, kw*g.DW
				off := ((dh%g.SH)*g.SW+dw%g.SW)*phase + ch*plane + (dh/g.SH)*p.rowW + dw/g.SW
				p.offs = append(p.offs, off)
				p.maxOff = max(p.maxOff, off)
			}
		}
	}
	p.panels = (p.extLen + p.nr - 1) / p.nr
	// The last panel reads up to panels*nr-1 + the largest offset.
	p.padLen = max(g.SH*g.SW*phase, p.panels*p.nr+p.maxOff)
	if g.SH != 1 || g.SW != 1 {
		// Only the phases some tap reads are filled (a 1×1 stride-2
		// convolution reads one phase of four).
		colUsed := make([]bool, g.SW)
		p.rowUsed = make([]bool, g.SH)
		for kw := range g.KW {
			colUsed[kw*g.DW%g.SW] = true
		}
		for kh := range g.KH {
			p.rowUsed[kh*g.DH%g.SH] = true
		}
		if g.SW == 2 {
			p.colUsed = [2]bool{colUsed[0], colUsed[1]}
		}
		for iw := range g.W {
			if q := g.PL + iw; colUsed[q%g.SW] {
				p.colSrc = append(p.colSrc, iw)
				p.colDst = append(p.colDst, (q%g.SW)*phase+q/g.SW)
			}
		}
	}
}

// forwardPanels runs the convolution panel by panel.
func (c *convOp) forwardPanels(ctx context.Context, n int, in, out []float32) error {
	p := c.panel
	units := n * c.groups * p.panels
	k := c.g.ColRows()
	if c.threads <= 1 {
		return c.panelRange(ctx, p, in, out, 0, units)
	}
	return parallelFor(ctx, c.threads, units, units*c.fg*k*p.nr/64, func(ctx context.Context, lo, hi int) error {
		return c.panelRange(ctx, p, in, out, lo, hi)
	})
}

// panelCheck is how many units run between two context checks.
const panelCheck = 64

// panelRange computes units [lo, hi) on the calling goroutine.
func (c *convOp) panelRange(ctx context.Context, p *panelPlan, in, out []float32, lo, hi int) error {
	k := c.g.ColRows()
	scratch := k * p.nr
	if p.ext {
		scratch += p.padLen + p.wp[0].PaddedM()*p.nr
	}
	buf := p.bufs.get(scratch)
	defer p.bufs.put(buf)
	panel := (*buf)[:k*p.nr]
	ohw := c.g.OH * c.g.OW
	gin := c.g.ImageLen()
	padded := -1 // (sample, group) whose padded image is in the scratch
	for u := lo; u < hi; u++ {
		if (u-lo)%panelCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pi := u % p.panels
		sg := u / p.panels
		gi := sg % c.groups
		s := sg / c.groups
		x := in[s*c.inLen+gi*gin : s*c.inLen+(gi+1)*gin]
		y := out[s*c.outLen+gi*c.fg*ohw : s*c.outLen+(gi+1)*c.fg*ohw]
		if !p.ext {
			j0 := pi * p.nr
			w := min(p.nr, ohw-j0)
			kernels.Im2colPanel(c.g, p.taps, x, panel, p.nr, j0, w)
			gemm.MulPanel(p.wp[gi], panel, w, y[j0:], ohw)
			for f := range c.fg {
				c.finishPlane(y[f*ohw+j0:f*ohw+j0+w], gi*c.fg+f)
			}
			continue
		}
		img := (*buf)[k*p.nr : k*p.nr+p.padLen]
		tile := (*buf)[k*p.nr+p.padLen:]
		if sg != padded {
			c.padImage(p, x, img)
			padded = sg
		}
		j0 := pi * p.nr
		gatherRows(panel, img[j0:], p.offs, p.maxOff, p.nr)
		gemm.MulPanelFull(p.wp[gi], panel, tile, p.nr)
		c.storeExt(p, tile, y, j0, gi)
	}
	return nil
}

// padImage copies the group image x (C×H×W) into the interior of the
// phase images in img (see planExt). The borders and the slack past the
// images are never written: the scratch comes from this op's own pool,
// always with the same size and layout, and starts zeroed (make), so they
// stay zero.
func (c *convOp) padImage(p *panelPlan, x, img []float32) {
	g := c.g
	plane := p.hph * p.rowW
	if g.SH == 1 && g.SW == 1 {
		for ch := range g.C {
			copyRows(img[ch*plane+g.PT*p.wpad+g.PL:], x[ch*g.H*g.W:(ch+1)*g.H*g.W], g.H, g.W, p.wpad, g.W)
		}
		return
	}
	phase := g.C * plane
	for ch := range g.C {
		for ih := range g.H {
			r := g.PT + ih
			if !p.rowUsed[r%g.SH] {
				continue
			}
			rowBase := (r%g.SH)*g.SW*phase + ch*plane + (r/g.SH)*p.rowW
			src := x[(ch*g.H+ih)*g.W : (ch*g.H+ih+1)*g.W]
			if g.SW == 2 {
				deinterleave2(img[rowBase:], img[rowBase+phase:], src, g.PL, p.colUsed)
				continue
			}
			dst := img[rowBase:]
			for i, iw := range p.colSrc {
				dst[p.colDst[i]] = src[iw]
			}
		}
	}
}

// maxRuns bounds the runs of valid columns of one panel (storeExt).
const maxRuns = 64

// storeExt writes the valid columns of an extended-position tile (fg rows
// of nr, starting at extended position j0) to the output planes y of one
// group, with bias and activation.
func (c *convOp) storeExt(p *panelPlan, tile, y []float32, j0, gi int) {
	g := c.g
	ohw := g.OH * g.OW
	var buf [3 * maxRuns]int
	runs := buf[:0]
	maxT, maxY := 0, 0
	end := min(j0+p.nr, p.extLen)
	for j := j0; j < end; {
		oh, ow := j/p.rowW, j%p.rowW
		run := min(p.rowW-ow, end-j)
		if valid := min(run, g.OW-ow); valid > 0 {
			if len(runs) == len(buf) {
				c.storeExtGo(p, tile, y, j0, gi)
				return
			}
			runs = append(runs, j-j0, oh*g.OW+ow, valid)
			maxT, maxY = j-j0+valid, oh*g.OW+ow+valid
		}
		j += run
	}
	if c.act != nil && !c.relu {
		c.storeExtGo(p, tile, y, j0, gi)
		return
	}
	bias := p.zeros
	if c.bias != nil {
		bias = c.bias[gi*c.fg : (gi+1)*c.fg]
	}
	storeTile(y, tile, bias, runs, c.fg, ohw, p.nr, c.relu, maxT, maxY)
}

// storeExtGo is storeExt for any activation, run by run.
func (c *convOp) storeExtGo(p *panelPlan, tile, y []float32, j0, gi int) {
	g := c.g
	ohw := g.OH * g.OW
	end := min(j0+p.nr, p.extLen)
	for j := j0; j < end; {
		oh, ow := j/p.rowW, j%p.rowW
		run := min(p.rowW-ow, end-j)
		if valid := min(run, g.OW-ow); valid > 0 {
			t0, y0 := j-j0, oh*g.OW+ow
			for f := range c.fg {
				dst := y[f*ohw+y0 : f*ohw+y0+valid]
				copy(dst, tile[f*p.nr+t0:f*p.nr+t0+valid])
				c.finishPlane(dst, gi*c.fg+f)
			}
		}
		j += run
	}
}

// deinterleave2 splits one input row of a stride-2 convolution into its
// column phases: padded column q = pl+iw goes to even[q/2] (q even) or
// odd[q/2] (q odd); a phase no tap reads is skipped.
func deinterleave2(even, odd, src []float32, pl int, used [2]bool) {
	first := pl & 1 // iw of the first even q
	if used[0] {
		for iw := first; iw < len(src); iw += 2 {
			even[(pl+iw)>>1] = src[iw]
		}
	}
	if used[1] {
		for iw := 1 - first; iw < len(src); iw += 2 {
			odd[(pl+iw)>>1] = src[iw]
		}
	}
}
