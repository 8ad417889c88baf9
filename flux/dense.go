package flux

import (
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/spec"
)

// dense converts Dense [W, b, σ] (every version): W (out, in) column-major
// is transposed to [out, in].
func (c *converter) dense(st *juliabson.Struct, f []juliabson.Value) (spec.Layer, []*param, error) {
	if len(f) != 3 {
		return nil, nil, layoutErr(st, "Dense with %d fields", len(f))
	}
	w, d, err := c.floats(f[0], "Dense weight")
	if err != nil {
		return nil, nil, err
	}
	if err := dims(f[0], d, "Dense weight", -1, -1); err != nil {
		return nil, nil, err
	}
	out, in := d[0], d[1]
	act, err := c.actOf(f[2])
	if err != nil {
		return nil, nil, err
	}
	ps := []*param{{shape: []int64{out, in}, data: transpose(w, int(out), int(in)), from: f[0].Meta().Where()}}
	b, hasBias, err := c.bias(f[1], out)
	if err != nil {
		return nil, nil, err
	}
	if hasBias {
		ps = append(ps, b)
	}
	c.infer(int(in))
	return &spec.Dense{Units: int(out), Bias: hasBias, Act: act}, ps, nil
}

// conv converts Conv, CrossCor and DepthwiseConv:
// [σ, weight, bias, stride, pad, dilation(, groups)].
func (c *converter) conv(st *juliabson.Struct, name string, f []juliabson.Value) (spec.Layer, []*param, error) {
	if len(f) != 6 && len(f) != 7 {
		return nil, nil, layoutErr(st, "%s with %d fields", name, len(f))
	}
	act, err := c.actOf(f[0])
	if err != nil {
		return nil, nil, err
	}
	w, d, err := c.floats(f[1], name+" weight")
	if err != nil {
		return nil, nil, err
	}
	n := len(d) - 2
	if n != 1 && n != 2 {
		return nil, nil, layoutErr(f[1], "%s weight has %d dimensions: only 1-D and 2-D convolutions are supported", name, len(d))
	}
	groups := 1
	if len(f) == 7 {
		g, ok := juliabson.AsInt(f[6])
		if !ok || g < 1 || g > 1<<31 {
			return nil, nil, layoutErr(f[6], "groups is not a positive integer")
		}
		groups = int(g)
	}
	ks := reversed(int64s(d[:n]))
	cinG, cout := int(d[n]), int(d[n+1])
	if name == "Flux.DepthwiseConv" {
		// (k..., multiplier, Cin): output channel (c_in-1)*mult + m, one input channel per group.
		mult, cin := cinG, cout
		cout, cinG, groups = mult*cin, 1, cin
	}
	if name != "Flux.CrossCor" {
		flipSpatial(w, ks)
	}
	stride, pad, dil, err := convGeometry(f[3], f[4], f[5], n)
	if err != nil {
		return nil, nil, err
	}
	shape := append([]int64{int64(cout), int64(cinG)}, int64s2(ks)...)
	ps := []*param{{shape: shape, data: w, from: f[1].Meta().Where()}}
	b, hasBias, err := c.bias(f[2], int64(cout))
	if err != nil {
		return nil, nil, err
	}
	if hasBias {
		ps = append(ps, b)
	}
	c.shapeUnknown()
	return &spec.Conv{Filters: cout, Kernel: ks, Stride: stride, Padding: pad, Dilation: dil, Groups: groups, Bias: hasBias, Act: act}, ps, nil
}

// convGeometry converts stride, pad and dilation for n spatial axes.
func convGeometry(sv, pv, dv juliabson.Value, n int) (stride, pad, dil []int, err error) {
	s, err := ints(sv, "stride")
	if err != nil {
		return nil, nil, nil, err
	}
	dl, err := ints(dv, "dilation")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(s) != n || len(dl) != n {
		return nil, nil, nil, layoutErr(sv, "stride %v or dilation %v does not have %d values", s, dl, n)
	}
	pad, err = padding(pv, n)
	if err != nil {
		return nil, nil, nil, err
	}
	return reversed(s), pad, reversed(dl), nil
}

