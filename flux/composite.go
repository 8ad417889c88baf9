package flux

import (
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/spec"
)

// combineOf maps a connection function to a spec combine mode and axis.
func combineOf(v juliabson.Value) (spec.Combine, int, bool) {
	t := juliabson.TypeOf(v)
	if t == nil {
		return "", 0, false
	}
	switch t.Name() {
	case "Base.#+":
		return spec.CombineAdd, 0, true
	case "Base.#*":
		return spec.CombineMultiply, 0, true
	case "Base.#vcat":
		return spec.CombineConcat, -1, true // Julia dimension 1 is the last row-major axis
	}
	return "", 0, false
}

// skip converts SkipConnection [layers, connection].
func (c *converter) skip(st *juliabson.Struct, f []juliabson.Value, depth int) (spec.Layer, []*param, error) {
	if len(f) != 2 {
		return nil, nil, layoutErr(st, "SkipConnection with %d fields", len(f))
	}
	comb, axis, ok := combineOf(f[1])
	if !ok {
		return nil, nil, layoutErr(f[1], "SkipConnection connection %s is not supported (only +, * and vcat)", juliabson.Describe(juliabson.Deref(f[1])))
	}
	var ps []*param
	ls, err := c.layerList(f[0], &ps, depth+1)
	if err != nil {
		return nil, nil, err
	}
	c.shapeUnknown()
	return &spec.Skip{Layers: ls, Combine: comb, Axis: axis}, ps, nil
}

// parallel converts Parallel [connection, layers].
func (c *converter) parallel(st *juliabson.Struct, f []juliabson.Value, depth int) (spec.Layer, []*param, error) {
	if len(f) != 2 {
		return nil, nil, layoutErr(st, "Parallel with %d fields", len(f))
	}
	comb, axis, ok := combineOf(f[0])
	if !ok {
		return nil, nil, layoutErr(f[0], "Parallel connection %s is not supported (only +, * and vcat)", juliabson.Describe(juliabson.Deref(f[0])))
	}
	branches, err := sequence(f[1])
	if err != nil {
		return nil, nil, err
	}
	var ps []*param
	p := &spec.Parallel{Combine: comb, Axis: axis}
	for _, b := range branches {
		ls, err := c.layerList(b, &ps, depth+1)
		if err != nil {
			return nil, nil, err
		}
		if ls == nil {
			ls = spec.Layers{}
		}
		p.Branches = append(p.Branches, ls)
	}
	c.shapeUnknown()
	return p, ps, nil
}
