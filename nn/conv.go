package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// windowArgs are a layer's sliding-window hyper-parameters as written in the
// spec (N = len(kernel) spatial axes).
type windowArgs struct {
	kernel, stride, dilation, padding []int
	defStride                         []int // stride when none is given
}

// expand returns v for n axes: v itself when it has n values, def when it
// is empty; ok is false otherwise or when a value is below lo or above
// modelgate.MaxDim.
func expand(v []int, n int, def []int, lo int) ([]int, bool) {
	if len(v) == 0 {
		v = def
	}
	if len(v) != n {
		return nil, false
	}
	for _, x := range v {
		if x < lo || x > 1<<31 {
			return nil, false
		}
	}
	return v, true
}

// window turns the window arguments applied to the per-sample shape in
// ([C, L] or [C, H, W]) into a 2-D geometry (a 1-D signal is 1×L), without
// the output size.
func window(li spec.LayerInfo, in spec.Shape, a windowArgs) (kernels.Geom2D, error) {
	n := len(a.kernel)
	var g kernels.Geom2D
	if (n != 1 && n != 2) || len(in) != n+1 {
		return g, errLayer(li, "bad-rank", "%d-D window needs input rank %d, got %v", n, n+1, in)
	}
	ones := []int{1, 1}[:n]
	k, ok1 := expand(a.kernel, n, nil, 1)
	s, ok2 := expand(a.stride, n, a.defStride, 1)
	d, ok3 := expand(a.dilation, n, ones, 1)
	pad := a.padding
	if len(pad) == n {
		pad = append(append([]int{}, pad...), pad...)
		if n == 2 {
			pad = []int{pad[0], pad[0], pad[1], pad[1]}
		}
	}
	p, ok4 := expand(pad, 2*n, make([]int, 2*n), 0)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return g, errLayer(li, "bad-window", "kernel %v, stride %v, dilation %v, padding %v out of range",
			a.kernel, a.stride, a.dilation, a.padding)
	}
	g = kernels.Geom2D{C: in[0], H: 1, W: in[n], KH: 1, KW: k[n-1], SH: 1, SW: s[n-1], DH: 1, DW: d[n-1],
		PL: p[2*n-2], PR: p[2*n-1]}
	if n == 2 {
		g.H, g.KH, g.SH, g.DH, g.PT, g.PB = in[1], k[0], s[0], d[0], p[0], p[1]
	}
	return g, nil
}

// geometry is window plus the output size of a forward sliding window.
func geometry(li spec.LayerInfo, in spec.Shape, a windowArgs) (kernels.Geom2D, error) {
	g, err := window(li, in, a)
	if err != nil {
		return g, err
	}
	g.OH = kernels.OutSize(g.H, g.KH, g.SH, g.DH, g.PT, g.PB)
	g.OW = kernels.OutSize(g.W, g.KW, g.SW, g.DW, g.PL, g.PR)
	if !g.Valid() {
		return g, errLayer(li, "bad-window", "window does not fit the input %v", in)
	}
	return g, nil
}

// outShape is the per-sample output shape [c, OH, OW] (or [c, OW] for 1-D).
func outShape(c int, g kernels.Geom2D, n int) spec.Shape {
	if n == 1 {
		return spec.Shape{c, g.OW}
	}
	return spec.Shape{c, g.OH, g.OW}
}

// convOp is a grouped, strided, dilated, padded 1-D/2-D convolution: packed
// im2col panels + GEMM with the bias and activation fused (conv_panel.go),
// or a direct kernel for depthwise convolutions.
type convOp struct {
	g         kernels.Geom2D // per group: g.C = Cin/groups
	groups    int
	fg        int       // filters per group
	w         []float32 // [F, Cg*KH*KW]
	bias      []float32
	act       func([]float32)
	relu      bool // act is ReLU: fused with the bias
	threads   int
	depthwise bool // one input channel per group (groups > 1): direct kernel, no GEMM
	inLen     int
	outLen    int
	panel     *panelPlan // panel path (see conv_panel.go), for every non-depthwise conv
}

var _ op = (*convOp)(nil)

func newConv(l *spec.Conv, li spec.LayerInfo, p params, threads int) (op, error) {
	g, err := geometry(li, li.In, windowArgs{kernel: l.Kernel, stride: l.Stride, dilation: l.Dilation,
		padding: l.Padding, defStride: []int{1, 1}[:min(len(l.Kernel), 2)]})
	if err != nil {
		return nil, err
	}
	if l.Groups < 1 || g.C%l.Groups != 0 || l.Filters < 1 || l.Filters%l.Groups != 0 {
		return nil, errLayer(li, "bad-groups", "groups %d must divide input channels %d and filters %d", l.Groups, g.C, l.Filters)
	}
	if err := checkOut(li, outShape(l.Filters, g, len(l.Kernel))); err != nil {
		return nil, err
	}
	c := &convOp{groups: l.Groups, fg: l.Filters / l.Groups, threads: threads,
		inLen: int(li.In.Elements()), outLen: int(li.Out.Elements())}
	g.C /= l.Groups
	c.g = g
	c.depthwise = g.C == 1 && l.Groups > 1 && g.KH*g.KW > 1
	wshape := append([]int{l.Filters, g.C}, g.KH, g.KW)
	if len(l.Kernel) == 1 {
		wshape = []int{l.Filters, g.C, g.KW}
	}
	if c.w, err = getParam(li, p, "weight", wshape...); err != nil {
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
	c.relu = l.Act.Activation == spec.ActReLU
	if !c.depthwise {
		c.planPanels()
	}
	return c, nil
}

func (c *convOp) forward(ctx context.Context, n int, in, out []float32) error {
	if c.depthwise {
		return c.forwardDepthwise(ctx, n, in, out)
	}
	return c.forwardPanels(ctx, n, in, out)
}

// colBudget bounds the column scratch of one band of output rows (floats)
// of a transposed convolution.
const colBudget = 1 << 21

// finishPlane adds the bias of channel ch to its output plane y and
// applies the activation.
func (c *convOp) finishPlane(y []float32, ch int) {
	switch {
	case c.bias != nil && c.relu:
		biasReLU(y, y, c.bias[ch])
	case c.bias != nil:
		biasAdd(y, y, c.bias[ch])
		if c.act != nil {
			c.act(y)
		}
	case c.act != nil:
		c.act(y)
	}
}

// forwardDepthwise runs a convolution with one input channel per group with
// the direct kernel, one (sample, filter) plane at a time.
func (c *convOp) forwardDepthwise(ctx context.Context, n int, in, out []float32) error {
	k := c.g.KH * c.g.KW
	return runUnits(ctx, c.threads, n*c.groups*c.fg, c.g.OH*c.g.OW*k, c, in, out, depthwiseUnits)
}

// depthwiseUnits computes (sample, filter) planes [lo, hi).
func depthwiseUnits(c *convOp, in, out []float32, lo, hi int) {
	k := c.g.KH * c.g.KW
	ohw := c.g.OH * c.g.OW
	hw := c.g.H * c.g.W
	filters := c.groups * c.fg
	for u := lo; u < hi; u++ {
		s, f := u/filters, u%filters
		x := in[s*c.inLen+(f/c.fg)*hw:]
		y := out[u*ohw : (u+1)*ohw]
		clear(y)
		kernels.DepthwiseConv2D(c.g, x[:hw], c.w[f*k:(f+1)*k], y)
		c.finishPlane(y, f)
	}
}
