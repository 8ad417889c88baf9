package spec

import (
	"fmt"
	"math"

	"github.com/modelgate/modelgate"
)

// layerList validates a list of layers located at where, nested depth
// levels deep. Recursion is bounded by lim.Depth and by lim.Layers.
func (c *checker) layerList(ls Layers, where string, depth int) {
	if depth > c.lim.Depth {
		c.add(modelgate.ELIMIT, where, "too-deep", "layers nested more than %d deep", c.lim.Depth)
		return
	}
	for i, l := range ls {
		c.layers++
		if c.layers > c.lim.Layers {
			return // reported once by Validate
		}
		c.layer(l, fmt.Sprintf("%s/%d", where, i), depth)
	}
}

func (c *checker) layer(l Layer, w string, depth int) {
	if l == nil || isNilLayer(l) {
		c.invalid(w, "nil-layer", "nil layer")
		return
	}
	switch l := l.(type) {
	case *Dense:
		c.dim(w+"/units", l.Units)
		c.act(w, l.Act)
	case *Conv:
		c.conv(w, l)
	case *ConvTranspose:
		c.convTranspose(w, l)
	case *MaxPool:
		c.pool(w, l.Kernel, l.Stride, l.Padding)
	case *MeanPool:
		c.pool(w, l.Kernel, l.Stride, l.Padding)
	case *GlobalMaxPool, *GlobalMeanPool, *Flatten, *LSTM:
		if l, ok := l.(*LSTM); ok {
			c.dim(w+"/hidden", l.Hidden)
		}
	case *AdaptiveMaxPool:
		c.adaptive(w, l.Output)
	case *AdaptiveMeanPool:
		c.adaptive(w, l.Output)
	case *BatchNorm:
		c.eps(w, l.Eps)
		c.act(w, l.Act)
	case *LayerNorm:
		c.intRange(w+"/dims", l.Dims, 1, modelgate.MaxRank)
		c.eps(w, l.Eps)
		c.act(w, l.Act)
	case *GroupNorm:
		c.dim(w+"/groups", l.Groups)
		c.eps(w, l.Eps)
		c.act(w, l.Act)
	case *InstanceNorm:
		c.eps(w, l.Eps)
		c.act(w, l.Act)
	default:
		c.layer2(l, w, depth)
	}
}

func (c *checker) layer2(l Layer, w string, depth int) {
	switch l := l.(type) {
	case *Dropout:
		if !(l.Rate >= 0 && l.Rate < 1) {
			c.invalid(w+"/rate", "out-of-range", "rate must be in [0, 1), got %v", l.Rate)
		}
	case *Embedding:
		c.dim(w+"/vocab", l.Vocab)
		c.dim(w+"/dim", l.Dim)
	case *Reshape:
		c.reshape(w, l.Shape)
	case *Softmax:
		c.intRange(w+"/axis", l.Axis, -modelgate.MaxRank, modelgate.MaxRank-1)
	case *LogSoftmax:
		c.intRange(w+"/axis", l.Axis, -modelgate.MaxRank, modelgate.MaxRank-1)
	case *ActivationLayer:
		c.act(w, l.Act)
	case *Upsample:
		c.upsample(w, l)
	case *Skip:
		c.combine(w, l.Combine, l.Axis)
		c.layerList(l.Layers, w+"/layers", depth+1)
	case *Parallel:
		c.combine(w, l.Combine, l.Axis)
		if len(l.Branches) == 0 {
			c.invalid(w+"/branches", "no-branches", "parallel needs at least one branch")
		}
		for b, br := range l.Branches {
			c.layerList(br, fmt.Sprintf("%s/branches/%d", w, b), depth+1)
		}
	case *RNN:
		c.dim(w+"/hidden", l.Hidden)
		c.act(w, l.Act)
	case *GRU:
		c.dim(w+"/hidden", l.Hidden)
		if l.Variant != "v1" && l.Variant != "v3" {
			c.invalid(w+"/variant", "bad-variant", "variant must be \"v1\" or \"v3\", got %q", clip(l.Variant))
		}
	default:
		c.invalid(w+"/type", "unknown-layer-type", "unknown layer type %q (%T); allowed: %s", clip(string(l.LayerType())), l, typeList())
	}
}

