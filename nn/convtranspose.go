package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/gemm"
	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// convTOp is a 2-D transposed convolution (ONNX ConvTranspose): per sample
// and group, a GEMM Wᵀ·X produces the column matrix, which col2im scatters
// into the output.
type convTOp struct {
	g       kernels.Geom2D // the adjoint convolution: image = output (Fg×H'×W'), positions = input H×W
	groups  int
	cg      int       // input channels per group
	w       []float32 // [Cin, Fg*KH*KW]
	bias    []float32
	act     func([]float32)
	threads int
	inLen   int
	outLen  int
	cols    bufPool
}

var _ op = (*convTOp)(nil)

func newConvTranspose(l *spec.ConvTranspose, li spec.LayerInfo, p params, threads int) (op, error) {
	g, err := window(li, li.In, windowArgs{kernel: l.Kernel, stride: l.Stride, dilation: l.Dilation,
		padding: l.Padding, defStride: []int{1, 1}})
	if err != nil || len(l.Kernel) != 2 {
		return nil, errLayer(li, "bad-window", "conv_transpose needs a 2-D window over [C, H, W], got kernel %v on %v", l.Kernel, li.In)
	}
	opad, ok := expand(l.OutputPadding, 2, []int{0, 0}, 0)
	if !ok || opad[0] >= max(g.SH, g.DH) || opad[1] >= max(g.SW, g.DW) {
		return nil, errLayer(li, "bad-output-padding", "output_padding %v out of range", l.OutputPadding)
	}
	cin := g.C
	if l.Groups < 1 || cin%l.Groups != 0 || l.Filters < 1 || l.Filters%l.Groups != 0 {
		return nil, errLayer(li, "bad-groups", "groups %d must divide input channels %d and filters %d", l.Groups, cin, l.Filters)
	}
	fg := l.Filters / l.Groups
	oh := (g.H-1)*g.SH - g.PT - g.PB + g.DH*(g.KH-1) + opad[0] + 1
	ow := (g.W-1)*g.SW - g.PL - g.PR + g.DW*(g.KW-1) + opad[1] + 1
	if err := checkOut(li, spec.Shape{l.Filters, oh, ow}); err != nil {
		return nil, err
	}
	// The adjoint geometry: its image is one group of the output.
	g.C, g.OH, g.OW, g.H, g.W = fg, g.H, g.W, oh, ow
	if !g.Valid() {
		return nil, errLayer(li, "bad-window", "output %v out of range", li.Out)
	}
	c := &convTOp{g: g, groups: l.Groups, cg: cin / l.Groups, threads: threads,
		inLen: int(li.In.Elements()), outLen: int(li.Out.Elements())}
	if c.w, err = getParam(li, p, "weight", cin, fg, g.KH, g.KW); err != nil {
		return nil, err
	}
	if l.Bias {
		if c.bias, err = getParam(li, p, "bias", l.Filters); err != nil {
			return nil, err
		}
	}
	if c.act, err = compileActAt(li, l.Act); err != nil {
		return nil, err
	}
	return c, nil
}

// forward computes each sample in bands of input rows, so the column
// matrix stays within colBudget: for each band a GEMM gives the taps of
// those input cells, which col2im adds into the output (bands in order, so
// every output element sums its terms in a fixed order).
func (c *convTOp) forward(ctx context.Context, n int, in, out []float32) error {
	m := c.g.ColRows() // Fg*KH*KW
	hw := c.g.OH * c.g.OW
	gout := c.g.ImageLen()
	band := max(1, min(c.g.OH, colBudget/(m*c.g.OW)))
	buf := c.cols.get(m * band * c.g.OW)
	defer c.cols.put(buf)
	col := *buf
	for s := 0; s < n; s++ {
		x := in[s*c.inLen : (s+1)*c.inLen]
		y := out[s*c.outLen : (s+1)*c.outLen]
		clear(y)
		for gi := 0; gi < c.groups; gi++ {
			xg := x[gi*c.cg*hw : (gi+1)*c.cg*hw]
			wg := c.w[gi*c.cg*m : (gi+1)*c.cg*m]
			yg := y[gi*gout : (gi+1)*gout]
			for ih0 := 0; ih0 < c.g.OH; ih0 += band {
				if err := ctx.Err(); err != nil {
					return err
				}
				ih1 := min(ih0+band, c.g.OH)
				nw := (ih1 - ih0) * c.g.OW
				gemm.SgemmThreads(c.threads, true, false, m, nw, c.cg, 1, wg, m, xg[ih0*c.g.OW:], hw, 0, col, nw)
				_ = parallelFor(ctx, c.threads, c.g.C, m*nw, func(_ context.Context, lo, hi int) error {
					kernels.Col2imBlock(c.g, col, yg, nw, lo, hi, ih0, ih1)
					return nil
				})
			}
		}
		if c.bias != nil {
			addChannelBias(y, c.g.H*c.g.W, c.bias)
		}
		if c.act != nil {
			c.act(y)
		}
	}
	return nil
}
