package spec

import (
	"fmt"
	"slices"

	"github.com/modelgate/modelgate"
)

// Default values documented in spec.go.
const (
	DefaultEps          = 1e-5 // BatchNorm, LayerNorm, GroupNorm, InstanceNorm
	DefaultDropout      = 0.5  // Dropout.Rate
	DefaultLeakyAlpha   = 0.01 // leakyrelu alpha
	DefaultELUAlpha     = 1.0  // elu and celu alpha
	DefaultDType        = "float32"
	DefaultUpsampleMode = "nearest"
	DefaultGRUVariant   = "v1"
)

// Types returns every layer type of spec v1, in a stable order.
func Types() []Type {
	return slices.Clone(allTypes)
}

var allTypes = []Type{
	TypeDense, TypeConv, TypeConvTranspose, TypeMaxPool, TypeMeanPool,
	TypeGlobalMaxPool, TypeGlobalMeanPool, TypeAdaptiveMaxPool, TypeAdaptiveMeanPool,
	TypeBatchNorm, TypeLayerNorm, TypeGroupNorm, TypeInstanceNorm, TypeDropout,
	TypeEmbedding, TypeFlatten, TypeReshape, TypeSoftmax, TypeLogSoftmax,
	TypeActivation, TypeUpsample, TypeSkip, TypeParallel, TypeRNN, TypeLSTM, TypeGRU,
}

// Activations returns every activation of spec v1, in a stable order.
func Activations() []Activation {
	return slices.Clone(allActivations)
}

var allActivations = []Activation{
	ActIdentity, ActReLU, ActReLU6, ActLeakyReLU, ActELU, ActSELU, ActCELU,
	ActGELUTanh, ActGELUErf, ActSwish, ActSiLU, ActSigmoid, ActHardSigmoid,
	ActLogSigmoid, ActTanh, ActHardTanh, ActSoftplus, ActSoftsign, ActMish, ActTanhShrink,
}

// Valid reports whether t is a layer type of spec v1.
func (t Type) Valid() bool { return slices.Contains(allTypes, t) }

// Valid reports whether a is an activation of spec v1.
func (a Activation) Valid() bool { return slices.Contains(allActivations, a) }

// HasAlpha reports whether a takes an alpha parameter (leakyrelu, elu, celu).
func (a Activation) HasAlpha() bool {
	return a == ActLeakyReLU || a == ActELU || a == ActCELU
}

// NewLayer returns a new layer of type t with every rank-independent default
// filled in: bias true, groups 1, eps 1e-5, affine true (false for
// instancenorm), count_padding true, dropout rate 0.5, softmax axis -1,
// activation identity (tanh for rnn), upsample mode "nearest", GRU variant
// "v1". Defaults that depend on the number of spatial axes (stride, dilation,
// padding, output_padding) are filled by [Resolve]. An unknown t is an
// EINVALID error.
func NewLayer(t Type) (Layer, error) {
	id := Act{Activation: ActIdentity}
	switch t {
	case TypeDense:
		return &Dense{Bias: true, Act: id}, nil
	case TypeConv:
		return &Conv{Groups: 1, Bias: true, Act: id}, nil
	case TypeConvTranspose:
		return &ConvTranspose{Groups: 1, Bias: true, Act: id}, nil
	case TypeMaxPool:
		return &MaxPool{}, nil
	case TypeMeanPool:
		return &MeanPool{CountPadding: true}, nil
	case TypeGlobalMaxPool:
		return &GlobalMaxPool{}, nil
	case TypeGlobalMeanPool:
		return &GlobalMeanPool{}, nil
	case TypeAdaptiveMaxPool:
		return &AdaptiveMaxPool{}, nil
	case TypeAdaptiveMeanPool:
		return &AdaptiveMeanPool{}, nil
	case TypeBatchNorm:
		return &BatchNorm{Eps: DefaultEps, Affine: true, Act: id}, nil
	case TypeLayerNorm:
		return &LayerNorm{Dims: 1, Eps: DefaultEps, Affine: true, Act: id}, nil
	case TypeGroupNorm:
		return &GroupNorm{Eps: DefaultEps, Affine: true, Act: id}, nil
	case TypeInstanceNorm:
		return &InstanceNorm{Eps: DefaultEps, Act: id}, nil
	case TypeDropout:
		return &Dropout{Rate: DefaultDropout}, nil
	}
	return newLayer2(t)
}

func newLayer2(t Type) (Layer, error) {
	switch t {
	case TypeEmbedding:
		return &Embedding{}, nil
	case TypeFlatten:
		return &Flatten{}, nil
	case TypeReshape:
		return &Reshape{}, nil
	case TypeSoftmax:
		return &Softmax{Axis: -1}, nil
	case TypeLogSoftmax:
		return &LogSoftmax{Axis: -1}, nil
	case TypeActivation:
		return &ActivationLayer{Act: Act{Activation: ActIdentity}}, nil
	case TypeUpsample:
		return &Upsample{Mode: DefaultUpsampleMode}, nil
	case TypeSkip:
		return &Skip{}, nil
	case TypeParallel:
		return &Parallel{}, nil
	case TypeRNN:
		return &RNN{Act: Act{Activation: ActTanh}}, nil
	case TypeLSTM:
		return &LSTM{}, nil
	case TypeGRU:
		return &GRU{Variant: DefaultGRUVariant}, nil
	}
	return nil, &modelgate.Error{Code: modelgate.EINVALID, Rule: "unknown-layer-type",
		Message: fmt.Sprintf("unknown layer type %q; allowed: %s", string(t), typeList())}
}

