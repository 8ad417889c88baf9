package flux

import (
	"slices"

	"github.com/modelgate/modelgate/spec"
)

// swapHW rewrites a converted image model so that it takes upright
// [C, H, W] images although it was trained with the image rows in Julia
// dimension 1 (Images.jl matrices img[y, x] stacked as x[:, :, c, n]):
// every 2-D kernel, stride, dilation, padding, pool and upsampling factor
// swaps its axes, and the columns of the first dense layer after the
// flatten are permuted from the old flatten order (c, w, h) to (c, h, w).
// s.Input.Shape is the upright shape; ps are the tensors in analysis
// order. Layers that mix the axes in other ways are refused.
func (c *converter) swapHW(s *spec.Spec, ps []*param) error {
	in := s.Input.Shape
	if len(in) != 3 {
		return layoutErr(nil, "--swap-hw needs an image input shape C,H,W, not %v", in)
	}
	orig := *s
	orig.Input.Shape = []int{in[0], in[2], in[1]} // what the trained model sees
	orig.Weights = placeholder
	spec.Resolve(&orig)
	a, err := spec.Analyze(&orig, c.lim)
	if err != nil {
		return err
	}
	index := map[string]int{}
	for i, p := range a.Params {
		index[p.Name] = i
	}
	var pending []int // flatten input shape (old layout) waiting for its dense layer
	for _, info := range a.Layers {
		switch l := info.Layer.(type) {
		case *spec.Conv:
			if len(l.Kernel) != 2 {
				return layoutErr(nil, "--swap-hw: 1-D convolution at %s", info.Pointer)
			}
			swapPlanes(ps[index[info.Prefix+"weight"]], l.Kernel)
			l.Kernel, l.Stride, l.Dilation, l.Padding = reversed(l.Kernel), reversed(l.Stride), reversed(l.Dilation), swapPad(l.Padding)
		case *spec.ConvTranspose:
			swapPlanes(ps[index[info.Prefix+"weight"]], l.Kernel)
			l.Kernel, l.Stride, l.Dilation, l.Padding = reversed(l.Kernel), reversed(l.Stride), reversed(l.Dilation), swapPad(l.Padding)
			l.OutputPadding = reversed(l.OutputPadding)
		case *spec.MaxPool:
			l.Kernel, l.Stride, l.Padding = reversed(l.Kernel), reversed(l.Stride), swapPad(l.Padding)
		case *spec.MeanPool:
			l.Kernel, l.Stride, l.Padding = reversed(l.Kernel), reversed(l.Stride), swapPad(l.Padding)
		case *spec.AdaptiveMaxPool:
			l.Output = reversed(l.Output)
		case *spec.AdaptiveMeanPool:
			l.Output = reversed(l.Output)
		case *spec.Upsample:
			l.Scale = reversed(l.Scale)
		case *spec.GlobalMaxPool, *spec.GlobalMeanPool, *spec.BatchNorm, *spec.GroupNorm, *spec.InstanceNorm,
			*spec.ActivationLayer, *spec.Dropout:
		case *spec.Skip:
			if l.Combine == spec.CombineConcat && l.Axis != 0 {
				return layoutErr(nil, "--swap-hw: concatenation along a spatial axis at %s", info.Pointer)
			}
		case *spec.Parallel:
			if l.Combine == spec.CombineConcat && l.Axis != 0 {
				return layoutErr(nil, "--swap-hw: concatenation along a spatial axis at %s", info.Pointer)
			}
		case *spec.Flatten:
			if len(info.In) != 3 || info.Depth != 0 {
				return layoutErr(nil, "--swap-hw: flatten of %v at %s", info.In, info.Pointer)
			}
			pending = slices.Clone([]int(info.In))
		case *spec.Dense:
			if pending == nil || info.Depth != 0 {
				return layoutErr(nil, "--swap-hw: dense layer on an image at %s", info.Pointer)
			}
			permuteColumns(ps[index[info.Prefix+"weight"]], pending)
			c.note("swap-hw: kernels, strides, paddings and pools transposed, and the first dense layer's inputs permuted, so the model takes upright images")
			return nil
		default:
			return layoutErr(nil, "--swap-hw: %s layer on an image at %s", info.Layer.LayerType(), info.Pointer)
		}
	}
	c.note("swap-hw: kernels, strides, paddings and pools transposed so the model takes upright images")
	return nil
}

// swapPlanes transposes the trailing [kH, kW] planes of a weight in place.
func swapPlanes(p *param, k []int) {
	kh, kw := k[0], k[1]
	plane := kh * kw
	tmp := make([]float32, plane)
	for base := 0; base+plane <= len(p.data); base += plane {
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				tmp[j*kh+i] = p.data[base+i*kw+j]
			}
		}
		copy(p.data[base:base+plane], tmp)
	}
	n := len(p.shape)
	p.shape[n-2], p.shape[n-1] = p.shape[n-1], p.shape[n-2]
}

// swapPad turns [top, bottom, left, right] into [left, right, top, bottom].
func swapPad(p []int) []int {
	if len(p) != 4 {
		return p
	}
	return []int{p[2], p[3], p[0], p[1]}
}

// permuteColumns reorders a dense weight [out, C*a*b] whose inputs were
// flattened from the old layout [C, a, b] to the new layout [C, b, a].
func permuteColumns(p *param, old []int) {
	ch, a, b := old[0], old[1], old[2]
	in := ch * a * b
	out := len(p.data) / in
	dst := make([]float32, len(p.data))
	for o := 0; o < out; o++ {
		row, drow := p.data[o*in:(o+1)*in], dst[o*in:(o+1)*in]
		for c := 0; c < ch; c++ {
			for i := 0; i < a; i++ {
				for j := 0; j < b; j++ {
					drow[c*a*b+j*a+i] = row[c*a*b+i*b+j]
				}
			}
		}
	}
	p.data = dst
}
