package flux

import "github.com/modelgate/modelgate/spec"

// activation is the spec form of a Flux function singleton.
type activation struct {
	act   spec.Activation
	alpha float64
	note  string
}

// activationsByName maps the allow-listed activation singletons to spec
// activations. Layer-like singletons (softmax, flatten) are in layerFuncs.
var activationsByName = map[string]activation{
	"Base.#identity":      {act: spec.ActIdentity},
	"Base.#tanh":          {act: spec.ActTanh},
	"NNlib.#tanh_fast":    {act: spec.ActTanh, note: "tanh_fast converted to tanh (differences of a few ulp)"},
	"NNlib.#relu":         {act: spec.ActReLU},
	"Flux.#relu":          {act: spec.ActReLU},
	"NNlib.#σ":            {act: spec.ActSigmoid},
	"Flux.#σ":             {act: spec.ActSigmoid},
	"NNlib.#sigmoid":      {act: spec.ActSigmoid},
	"NNlib.#sigmoid_fast": {act: spec.ActSigmoid, note: "sigmoid_fast converted to sigmoid (differences of a few ulp)"},
	"NNlib.#hardσ":        {act: spec.ActHardSigmoid, note: "hardσ converted to clamp((x+3)÷6, 0, 1), NNlib's definition since 0.8; older NNlib used clamp(0.2x+0.5, 0, 1)"},
	"NNlib.#hardsigmoid":  {act: spec.ActHardSigmoid},
	"NNlib.#hardtanh":     {act: spec.ActHardTanh},
	"NNlib.#relu6":        {act: spec.ActReLU6},
	"NNlib.#leakyrelu":    {act: spec.ActLeakyReLU, alpha: 0.01},
	"NNlib.#elu":          {act: spec.ActELU, alpha: 1},
	"NNlib.#celu":         {act: spec.ActCELU, alpha: 1},
	"NNlib.#selu":         {act: spec.ActSELU},
	"NNlib.#gelu":         {act: spec.ActGELUTanh},
	"NNlib.#gelu_tanh":    {act: spec.ActGELUTanh},
	"NNlib.#gelu_erf":     {act: spec.ActGELUErf},
	"NNlib.#swish":        {act: spec.ActSwish},
	"NNlib.#logσ":         {act: spec.ActLogSigmoid},
	"NNlib.#logsigmoid":   {act: spec.ActLogSigmoid},
	"NNlib.#softplus":     {act: spec.ActSoftplus},
	"NNlib.#softsign":     {act: spec.ActSoftsign},
	"NNlib.#mish":         {act: spec.ActMish},
	"NNlib.#tanhshrink":   {act: spec.ActTanhShrink},
}

// layerFuncs are singletons that become a layer of their own in a Chain.
var layerFuncs = map[string]spec.Type{
	"NNlib.#softmax":    spec.TypeSoftmax,
	"Flux.#softmax":     spec.TypeSoftmax,
	"NNlib.#logsoftmax": spec.TypeLogSoftmax,
	"Flux.#logsoftmax":  spec.TypeLogSoftmax,
	"Flux.#flatten":     spec.TypeFlatten,
	"MLUtils.#flatten":  spec.TypeFlatten,
}
