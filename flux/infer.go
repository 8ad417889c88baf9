package flux

import (
	"slices"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// maxInferredSide is the largest square side (or 1-D length) tried when the
// input shape of a convolutional model is inferred.
const maxInferredSide = 1024

// maxPinned is the most sides that may fit the model for the inference to
// count as pinned: pooling floors let a few neighbouring sizes give the same
// shape at the dense layer (28 and 29 both pool down to 3×3), but a model
// whose spatial size nothing fixes (a fully convolutional one) fits
// hundreds, and is refused rather than guessed.
const maxPinned = 16

// inferSpatial infers the input of a model whose first layer is a
// convolution, from the layer that fixes its spatial size (a dense layer
// after a flatten, whose weight must match the shape the trial expects): it tries square inputs [Cin, S, S] (or [Cin, L] for 1-D)
// with S from 1 to maxInferredSide and, when only a few fit, takes the one
// [pickSide] chooses. Cin and the spatial rank come from the first convolution's
// weight. It returns nil when the input cannot be pinned down.
func inferSpatial(layers spec.Layers, ps []*param) []int {
	if len(layers) == 0 || len(ps) == 0 {
		return nil
	}
	first := ps[0]
	var cin, rank int
	switch l := layers[0].(type) {
	case *spec.Conv:
		if len(first.shape) != len(l.Kernel)+2 {
			return nil
		}
		cin, rank = int(first.shape[1])*max(l.Groups, 1), len(l.Kernel)
	case *spec.ConvTranspose:
		if len(first.shape) != len(l.Kernel)+2 {
			return nil
		}
		cin, rank = int(first.shape[0]), len(l.Kernel)
	default:
		return nil
	}
	if !squareLayers(layers) {
		return nil // a non-square kernel or stride says the input is not square either
	}
	lim := modelgate.DefaultLimits()
	var fits []int
	for side := 1; side <= maxInferredSide && len(fits) <= maxPinned; side++ {
		in := []int{cin, side}
		if rank == 2 {
			in = append(in, side)
		}
		s := &spec.Spec{Format: spec.FormatV1, Name: "infer", Input: spec.Input{Shape: in, DType: "float32"},
			Layers: layers, Weights: placeholder}
		spec.Resolve(s)
		if a, err := spec.Analyze(s, lim); err == nil && paramsMatch(a.Params, ps) {
			fits = append(fits, side)
		}
	}
	side, ok := pickSide(fits)
	if !ok {
		return nil
	}
	in := []int{cin, side}
	if rank == 2 {
		in = append(in, side)
	}
	return in
}

// commonSides are the input sides of well-known data sets and model
// families, in order of preference: MNIST/FashionMNIST, CIFAR, ImageNet.
var commonSides = [...]int{28, 32, 224, 64, 96, 128, 256, 299, 227, 48, 84, 16, 100, 112, 160, 192, 384, 512}

// pickSide chooses among the sides that fit: the only one, or else the
// first well-known side among them (pooling floors make a run of
// neighbouring sides fit: 24 to 31 all pool to 3×3 in three steps). A run
// with no well-known side, or too long a run, is not guessed.
func pickSide(fits []int) (int, bool) {
	switch {
	case len(fits) == 0 || len(fits) > maxPinned:
		return 0, false
	case len(fits) == 1:
		return fits[0], true
	}
	for _, c := range commonSides {
		if slices.Contains(fits, c) {
			return c, true
		}
	}
	return 0, false
}

// paramsMatch reports whether the parameters a spec expects have exactly
// the shapes of the tensors read from the file (the spec fixes no input
// width of a dense layer; its weight does).
func paramsMatch(want []spec.ParamSpec, ps []*param) bool {
	if len(want) != len(ps) {
		return false
	}
	for i, w := range want {
		if len(w.Shape) != len(ps[i].shape) {
			return false
		}
		for j, d := range w.Shape {
			if int64(d) != ps[i].shape[j] {
				return false
			}
		}
	}
	return true
}

// squareLayers reports whether every convolution and pooling layer, nested
// ones included, treats its spatial axes alike (equal kernel sides, strides,
// dilations and paddings), so that a square input is a fair guess.
func squareLayers(layers spec.Layers) bool {
	stack := []spec.Layers{layers}
	for len(stack) > 0 {
		ls := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, l := range ls {
			var lists [][]int
			switch l := l.(type) {
			case *spec.Conv:
				lists = [][]int{l.Kernel, l.Stride, l.Dilation, l.Padding}
			case *spec.ConvTranspose:
				lists = [][]int{l.Kernel, l.Stride, l.Dilation, l.Padding, l.OutputPadding}
			case *spec.MaxPool:
				lists = [][]int{l.Kernel, l.Stride, l.Padding}
			case *spec.MeanPool:
				lists = [][]int{l.Kernel, l.Stride, l.Padding}
			case *spec.Skip:
				stack = append(stack, l.Layers)
			case *spec.Parallel:
				stack = append(stack, l.Branches...)
			}
			for _, v := range lists {
				if !allEqual(v) {
					return false
				}
			}
		}
	}
	return true
}

func allEqual(v []int) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}
