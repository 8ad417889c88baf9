package nn

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// ewChunk is about how many elements an element-wise op processes between
// two checks of its context.
const ewChunk = 1 << 16

// compileAct returns a function applying the activation a in place, or nil
// for the identity. Alpha is used by leakyrelu (>= 0) and by elu and celu
// (> 0); as in spec.Resolve, a zero alpha means the default (0.01 for
// leakyrelu, 1 for elu and celu). Alpha must be zero for every other
// activation. An unknown activation is an EUNSUPPORTED error.
func compileAct(a spec.Act) (func(x []float32), error) {
	alpha := a.Alpha
	if math.IsNaN(alpha) || math.IsInf(alpha, 0) {
		return nil, actErr("activation-alpha", "alpha %v of %s is not finite", alpha, a.Activation)
	}
	if !actHasAlpha(a.Activation) && alpha != 0 {
		return nil, actErr("activation-alpha", "activation %s takes no alpha (got %v)", a.Activation, alpha)
	}
	switch a.Activation {
	case spec.ActIdentity, "":
		return nil, nil
	case spec.ActLeakyReLU:
		if alpha < 0 {
			return nil, actErr("activation-alpha", "leakyrelu alpha %v is negative", alpha)
		}
		if alpha == 0 {
			alpha = 0.01 // the leakyrelu default
		}
		return actLeaky(alpha), nil
	case spec.ActELU, spec.ActCELU:
		if alpha == 0 {
			alpha = 1 // the elu/celu default
		}
		if alpha < 0 {
			return nil, actErr("activation-alpha", "%s alpha %v is not positive", a.Activation, alpha)
		}
		fast := alpha >= 1e-6 && alpha <= 1e6 // float32 path: no overflow of α, 1/α or α·(e^x-1)
		switch {
		case a.Activation == spec.ActELU && fast:
			return actELUFamily(1, alpha, 1), nil
		case a.Activation == spec.ActELU:
			return actMapAlpha(elu64, alpha), nil
		case fast:
			return actELUFamily(1, alpha, 1/alpha), nil
		}
		return actMapAlpha(celu64, alpha), nil
	}
	if f := actPlain(a.Activation); f != nil {
		return f, nil
	}
	return nil, &modelgate.Error{Code: modelgate.EUNSUPPORTED, Rule: "unknown-activation",
		Message: fmt.Sprintf("unknown activation %q", string(a.Activation))}
}

// actPlain returns the kernel of an activation without parameters, or nil.
func actPlain(a spec.Activation) func([]float32) {
	switch a {
	case spec.ActReLU:
		return actReLU
	case spec.ActReLU6:
		return actReLU6
	case spec.ActSELU:
		return actELUFamily(seluLambda, seluLambda*seluAlpha, 1)
	case spec.ActGELUTanh:
		return actMap(geluTanh64)
	case spec.ActGELUErf:
		return actMap(geluErf64)
	case spec.ActSwish, spec.ActSiLU:
		return actSwish
	case spec.ActSigmoid:
		return actSigmoid
	case spec.ActHardSigmoid:
		return actHardSigmoid
	case spec.ActLogSigmoid:
		return actMap(logSigmoid64)
	case spec.ActTanh:
		return actTanh
	case spec.ActHardTanh:
		return actHardTanh
	case spec.ActSoftplus:
		return actMap(softplus64)
	case spec.ActSoftsign:
		return actSoftsign
	case spec.ActMish:
		return actMap(mish64)
	case spec.ActTanhShrink:
		return actMap(tanhShrink64)
	}
	return nil
}

// actAt sets the location of a compileAct error that has none.
func actAt(err error, where string) error {
	var e *modelgate.Error
	if errors.As(err, &e) && e.Where == "" {
		e.Where = where
	}
	return err
}

// actHasAlpha reports whether a takes an alpha (leakyrelu, elu, celu).
func actHasAlpha(a spec.Activation) bool {
	return a == spec.ActLeakyReLU || a == spec.ActELU || a == spec.ActCELU
}

// actErr is an EINVALID error about an activation's parameters.
func actErr(rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(modelgate.EINVALID, "", rule, format, args...)
}

// activationOp is a standalone element-wise activation layer.
type activationOp struct {
	f       func([]float32) // nil for the identity
	elems   int             // elements per sample
	where   string          // JSON pointer of the layer
	threads int             // goroutines (see setThreads)
	relu    bool            // f is ReLU: copy and clamp in one pass
}