// convTranspose converts ConvTranspose:
// [σ, weight, bias, stride, pad, (outpad,) dilation(, groups)]; weight
// (kW, kH, Cout/groups, Cin) is the row-major [Cin, Cout/groups, kH, kW],
// flipped like Conv.
func (c *converter) convTranspose(st *juliabson.Struct, f []juliabson.Value) (spec.Layer, []*param, error) {
	if len(f) < 6 || len(f) > 8 {
		return nil, nil, layoutErr(st, "ConvTranspose with %d fields", len(f))
	}
	act, err := c.actOf(f[0])
	if err != nil {
		return nil, nil, err
	}
	w, d, err := c.floats(f[1], "ConvTranspose weight")
	if err != nil {
		return nil, nil, err
	}
	if len(d) != 4 {
		return nil, nil, layoutErr(f[1], "ConvTranspose weight has %d dimensions: only 2-D is supported", len(d))
	}
	ks := reversed(int64s(d[:2]))
	coutG, cin := int(d[2]), int(d[3])
	flipSpatial(w, ks)
	dilAt, outpad, groups := 5, []int{0, 0}, 1
	if len(f) == 8 {
		dilAt = 6
		op, err := ints(f[5], "outpad")
		if err != nil || len(op) != 2 {
			return nil, nil, layoutErr(f[5], "outpad is not 2 integers")
		}
		outpad = reversed(op)
	}
	if len(f) >= 7 {
		g, ok := juliabson.AsInt(f[len(f)-1])
		if !ok || g < 1 || g > 1<<31 {
			return nil, nil, layoutErr(f[len(f)-1], "groups is not a positive integer")
		}
		groups = int(g)
	}
	stride, pad, dil, err := convGeometry(f[3], f[4], f[dilAt], 2)
	if err != nil {
		return nil, nil, err
	}
	cout := coutG * groups
	ps := []*param{{shape: []int64{int64(cin), int64(coutG), int64(ks[0]), int64(ks[1])}, data: w, from: f[1].Meta().Where()}}
	b, hasBias, err := c.bias(f[2], int64(cout))
	if err != nil {
		return nil, nil, err
	}
	if hasBias {
		ps = append(ps, b)
	}
	c.shapeUnknown()
	return &spec.ConvTranspose{Filters: cout, Kernel: ks, Stride: stride, Padding: pad, OutputPadding: outpad,
		Dilation: dil, Groups: groups, Bias: hasBias, Act: act}, ps, nil
}

// pool converts MaxPool/MeanPool [k, pad, stride].
func (c *converter) pool(st *juliabson.Struct, name string, f []juliabson.Value) (spec.Layer, error) {
	if len(f) != 3 {
		return nil, layoutErr(st, "%s with %d fields", name, len(f))
	}
	k, err := ints(f[0], "pool size")
	if err != nil {
		return nil, err
	}
	n := len(k)
	if n != 1 && n != 2 {
		return nil, layoutErr(f[0], "%d-D pooling is not supported", n)
	}
	s, err := ints(f[2], "stride")
	if err != nil || len(s) != n {
		return nil, layoutErr(f[2], "stride does not have %d values", n)
	}
	pad, err := padding(f[1], n)
	if err != nil {
		return nil, err
	}
	c.shapeUnknown()
	if name == "Flux.MaxPool" {
		return &spec.MaxPool{Kernel: reversed(k), Stride: reversed(s), Padding: pad}, nil
	}
	return &spec.MeanPool{Kernel: reversed(k), Stride: reversed(s), Padding: pad, CountPadding: true}, nil
}

// adaptive converts AdaptiveMaxPool/AdaptiveMeanPool [out].
func (c *converter) adaptive(st *juliabson.Struct, name string, f []juliabson.Value) (spec.Layer, error) {
	if len(f) != 1 {
		return nil, layoutErr(st, "%s with %d fields", name, len(f))
	}
	o, err := ints(f[0], "output size")
	if err != nil {
		return nil, err
	}
	c.shapeUnknown()
	if name == "Flux.AdaptiveMaxPool" {
		return &spec.AdaptiveMaxPool{Output: reversed(o)}, nil
	}
	return &spec.AdaptiveMeanPool{Output: reversed(o)}, nil
}

func int64s(xs []int64) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

func int64s2(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}
