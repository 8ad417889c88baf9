package onnx

import (
	"fmt"

	"github.com/modelgate/modelgate/spec"
)

// fmtKey formats a constant-sharing key.
func fmtKey(kind string, v any) string { return fmt.Sprint(kind, v) }

// affine returns the scale and bias initializers of a normalisation layer:
// its own parameters when affine, else constants 1 and 0 of dims.
func (b *builder) affine(li spec.LayerInfo, affine bool, dims ...int64) (scale, bias string, err error) {
	if !affine {
		return b.filled(1, dims...), b.filled(0, dims...), nil
	}
	if scale, err = b.paramInit(li, "scale"); err != nil {
		return "", "", err
	}
	if bias, err = b.paramInit(li, "bias"); err != nil {
		return "", "", err
	}
	return scale, bias, nil
}

func (b *builder) batchNorm(l *spec.BatchNorm, li spec.LayerInfo, x string) (string, error) {
	c := int64(li.In[0])
	scale, bias, err := b.affine(li, l.Affine, c)
	if err != nil {
		return "", err
	}
	mean, err := b.paramInit(li, "mean")
	if err != nil {
		return "", err
	}
	v, err := b.paramInit(li, "var")
	if err != nil {
		return "", err
	}
	y := b.add("BatchNormalization", []string{x, scale, bias, mean, v}, attrFloat("epsilon", float32(l.Eps)))
	return b.act(l.Act, li.Pointer, y)
}

func (b *builder) layerNorm(l *spec.LayerNorm, li spec.LayerInfo, x string) (string, error) {
	in := []string{x}
	if l.Affine {
		scale, bias, err := b.affine(li, true)
		if err != nil {
			return "", err
		}
		in = append(in, scale, bias)
	} else {
		in = append(in, b.filled(1, ints(li.In[len(li.In)-l.Dims:])...))
	}
	y := b.add("LayerNormalization", in, attrInt("axis", int64(-l.Dims)), attrFloat("epsilon", float32(l.Eps)))
	return b.act(l.Act, li.Pointer, y)
}

func (b *builder) instanceNorm(l *spec.InstanceNorm, li spec.LayerInfo, x string) (string, error) {
	scale, bias, err := b.affine(li, l.Affine, int64(li.In[0]))
	if err != nil {
		return "", err
	}
	y := b.add("InstanceNormalization", []string{x, scale, bias}, attrFloat("epsilon", float32(l.Eps)))
	return b.act(l.Act, li.Pointer, y)
}

// groupNorm reshapes [N, C, d...] to [N, G, rest], normalises each group
// with InstanceNormalization (scale 1, bias 0), reshapes back and applies
// the per-channel scale and bias.
func (b *builder) groupNorm(l *spec.GroupNorm, li spec.LayerInfo, x string) (string, error) {
	g := int64(l.Groups)
	y := b.add("Reshape", []string{x, b.constI(0, g, -1)})
	y = b.add("InstanceNormalization", []string{y, b.filled(1, g), b.filled(0, g)}, attrFloat("epsilon", float32(l.Eps)))
	y = b.reshape(y, li.In)
	if l.Affine {
		data, _, err := b.param(li, "scale")
		if err != nil {
			return "", err
		}
		dims := make([]int64, len(li.In))
		dims[0] = int64(li.In[0])
		for i := 1; i < len(dims); i++ {
			dims[i] = 1
		}
		scale := b.addInit(tensor{name: li.Prefix + "scale", dims: dims, dtype: dtFloat, f32: data})
		if data, _, err = b.param(li, "bias"); err != nil {
			return "", err
		}
		bias := b.addInit(tensor{name: li.Prefix + "bias", dims: dims, dtype: dtFloat, f32: data})
		y = b.add("Mul", []string{y, scale})
		y = b.add("Add", []string{y, bias})
	}
	return b.act(l.Act, li.Pointer, y)
}