func (c *checker) dim(w string, v int) {
	if v < 1 || v > modelgate.MaxDim {
		c.invalid(w, "out-of-range", "must be 1..%d, got %d", modelgate.MaxDim, v)
	}
}

func (c *checker) intRange(w string, v, lo, hi int) {
	if v < lo || v > hi {
		c.invalid(w, "out-of-range", "must be %d..%d, got %d", lo, hi, v)
	}
}

func (c *checker) eps(w string, eps float64) {
	if !(eps > 0 && eps <= 1) {
		c.invalid(w+"/eps", "out-of-range", "eps must be finite, > 0 and <= 1, got %v", eps)
	}
}

func (c *checker) act(w string, a Act) {
	if !a.Activation.Valid() {
		c.invalid(w+"/activation", "unknown-activation", "unknown activation %q; allowed: %s", clip(string(a.Activation)), activationList())
		return
	}
	finite := !math.IsNaN(a.Alpha) && !math.IsInf(a.Alpha, 0)
	switch a.Activation {
	case ActLeakyReLU:
		if !finite || a.Alpha < 0 {
			c.invalid(w+"/alpha", "out-of-range", "leakyrelu alpha must be finite and >= 0, got %v", a.Alpha)
		}
	case ActELU, ActCELU:
		if !finite || a.Alpha <= 0 {
			c.invalid(w+"/alpha", "out-of-range", "%s alpha must be finite and > 0, got %v", a.Activation, a.Alpha)
		}
	default:
		if a.Alpha != 0 {
			c.invalid(w+"/alpha", "unexpected-alpha", "activation %q takes no alpha", a.Activation)
		}
	}
}

// spatial checks a per-axis list: exactly n values (n = 1 or 2 when n <= 0
// means "this list defines N") each in lo..hi. It returns false when the
// length is wrong.
func (c *checker) spatial(w string, v []int, n, lo, hi int) bool {
	if n <= 0 {
		if len(v) < 1 || len(v) > 2 {
			c.invalid(w, "bad-length", "want 1 or 2 values, got %d", len(v))
			return false
		}
	} else if len(v) != n {
		c.invalid(w, "bad-length", "want %d values, got %d", n, len(v))
		return false
	}
	for i, x := range v {
		if x < lo || x > hi {
			c.invalid(fmt.Sprintf("%s/%d", w, i), "out-of-range", "must be %d..%d, got %d", lo, hi, x)
		}
	}
	return true
}

// pads checks 2N padding values, each >= 0 and < extent[axis].
func (c *checker) pads(w string, pad []int, extent []int, what string) {
	n := len(extent)
	if len(pad) != 2*n {
		c.invalid(w+"/padding", "bad-length", "want %d values (or %d symmetric), got %d", 2*n, n, len(pad))
		return
	}
	for i, p := range pad {
		e := extent[i/2]
		if p < 0 || p >= e {
			c.invalid(fmt.Sprintf("%s/padding/%d", w, i), "out-of-range", "padding must be >= 0 and < %s %d, got %d", what, e, p)
		}
	}
}

func (c *checker) conv(w string, l *Conv) {
	c.dim(w+"/filters", l.Filters)
	c.dim(w+"/groups", l.Groups)
	if l.Groups >= 1 && l.Filters%l.Groups != 0 {
		c.invalid(w+"/groups", "bad-groups", "groups %d does not divide filters %d", l.Groups, l.Filters)
	}
	if c.spatial(w+"/kernel", l.Kernel, 0, 1, MaxKernel) {
		n := len(l.Kernel)
		okS := c.spatial(w+"/stride", l.Stride, n, 1, MaxStride)
		okD := c.spatial(w+"/dilation", l.Dilation, n, 1, MaxStride)
		if okS && okD {
			c.pads(w, l.Padding, dilatedExtent(l.Kernel, l.Dilation), "the dilated kernel extent")
		}
	}
	c.act(w, l.Act)
}