var _ op = (*activationOp)(nil)

// newActivationLayer binds an "activation" layer. Its output shape must
// equal its input shape.
func newActivationLayer(l *spec.ActivationLayer, li spec.LayerInfo) (op, error) {
	if l == nil {
		return nil, modelgate.Errorf(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil activation layer")
	}
	f, err := compileAct(l.Act)
	if err != nil {
		return nil, actAt(err, li.Pointer)
	}
	elems, err := ewSameShape(li)
	if err != nil {
		return nil, err
	}
	return &activationOp{f: f, elems: elems, where: li.Pointer, threads: 1, relu: l.Act.Activation == spec.ActReLU}, nil
}

// setThreads lets forward split its elements over up to n goroutines (n <
// 1 means 1). Each element is computed the same way whatever n is.
func (o *activationOp) setThreads(n int) { o.threads = max(1, n) }

// forward copies in to out and applies the activation in blocks, checking
// ctx between blocks.
func (o *activationOp) forward(ctx context.Context, n int, in, out []float32) error {
	total, err := ewBatchLen(o.where, n, o.elems, len(in), len(out))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return runUnits(ctx, o.threads, total, 1, o, in, out, activationUnits)
}

// activationUnits applies the activation to elements [lo, hi).
func activationUnits(o *activationOp, in, out []float32, lo, hi int) {
	if o.relu {
		biasReLU(out[lo:hi], in[lo:hi], 0)
		return
	}
	copy(out[lo:hi], in[lo:hi])
	if o.f != nil {
		o.f(out[lo:hi])
	}
}

// ewSameShape checks that li.Out equals li.In and returns its element count.
func ewSameShape(li spec.LayerInfo) (int, error) {
	e, err := ewElems(li.Pointer, li.In)
	if err != nil {
		return 0, err
	}
	if len(li.In) != len(li.Out) {
		return 0, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape", "output shape %v differs from input shape %v", li.Out, li.In)
	}
	for i := range li.In {
		if li.In[i] != li.Out[i] {
			return 0, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape", "output shape %v differs from input shape %v", li.Out, li.In)
		}
	}
	return e, nil
}

// ewElems returns the element count of a per-sample shape, refusing empty
// shapes, dims < 1 and counts beyond MaxActivationBytes/4.
func ewElems(where string, s spec.Shape) (int, error) {
	if len(s) == 0 {
		return 0, modelgate.Errorf(modelgate.EINVALID, where, "layer-shape", "empty shape")
	}
	e := int64(1)
	for _, d := range s {
		if d < 1 || int64(d) > modelgate.MaxActivationBytes/4 {
			return 0, modelgate.Errorf(modelgate.EINVALID, where, "layer-shape", "shape %v has a dim out of range", s)
		}
		e *= int64(d) // both factors <= 2^28: no overflow before the check
		if e > modelgate.MaxActivationBytes/4 {
			return 0, modelgate.Errorf(modelgate.ELIMIT, where, "activation-limit", "shape %v is too large", s)
		}
	}
	return int(e), nil
}

// ewBatchLen is ewBatchLen2 for ops whose input and output samples both have
// per elements; it returns n*per.
func ewBatchLen(where string, n, per, lenIn, lenOut int) (int, error) {
	return ewBatchLen2(where, n, per, per, lenIn, lenOut)
}

// ewBatchLen2 checks n >= 1, len(in) == n*inPer and len(out) == n*outPer
// without overflow, and returns n*inPer.
func ewBatchLen2(where string, n, inPer, outPer, lenIn, lenOut int) (int, error) {
	if n < 1 || n > 1<<32 {
		return 0, modelgate.Errorf(modelgate.EINVALID, where, "batch-size", "batch size %d out of range", n)
	}
	// inPer, outPer <= 2^28 (ewElems) and n <= 2^32: products fit in int64.
	if int64(lenIn) != int64(n)*int64(inPer) || int64(lenOut) != int64(n)*int64(outPer) {
		return 0, modelgate.Errorf(modelgate.EINTERNAL, where, "buffer-length",
			"buffers of %d and %d values for batch %d (want %d and %d per sample)", lenIn, lenOut, n, inPer, outPer)
	}
	return n * inPer, nil
}
