package nn

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// safetensorsDType maps a spec weights dtype to the safetensors dtype name
// every tensor must have.
func safetensorsDType(d string) (string, bool) {
	switch d {
	case "float32":
		return "F32", true
	case "float16":
		return "F16", true
	case "bfloat16":
		return "BF16", true
	case "float64":
		return "F64", true
	}
	return "", false
}

// checkParamBudget checks a's parameter list against lim without
// allocating, and returns the checked total element count.
func checkParamBudget(a *spec.Analysis, lim modelgate.Limits) (int64, error) {
	if a.TotalParams < 0 || a.TotalParams > lim.Params {
		return 0, modelgate.Errorf(modelgate.ELIMIT, "/layers", "params-limit",
			"%d parameters exceed the limit of %d", a.TotalParams, lim.Params)
	}
	if len(a.Params) > lim.Tensors {
		return 0, modelgate.Errorf(modelgate.ELIMIT, "/layers", "tensors-limit",
			"%d parameter tensors exceed the limit of %d", len(a.Params), lim.Tensors)
	}
	var total int64
	for _, p := range a.Params {
		e := p.Shape.Elements()
		if e < 0 || e > lim.Params-total {
			return 0, modelgate.Errorf(modelgate.ELIMIT, p.Name, "params-limit",
				"parameters exceed the limit of %d", lim.Params)
		}
		total += e
	}
	if total != a.TotalParams {
		return 0, modelgate.Errorf(modelgate.EINVALID, "/layers", "analysis-mismatch",
			"analysis counts %d parameters but lists %d", a.TotalParams, total)
	}
	return total, nil
}

// bindWeights checks w against a's parameters (all problems collected), then
// reads every tensor as float32 and checks the values are finite. It returns
// the tensors by full name.
func bindWeights(ctx context.Context, s *spec.Spec, a *spec.Analysis, w Weights, lim modelgate.Limits) (map[string][]float32, error) {
	total, err := checkParamBudget(a, lim)
	if err != nil {
		return nil, err
	}
	dt, ok := safetensorsDType(s.Weights.DType)
	if !ok {
		return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, "/weights/dtype", "weights-dtype",
			"weights dtype %q is not one of float32, float16, bfloat16, float64", s.Weights.DType)
	}
	if err := matchTensors(a, w, dt, lim); err != nil {
		return nil, err
	}
	buf := make([]float32, total)
	out := make(map[string][]float32, len(a.Params))
	var probs modelgate.Problems
	off := int64(0)
	for _, p := range a.Params {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := p.Shape.Elements()
		dst := buf[off : off+e : off+e]
		off += e
		if err := w.ReadFloat32(ctx, p.Name, dst); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("nn: reading %s: %w", p.Name, err)
			}
			return nil, &modelgate.Error{Code: modelgate.ErrorCode(err), Where: p.Name, Rule: "read-tensor",
				Message: "cannot read tensor", Err: err}
		}
		if i := firstNonFinite(dst); i >= 0 {
			probs = append(probs, modelgate.Errorf(modelgate.EINVALID, p.Name, "non-finite-weight",
				"element %d is %v", i, dst[i]))
		}
		out[p.Name] = dst
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// matchTensors checks, without reading data, that w holds exactly the
// tensors a expects, each with dtype dt and its exact shape.
func matchTensors(a *spec.Analysis, w Weights, dt string, lim modelgate.Limits) error {
	names := w.TensorNames()
	if len(names) > lim.Tensors {
		return modelgate.Errorf(modelgate.ELIMIT, "weights", "tensors-limit",
			"%d tensors exceed the limit of %d", len(names), lim.Tensors)
	}
	expected := make(map[string]bool, len(a.Params))
	var probs modelgate.Problems
	for _, p := range a.Params {
		if expected[p.Name] {
			return modelgate.Errorf(modelgate.EINVALID, p.Name, "analysis-mismatch", "parameter listed twice by the analysis")
		}
		expected[p.Name] = true
		if e := checkTensor(w, p, dt); e != nil {
			probs = append(probs, e)
		}
	}
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		switch {
		case seen[name]:
			probs = append(probs, modelgate.Errorf(modelgate.EINVALID, name, "duplicate-tensor", "tensor listed twice by the weights"))
		case !expected[name]:
			probs = append(probs, modelgate.Errorf(modelgate.EINVALID, name, "unexpected-tensor",
				"tensor is not a parameter of any layer"))
		}
		seen[name] = true
	}
	return probs.Err()
}

// checkTensor checks one expected parameter against w.
func checkTensor(w Weights, p spec.ParamSpec, dt string) *modelgate.Error {
	got, shape, ok := w.TensorInfo(p.Name)
	if !ok {
		return modelgate.Errorf(modelgate.EINVALID, p.Name, "missing-tensor",
			"tensor missing; layer %s needs shape %v", p.Pointer, p.Shape)
	}
	if got != dt {
		return modelgate.Errorf(modelgate.EINVALID, p.Name, "dtype-mismatch",
			"tensor has dtype %s, the spec says %s", got, dt)
	}
	if !shapeEqual64(shape, p.Shape) {
		return modelgate.Errorf(modelgate.EINVALID, p.Name, "shape-mismatch",
			"tensor has shape %v, layer %s needs %v", shape, p.Pointer, p.Shape)
	}
	return nil
}

// shapeEqual64 reports whether a file's int64 shape equals want.
func shapeEqual64(got []int64, want spec.Shape) bool {
	return slices.EqualFunc(got, want, func(g int64, w int) bool { return g == int64(w) })
}

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1.
func firstNonFinite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}
