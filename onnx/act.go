package onnx

import (
	"math"

	"github.com/modelgate/modelgate/spec"
)

// The SELU constants, as float32 (NNlib's and ONNX's).
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluGamma = 1.0507009873554804934193349852946
)

// act emits the activation a on x and returns the result.
func (b *builder) act(a spec.Act, where string, x string) (string, error) {
	alpha := float32(a.Alpha)
	switch a.Activation {
	case spec.ActIdentity, "":
		return x, nil
	case spec.ActReLU:
		return b.add("Relu", []string{x}), nil
	case spec.ActReLU6:
		return b.add("Clip", []string{x, b.scalar(0), b.scalar(6)}), nil
	case spec.ActHardTanh:
		return b.add("Clip", []string{x, b.scalar(-1), b.scalar(1)}), nil
	case spec.ActLeakyReLU:
		return b.add("LeakyRelu", []string{x}, attrFloat("alpha", alpha)), nil
	case spec.ActELU:
		return b.add("Elu", []string{x}, attrFloat("alpha", alpha)), nil
	case spec.ActCELU:
		return b.add("Celu", []string{x}, attrFloat("alpha", alpha)), nil
	case spec.ActSELU:
		return b.add("Selu", []string{x}, attrFloat("alpha", seluAlpha), attrFloat("gamma", seluGamma)), nil
	case spec.ActSigmoid:
		return b.add("Sigmoid", []string{x}), nil
	case spec.ActHardSigmoid:
		return b.add("HardSigmoid", []string{x}, attrFloat("alpha", 1.0/6), attrFloat("beta", 0.5)), nil
	case spec.ActTanh:
		return b.add("Tanh", []string{x}), nil
	case spec.ActSoftplus:
		return b.add("Softplus", []string{x}), nil
	case spec.ActSoftsign:
		return b.add("Softsign", []string{x}), nil
	case spec.ActSwish, spec.ActSiLU:
		return b.add("Mul", []string{x, b.add("Sigmoid", []string{x})}), nil
	case spec.ActLogSigmoid:
		// log σ(x) = -softplus(-x)
		return b.add("Neg", []string{b.add("Softplus", []string{b.add("Neg", []string{x})})}), nil
	case spec.ActMish:
		return b.add("Mul", []string{x, b.add("Tanh", []string{b.add("Softplus", []string{x})})}), nil
	case spec.ActTanhShrink:
		return b.add("Sub", []string{x, b.add("Tanh", []string{x})}), nil
	case spec.ActGELUErf:
		// 0.5·x·(1 + erf(x/√2))
		e := b.add("Erf", []string{b.add("Mul", []string{x, b.scalar(float32(1 / math.Sqrt2))})})
		return b.geluTail(x, e), nil
	case spec.ActGELUTanh:
		// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
		x3 := b.add("Mul", []string{b.add("Mul", []string{x, x}), x})
		in := b.add("Add", []string{x, b.add("Mul", []string{x3, b.scalar(0.044715)})})
		t := b.add("Tanh", []string{b.add("Mul", []string{in, b.scalar(float32(math.Sqrt(2 / math.Pi)))})})
		return b.geluTail(x, t), nil
	}
	return "", unsupported(where+"/activation", "activation %q has no ONNX mapping", a.Activation)
}

// geluTail returns 0.5·x·(1 + t).
func (b *builder) geluTail(x, t string) string {
	h := b.add("Mul", []string{x, b.scalar(0.5)})
	return b.add("Mul", []string{h, b.add("Add", []string{t, b.scalar(1)})})
}

// rnnAct maps an RNN layer's activation to an ONNX RNN activation name and
// its alpha/beta attributes; ok is false when ONNX's RNN cannot express it.
func rnnAct(a spec.Act) (name string, alpha, beta []float32, ok bool) {
	switch a.Activation {
	case spec.ActTanh:
		return "Tanh", nil, nil, true
	case spec.ActReLU:
		return "Relu", nil, nil, true
	case spec.ActSigmoid:
		return "Sigmoid", nil, nil, true
	case spec.ActIdentity, "":
		return "Affine", []float32{1}, []float32{0}, true
	case spec.ActLeakyReLU:
		return "LeakyRelu", []float32{float32(a.Alpha)}, nil, true
	case spec.ActELU:
		return "Elu", []float32{float32(a.Alpha)}, nil, true
	case spec.ActHardSigmoid:
		return "HardSigmoid", []float32{1.0 / 6}, []float32{0.5}, true
	case spec.ActSoftsign:
		return "Softsign", nil, nil, true
	case spec.ActSoftplus:
		return "Softplus", nil, nil, true
	}
	return "", nil, nil, false
}
