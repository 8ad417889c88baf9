package onnx

import (
	"github.com/modelgate/modelgate/spec"
)

// combine merges vals in order: a chain of Add or Mul (left to right), or
// one Concat along the per-sample axis ax.
func (b *builder) combine(c spec.Combine, ax int, vals []string, where string) (string, error) {
	if len(vals) == 1 {
		return vals[0], nil
	}
	switch c {
	case spec.CombineAdd, spec.CombineMultiply:
		op := "Add"
		if c == spec.CombineMultiply {
			op = "Mul"
		}
		y := vals[0]
		for _, v := range vals[1:] {
			y = b.add(op, []string{y, v})
		}
		return y, nil
	case spec.CombineConcat:
		return b.add("Concat", vals, attrInt("axis", axis(ax))), nil
	}
	return "", unsupported(where+"/combine", "combine %q has no ONNX mapping", c)
}

// skip emits combine(layers(x), x).
func (b *builder) skip(l *spec.Skip, li spec.LayerInfo, x string) (string, error) {
	y, err := b.layers(l.Layers, x)
	if err != nil {
		return "", err
	}
	return b.combine(l.Combine, l.Axis, []string{y, x}, li.Pointer)
}

// parallel runs every branch on x and combines the results in order.
func (b *builder) parallel(l *spec.Parallel, li spec.LayerInfo, x string) (string, error) {
	vals := make([]string, 0, len(l.Branches))
	for _, br := range l.Branches {
		y, err := b.layers(br, x)
		if err != nil {
			return "", err
		}
		vals = append(vals, y)
	}
	if len(vals) == 0 {
		return "", unsupported(li.Pointer, "parallel layer without branches")
	}
	return b.combine(l.Combine, l.Axis, vals, li.Pointer)
}