func (c *checker) convTranspose(w string, l *ConvTranspose) {
	c.dim(w+"/filters", l.Filters)
	c.dim(w+"/groups", l.Groups)
	if l.Groups >= 1 && l.Filters%l.Groups != 0 {
		c.invalid(w+"/groups", "bad-groups", "groups %d does not divide filters %d", l.Groups, l.Filters)
	}
	if c.spatial(w+"/kernel", l.Kernel, 2, 1, MaxKernel) {
		okS := c.spatial(w+"/stride", l.Stride, 2, 1, MaxStride)
		okD := c.spatial(w+"/dilation", l.Dilation, 2, 1, MaxStride)
		if okS && okD {
			c.pads(w, l.Padding, dilatedExtent(l.Kernel, l.Dilation), "the dilated kernel extent")
			if c.spatial(w+"/output_padding", l.OutputPadding, 2, 0, MaxStride) {
				for i, op := range l.OutputPadding {
					if op >= max(l.Stride[i], l.Dilation[i]) {
						c.invalid(fmt.Sprintf("%s/output_padding/%d", w, i), "out-of-range",
							"output_padding must be < max(stride, dilation) = %d, got %d", max(l.Stride[i], l.Dilation[i]), op)
					}
				}
			}
		}
	}
	c.act(w, l.Act)
}

// dilatedExtent returns dilation*(k-1)+1 per axis; inputs are already
// bounded by MaxKernel and MaxStride, so the product fits easily.
func dilatedExtent(k, d []int) []int {
	out := make([]int, len(k))
	for i := range k {
		out[i] = d[i]*(k[i]-1) + 1
	}
	return out
}

func (c *checker) pool(w string, kernel, stride, pad []int) {
	if !c.spatial(w+"/kernel", kernel, 0, 1, MaxKernel) {
		return
	}
	if c.spatial(w+"/stride", stride, len(kernel), 1, MaxStride) {
		c.pads(w, pad, kernel, "the kernel size")
	}
}

func (c *checker) adaptive(w string, out []int) {
	c.spatial(w+"/output", out, 0, 1, modelgate.MaxDim)
}

func (c *checker) reshape(w string, shape []int) {
	if len(shape) < 1 || len(shape) > modelgate.MaxRank {
		c.invalid(w+"/shape", "bad-rank", "reshape rank must be 1..%d, got %d", modelgate.MaxRank, len(shape))
		return
	}
	infer := 0
	for i, d := range shape {
		if d == -1 {
			infer++
			if infer > 1 {
				c.invalid(fmt.Sprintf("%s/shape/%d", w, i), "bad-reshape", "at most one -1")
			}
			continue
		}
		if d < 1 || d > modelgate.MaxDim {
			c.invalid(fmt.Sprintf("%s/shape/%d", w, i), "out-of-range", "must be 1..%d or -1, got %d", modelgate.MaxDim, d)
		}
	}
}

func (c *checker) upsample(w string, l *Upsample) {
	c.spatial(w+"/scale", l.Scale, 0, 1, MaxUpsample)
	switch l.Mode {
	case "nearest":
		if l.AlignCorners {
			c.invalid(w+"/align_corners", "bad-align-corners", "align_corners applies to mode \"bilinear\" only")
		}
	case "bilinear":
	default:
		c.invalid(w+"/mode", "bad-mode", "mode must be \"nearest\" or \"bilinear\", got %q", clip(l.Mode))
	}
}

func (c *checker) combine(w string, comb Combine, axis int) {
	switch comb {
	case CombineConcat:
		c.intRange(w+"/axis", axis, -modelgate.MaxRank, modelgate.MaxRank-1)
	case CombineAdd, CombineMultiply:
		if axis != 0 {
			c.invalid(w+"/axis", "unexpected-axis", "axis applies to combine \"concat\" only")
		}
	default:
		c.invalid(w+"/combine", "bad-combine", "combine must be \"add\", \"concat\" or \"multiply\", got %q", clip(string(comb)))
	}
}
