package flux

import (
	"fmt"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/scan"
)

// param is one converted tensor, row-major, in the spec's order for its
// layer; names are assigned after the whole spec is analysed.
type param struct {
	shape []int64
	data  []float32
	from  string // where in the file, for messages
}

// layoutErr is a conversion refusal at a node.
func layoutErr(at juliabson.Value, format string, args ...any) error {
	where := "file"
	if at != nil {
		where = at.Meta().Where()
	}
	return &modelgate.Error{Code: modelgate.EUNSUPPORTED, Where: where, Rule: "flux-layout", Message: fmt.Sprintf(format, args...)}
}

// floats reads a float array (Tracker wrappers unwrapped) as float32 in
// column-major order with its Julia dims.
func (c *converter) floats(v juliabson.Value, what string) ([]float32, []int64, error) {
	a, ok := scan.FloatArray(v)
	if !ok {
		return nil, nil, layoutErr(v, "%s is a %s, want a float array", what, juliabson.Describe(juliabson.Deref(v)))
	}
	if a.Elem.Width != 4 {
		c.note("Float%d weights converted to float32", a.Elem.Width*8)
	}
	if err := c.budget(a.Len()); err != nil {
		return nil, nil, err
	}
	f, err := a.Float32s()
	return f, a.Dims, err
}

// budget charges n elements against the parameter budget before they are
// copied.
func (c *converter) budget(n int64) error {
	c.params += n
	if c.params > c.lim.Params {
		return modelgate.Errorf(modelgate.ELIMIT, "file", "too-many-params", "more than %d parameters", c.lim.Params)
	}
	return nil
}

// dims checks an array's Julia dims against want (-1 matches anything).
func dims(v juliabson.Value, got []int64, what string, want ...int64) error {
	if len(got) != len(want) {
		return layoutErr(v, "%s has %d dimensions %v, want %d", what, len(got), got, len(want))
	}
	for i := range want {
		if want[i] >= 0 && got[i] != want[i] {
			return layoutErr(v, "%s has dimensions %v, want %v", what, got, want)
		}
	}
	return nil
}

// transpose turns a column-major (rows, cols) Julia matrix into the
// row-major [rows, cols] array.
func transpose(src []float32, rows, cols int) []float32 {
	dst := make([]float32, len(src))
	for r := 0; r < rows; r++ {
		for k := 0; k < cols; k++ {
			dst[r*cols+k] = src[r+k*rows]
		}
	}
	return dst
}

// flipSpatial reverses the last n axes of a row-major array whose trailing
// axes have the sizes ks (n = len(ks) = 1 or 2), in place.
func flipSpatial(data []float32, ks []int) {
	plane := 1
	for _, k := range ks {
		plane *= k
	}
	tmp := make([]float32, plane)
	for base := 0; base+plane <= len(data); base += plane {
		src := data[base : base+plane]
		for i := range src {
			tmp[plane-1-i] = src[i] // reversing every trailing axis = reversing the flat plane
		}
		copy(src, tmp)
	}
}

// ints reads a tuple (or vector) of integers.
func ints(v juliabson.Value, what string) ([]int, error) {
	ns, ok := juliabson.AsInts(v)
	if !ok {
		return nil, layoutErr(v, "%s is a %s, want a tuple of integers", what, juliabson.Describe(juliabson.Deref(v)))
	}
	out := make([]int, len(ns))
	for i, n := range ns {
		if n < 0 || n > 1<<31 {
			return nil, layoutErr(v, "%s has an out-of-range value %d", what, n)
		}
		out[i] = int(n)
	}
	return out, nil
}

// reversed returns xs reversed (Julia W-first order to row-major H-first).
func reversed(xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// padding converts Flux padding for n spatial axes: n symmetric values or
// 2n values (lo1, hi1, lo2, hi2, ...) in Julia order, to the spec's 2n
// values in row-major order ([top, bottom, left, right] for images).
func padding(v juliabson.Value, n int) ([]int, error) {
	p, err := ints(v, "pad")
	if err != nil {
		return nil, err
	}
	switch len(p) {
	case n:
		out := make([]int, 0, 2*n)
		for i := n - 1; i >= 0; i-- {
			out = append(out, p[i], p[i])
		}
		return out, nil
	case 2 * n:
		out := make([]int, 0, 2*n)
		for i := n - 1; i >= 0; i-- {
			out = append(out, p[2*i], p[2*i+1])
		}
		return out, nil
	}
	return nil, layoutErr(v, "pad has %d values for %d spatial axes", len(p), n)
}

// bias reads a bias field: an array of n values, or one of the bias=false
// encodings (false, Flux.Zeros, nothing). ok is false for no bias.
func (c *converter) bias(v juliabson.Value, n int64) (*param, bool, error) {
	switch x := juliabson.Deref(v).(type) {
	case *juliabson.Bool:
		if !x.V {
			return nil, false, nil
		}
	case *juliabson.Nothing:
		return nil, false, nil
	case *juliabson.Struct:
		if x.TypeName() == "Flux.Zeros" {
			return nil, false, nil
		}
	}
	data, d, err := c.floats(v, "bias")
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) != n || (len(d) != 1 && !allOnesBut(d, n)) {
		return nil, false, layoutErr(v, "bias has dimensions %v, want (%d,)", d, n)
	}
	return &param{shape: []int64{n}, data: data}, true, nil
}

// allOnesBut accepts dims like (1, 1, n, 1) (old Flux conv biases).
func allOnesBut(d []int64, n int64) bool {
	found := false
	for _, x := range d {
		switch {
		case x == n && !found:
			found = true
		case x != 1:
			return false
		}
	}
	return found
}

// zeros returns n zero values.
func zeros(n int64) *param { return &param{shape: []int64{n}, data: make([]float32, n)} }

// firstColumn returns the first h values of a state array (h,) or (h, b).
func (c *converter) firstColumn(v juliabson.Value, h int64, what string) ([]float32, bool, error) {
	data, d, err := c.floats(v, what)
	if err != nil {
		return nil, false, err
	}
	if len(d) == 0 || d[0] != h || int64(len(data)) < h {
		return nil, false, layoutErr(v, "%s has dimensions %v, want (%d, ...)", what, d, h)
	}
	col := data[:h]
	nonzero := false
	for _, x := range col {
		if x != 0 {
			nonzero = true
		}
	}
	return col, nonzero, nil
}
