package flux

import (
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/scan"
	"github.com/modelgate/modelgate/spec"
)

// layerList converts v (a Chain, a layer, or a function singleton) into a
// flat list of spec layers, appending their tensors to ps in order.
func (c *converter) layerList(v juliabson.Value, ps *[]*param, depth int) (spec.Layers, error) {
	if depth > maxNesting {
		return nil, layoutErr(v, "layers nested more than %d deep", maxNesting)
	}
	st, ok := juliabson.Deref(v).(*juliabson.Struct)
	if !ok {
		return nil, layoutErr(v, "a %s where a layer is expected", juliabson.Describe(juliabson.Deref(v)))
	}
	if a, ok := juliabson.Deref(st.Type).(*juliabson.Anonymous); ok {
		n, ok := scan.KnownLambda(a)
		if !ok || !c.opt.AllowKnownLambdas {
			return nil, layoutErr(v, "an anonymous function (serialized code) cannot be converted")
		}
		l := &spec.Flatten{}
		c.lambdas = append(c.lambdas, lambdaUse{n: n, layer: l, at: v})
		c.note("the anonymous function x -> reshape(x, :, size(x, %d)) was matched as data and converted to flatten", n)
		c.shapeUnknown()
		return spec.Layers{l}, nil
	}
	name := st.TypeName()
	if name == "Flux.Chain" {
		elems, err := chainLayers(st)
		if err != nil {
			return nil, err
		}
		var out spec.Layers
		for _, e := range elems {
			ls, err := c.layerList(e, ps, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
		}
		return out, nil
	}
	return c.layer(st, name, ps, depth)
}

// chainLayers returns the layers of a Chain: a tuple, a vector (plain or
// typed), or a NamedTuple.
func chainLayers(st *juliabson.Struct) ([]juliabson.Value, error) {
	if len(st.Fields) != 1 {
		return nil, layoutErr(st, "Chain with %d fields", len(st.Fields))
	}
	return sequence(st.Fields[0])
}

// sequence reads a tuple, vector, boxed array or NamedTuple of values.
func sequence(v juliabson.Value) ([]juliabson.Value, error) {
	switch x := juliabson.Deref(v).(type) {
	case *juliabson.Tuple:
		return x.Elems, nil
	case *juliabson.Vector:
		return x.Elems, nil
	case *juliabson.Array:
		if x.Elem == nil && len(x.Dims) == 1 {
			return x.Elems, nil
		}
	case *juliabson.Struct:
		if x.TypeName() == "Core.NamedTuple" && !x.IsBits() {
			return x.Fields, nil
		}
	}
	return nil, layoutErr(v, "a %s where a list of layers is expected", juliabson.Describe(juliabson.Deref(v)))
}

// layer converts one layer struct.
func (c *converter) layer(st *juliabson.Struct, name string, ps *[]*param, depth int) (spec.Layers, error) {
	if t, ok := layerFuncs[name]; ok {
		l, _ := spec.NewLayer(t)
		c.shapeUnknown()
		return spec.Layers{l}, nil
	}
	if a, ok := activationsByName[name]; ok {
		if a.act == spec.ActIdentity {
			return nil, nil
		}
		c.actNote(a)
		return spec.Layers{&spec.ActivationLayer{Act: spec.Act{Activation: a.act, Alpha: a.alpha}}}, nil
	}
	f := st.Fields
	var (
		l   spec.Layer
		p   []*param
		err error
	)
	switch name {
	case "Flux.Dense":
		l, p, err = c.dense(st, f)
	case "Flux.Conv", "Flux.CrossCor", "Flux.DepthwiseConv":
		l, p, err = c.conv(st, name, f)
	case "Flux.ConvTranspose":
		l, p, err = c.convTranspose(st, f)
	case "Flux.MaxPool", "Flux.MeanPool":
		l, err = c.pool(st, name, f)
	case "Flux.AdaptiveMaxPool", "Flux.AdaptiveMeanPool":
		l, err = c.adaptive(st, name, f)
	case "Flux.GlobalMaxPool":
		l = &spec.GlobalMaxPool{}
	case "Flux.GlobalMeanPool":
		l = &spec.GlobalMeanPool{}
	case "Flux.BatchNorm", "Flux.InstanceNorm", "Flux.GroupNorm":
		l, p, err = c.norm(st, name, f)
	case "Flux.LayerNorm":
		l, p, err = c.layerNorm(st, f)
	case "Flux.Dropout", "Flux.AlphaDropout":
		l = c.dropout(f)
	case "Flux.Embedding":
		l, p, err = c.embedding(st, f)
	case "Flux.Upsample":
		l, err = c.upsample(st, f)
	case "Flux.SkipConnection":
		l, p, err = c.skip(st, f, depth)
	case "Flux.Parallel":
		l, p, err = c.parallel(st, f, depth)
	case "Flux.Recur", "Flux.RNN", "Flux.LSTM", "Flux.GRU", "Flux.GRUv3":
		l, p, err = c.recurrent(st, name, f)
	default:
		return nil, layoutErr(st, "%s is allowed but cannot be converted", name)
	}
	if err != nil {
		return nil, err
	}
	*ps = append(*ps, p...)
	return spec.Layers{l}, nil
}

// actOf reads an activation field.
func (c *converter) actOf(v juliabson.Value) (spec.Act, error) {
	t := juliabson.TypeOf(v)
	if t == nil {
		return spec.Act{}, layoutErr(v, "activation is a %s, want a function", juliabson.Describe(juliabson.Deref(v)))
	}
	a, ok := activationsByName[t.Name()]
	if !ok {
		return spec.Act{}, layoutErr(v, "%s cannot be used as an activation here", t.Name())
	}
	c.actNote(a)
	return spec.Act{Activation: a.act, Alpha: a.alpha}, nil
}

func (c *converter) actNote(a activation) {
	if a.note != "" {
		c.note("%s", a.note)
	}
}

// shapeUnknown ends input-shape inference: a layer that is not
// shape-preserving came before any layer that reveals the input.
func (c *converter) shapeUnknown() {
	if c.input == nil {
		c.input = []int{}
	}
}

// infer sets the input shape if nothing shape-changing came before.
func (c *converter) infer(shape ...int) {
	if c.input == nil {
		c.input = shape
	}
}

func (c *converter) dropout(f []juliabson.Value) spec.Layer {
	rate := 0.5
	if len(f) > 0 {
		if p, ok := juliabson.AsFloat(f[0]); ok && p >= 0 && p < 1 {
			rate = p
		}
	}
	return &spec.Dropout{Rate: rate}
}

// upsample converts Upsample{mode} [scale, size]: scale (sW, sH) reversed;
// a target size (size != nothing) is refused. NNlib's bilinear upsampling
// aligns corners.
func (c *converter) upsample(st *juliabson.Struct, f []juliabson.Value) (spec.Layer, error) {
	if len(f) != 2 {
		return nil, layoutErr(st, "Upsample with %d fields", len(f))
	}
	if _, ok := juliabson.Deref(f[1]).(*juliabson.Nothing); !ok {
		return nil, layoutErr(f[1], "Upsample with a target size is not supported; use a scale")
	}
	t := st.DataType()
	mode := ""
	if t != nil && len(t.Params) > 0 {
		mode, _ = juliabson.AsSymbol(t.Params[0])
	}
	s, err := ints(f[0], "Upsample scale")
	if n, ok := juliabson.AsInt(f[0]); ok && n >= 1 && n <= 64 {
		s, err = []int{int(n), int(n)}, nil // Upsample(scale::Integer): every spatial axis
	}
	if err != nil || len(s) < 1 || len(s) > 2 {
		return nil, layoutErr(f[0], "Upsample scale is not 1 or 2 integers")
	}
	c.shapeUnknown()
	switch mode {
	case "nearest":
		return &spec.Upsample{Scale: reversed(s), Mode: "nearest"}, nil
	case "bilinear":
		return &spec.Upsample{Scale: reversed(s), Mode: "bilinear", AlignCorners: true}, nil
	}
	return nil, layoutErr(st, "Upsample mode %q is not supported", mode)
}
