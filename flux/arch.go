package flux

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/scan"
	"github.com/modelgate/modelgate/spec"
)

// paramKeysDeep lists top-level keys whose weights sit under a chain of
// single-entry Dicts (a file loaded and re-saved repeatedly).
func paramKeysDeep(g *juliabson.Graph) []string {
	var out []string
	for _, e := range g.Top {
		if _, err := paramList(e.Value); err == nil {
			out = append(out, e.Key)
		}
	}
	return out
}

// paramList returns the ordered arrays of a weights-only value: a Vector
// of float arrays, or Zygote.Params (its Buffer's vector), possibly under
// single-entry Dicts.
func paramList(v juliabson.Value) ([]juliabson.Value, error) {
	for i := 0; i <= maxNesting; i++ {
		switch x := juliabson.Deref(v).(type) {
		case *juliabson.Dict:
			if len(x.Values) != 1 {
				return nil, layoutErr(x, "a Dict with %d entries where weights are expected", len(x.Values))
			}
			v = x.Values[0]
			continue
		case *juliabson.Vector:
			for _, e := range x.Elems {
				if _, ok := scan.FloatArray(e); !ok {
					return nil, layoutErr(e, "a %s in the weights list, want a float array", juliabson.Describe(juliabson.Deref(e)))
				}
			}
			return x.Elems, nil
		case *juliabson.Struct:
			if x.TypeName() == "Zygote.Params" && len(x.Fields) == 2 {
				buf, ok := juliabson.Deref(x.Fields[0]).(*juliabson.Struct)
				if ok && buf.TypeName() == "Zygote.Buffer" && len(buf.Fields) == 2 {
					v = buf.Fields[0]
					continue
				}
			}
		}
		return nil, layoutErr(v, "a %s where weights (a vector of arrays or Zygote.Params) are expected", juliabson.Describe(juliabson.Deref(v)))
	}
	return nil, layoutErr(v, "weights nested too deep")
}

// weightsOnly maps an ordered list of arrays onto opt.Arch's parameters
// in Flux params(model) order, with exact Julia shapes (as
// Flux.loadmodel!): Dense weight (out, in), conv weight (kW, kH, Cin, Cout),
// conv_transpose weight (kW, kH, Cout, Cin), bias (n,), embedding
// (dim, vocab), norm scale then bias. BatchNorm (whose running statistics
// are not parameters) and recurrent layers are refused.
func (c *converter) weightsOnly(ctx context.Context, root juliabson.Value) (*Result, error) {
	arrs, err := paramList(root)
	if err != nil {
		return nil, err
	}
	s := *c.opt.Arch
	s.Source = nil
	s.Weights = placeholder
	spec.Resolve(&s)
	a, err := spec.Analyze(&s, c.lim)
	if err != nil {
		return nil, fmt.Errorf("flux: the architecture does not check: %w", err)
	}
	var ps []*param
	next := 0
	for _, info := range a.Layers {
		for _, want := range paramsOf(a, info.Prefix) {
			if next >= len(arrs) {
				return nil, modelgate.Errorf(modelgate.EINVALID, "file", "param-count", "the file holds %d arrays, the architecture needs more (missing %s)", len(arrs), want.Name)
			}
			p, err := c.archParam(info.Layer, want, arrs[next])
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
			next++
		}
	}
	if next != len(arrs) {
		return nil, modelgate.Errorf(modelgate.EINVALID, "file", "param-count", "the file holds %d arrays, the architecture has %d parameters", len(arrs), next)
	}
	c.note("weights-only file: %d arrays mapped onto the architecture in Flux params order", len(arrs))
	out := &s
	if c.opt.SwapHW {
		// swapHW rewrites layers in place: work on a deep copy, never on
		// the caller's architecture.
		if out, err = cloneSpec(&s, c.lim); err != nil {
			return nil, err
		}
		if err := c.swapHW(out, ps); err != nil {
			return nil, err
		}
	}
	return c.finish(ctx, out, ps)
}

// cloneSpec deep-copies a checked spec through its canonical form.
func cloneSpec(s *spec.Spec, lim modelgate.Limits) (*spec.Spec, error) {
	b, err := spec.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("flux: copying the architecture: %w", err)
	}
	return spec.ParseJSON(b, lim)
}

// paramsOf returns the analysed parameters whose name is prefix + NAME.
func paramsOf(a *spec.Analysis, prefix string) []spec.ParamSpec {
	var out []spec.ParamSpec
	for _, p := range a.Params {
		if len(p.Name) > len(prefix) && p.Name[:len(prefix)] == prefix && !containsDot(p.Name[len(prefix):]) {
			out = append(out, p)
		}
	}
	return out
}

func containsDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// archParam converts one array for the parameter want of layer l.
func (c *converter) archParam(l spec.Layer, want spec.ParamSpec, v juliabson.Value) (*param, error) {
	data, d, err := c.floats(v, want.Name)
	if err != nil {
		return nil, err
	}
	shape := make([]int64, len(want.Shape))
	for i, x := range want.Shape {
		shape[i] = int64(x)
	}
	isWeight := strings.HasSuffix(want.Name, ".weight")
	p := &param{shape: shape, from: v.Meta().Where()}
	switch l := l.(type) {
	case *spec.Dense:
		if isWeight {
			if err := dims(v, d, want.Name, shape[0], shape[1]); err != nil {
				return nil, err
			}
			p.data = transpose(data, int(shape[0]), int(shape[1]))
			return p, nil
		}
	case *spec.Conv:
		if isWeight {
			if err := dims(v, d, want.Name, reverse64(shape)...); err != nil {
				return nil, err
			}
			flipSpatial(data, l.Kernel)
			p.data = data
			return p, nil
		}
	case *spec.ConvTranspose:
		if isWeight {
			if err := dims(v, d, want.Name, reverse64(shape)...); err != nil {
				return nil, err
			}
			flipSpatial(data, l.Kernel)
			p.data = data
			return p, nil
		}
	case *spec.Embedding, *spec.LayerNorm, *spec.GroupNorm, *spec.InstanceNorm:
	default:
		return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, want.Pointer, "arch-unsupported",
			"weights-only files cannot fill a %s layer (Flux params(model) does not hold all its tensors in a known order)", l.LayerType())
	}
	if err := dims(v, d, want.Name, reverse64(shape)...); err != nil {
		if len(shape) == 1 && int64(len(data)) == shape[0] && allOnesBut(d, shape[0]) {
			p.data = data
			return p, nil
		}
		return nil, err
	}
	p.data = data
	return p, nil
}

func reverse64(xs []int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}