func typeList() string {
	s := ""
	for i, t := range allTypes {
		if i > 0 {
			s += ", "
		}
		s += string(t)
	}
	return s
}

func activationList() string {
	s := ""
	for i, a := range allActivations {
		if i > 0 {
			s += ", "
		}
		s += string(a)
	}
	return s
}

// Resolve fills the defaults that [Parse] fills after decoding, in place:
// empty dtypes become "float32"; an empty activation becomes identity (tanh
// for rnn) and a zero alpha of leakyrelu/elu/celu becomes 0.01/1/1; empty
// upsample mode and GRU variant become "nearest" and "v1"; per-rank defaults
// (stride and dilation all 1, pool stride = kernel, padding and
// output_padding all 0) are filled; symmetric padding (N values) is
// normalised to 2N values; an empty metadata map and empty source notes
// become nil. Fields that cannot be resolved (for example padding of a wrong
// length) are left for [Validate] to report. Resolve is idempotent; a Go
// program that builds a Spec by hand should call it before [Validate].
func Resolve(s *Spec) {
	if s == nil {
		return
	}
	if s.Input.DType == "" {
		s.Input.DType = DefaultDType
	}
	if s.Weights.DType == "" {
		s.Weights.DType = DefaultDType
	}
	if len(s.Metadata) == 0 {
		s.Metadata = nil
	}
	if s.Source != nil && len(s.Source.Notes) == 0 {
		s.Source.Notes = nil
	}
	resolveLayers(s.Layers, 0)
}

// maxResolveDepth bounds recursion on hand-built specs (cycles included);
// Validate reports the depth problem.
const maxResolveDepth = 64

func resolveLayers(ls Layers, depth int) {
	if depth > maxResolveDepth {
		return
	}
	for _, l := range ls {
		resolveLayer(l, depth)
	}
}

func resolveLayer(l Layer, depth int) {
	switch l := l.(type) {
	case *Dense:
		resolveAct(&l.Act, ActIdentity)
	case *Conv:
		n := len(l.Kernel)
		l.Stride = fill(l.Stride, n, 1)
		l.Dilation = fill(l.Dilation, n, 1)
		l.Padding = padding(l.Padding, n)
		resolveAct(&l.Act, ActIdentity)
	case *ConvTranspose:
		n := len(l.Kernel)
		l.Stride = fill(l.Stride, n, 1)
		l.Dilation = fill(l.Dilation, n, 1)
		l.OutputPadding = fill(l.OutputPadding, n, 0)
		l.Padding = padding(l.Padding, n)
		resolveAct(&l.Act, ActIdentity)
	case *MaxPool:
		l.Stride, l.Padding = resolvePool(l.Kernel, l.Stride, l.Padding)
	case *MeanPool:
		l.Stride, l.Padding = resolvePool(l.Kernel, l.Stride, l.Padding)
	case *BatchNorm:
		resolveAct(&l.Act, ActIdentity)
	case *LayerNorm:
		resolveAct(&l.Act, ActIdentity)
	case *GroupNorm:
		resolveAct(&l.Act, ActIdentity)
	case *InstanceNorm:
		resolveAct(&l.Act, ActIdentity)
	case *ActivationLayer:
		resolveAct(&l.Act, ActIdentity)
	case *RNN:
		resolveAct(&l.Act, ActTanh)
	case *Upsample:
		if l.Mode == "" {
			l.Mode = DefaultUpsampleMode
		}
	case *GRU:
		if l.Variant == "" {
			l.Variant = DefaultGRUVariant
		}
	case *Skip:
		resolveLayers(l.Layers, depth+1)
	case *Parallel:
		for _, b := range l.Branches {
			resolveLayers(b, depth+1)
		}
	}
}

func resolvePool(kernel, stride, pad []int) ([]int, []int) {
	if len(stride) == 0 && len(kernel) > 0 {
		stride = slices.Clone(kernel)
	}
	return stride, padding(pad, len(kernel))
}

func resolveAct(a *Act, def Activation) {
	if a.Activation == "" {
		a.Activation = def
	}
	if a.Alpha != 0 {
		return
	}
	switch a.Activation {
	case ActLeakyReLU:
		a.Alpha = DefaultLeakyAlpha
	case ActELU, ActCELU:
		a.Alpha = DefaultELUAlpha
	}
}

// fill returns v, or n copies of def when v is empty and n is 1 or 2.
func fill(v []int, n, def int) []int {
	if len(v) != 0 || n < 1 || n > 2 {
		return v
	}
	out := make([]int, n)
	for i := range out {
		out[i] = def
	}
	return out
}

// padding returns 2n zeros for an empty v, expands n symmetric values to 2n
// ([p0, p0, p1, p1]) and leaves anything else alone.
func padding(v []int, n int) []int {
	if n < 1 || n > 2 {
		return v
	}
	if len(v) == 0 {
		return make([]int, 2*n)
	}
	if len(v) == n {
		out := make([]int, 0, 2*n)
		for _, p := range v {
			out = append(out, p, p)
		}
		return out
	}
	return v
}
