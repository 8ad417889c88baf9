package flux

import (
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/scan"
	"github.com/modelgate/modelgate/spec"
)

// normFields locates the fields of BatchNorm/InstanceNorm/GroupNorm by
// field count (see the reference table): offset of λ, whether affine,
// track_stats and active fields exist.
type normFields struct {
	off                       int // 1 for GroupNorm (G first)
	affineAt, trackAt, active int // -1 when absent
}

func normLayout(name string, n int) (normFields, bool) {
	off := 0
	if name == "Flux.GroupNorm" {
		off = 1
	}
	switch n - off {
	case 7:
		return normFields{off, -1, -1, -1}, true
	case 8:
		return normFields{off, -1, -1, off + 7}, true
	case 11:
		return normFields{off, off + 7, off + 8, off + 9}, true
	}
	return normFields{}, false
}

// norm converts BatchNorm, InstanceNorm and GroupNorm:
// [(G,) λ, β, γ, μ, σ², ϵ, momentum(, active | , affine, track_stats, active, chs)].
func (c *converter) norm(st *juliabson.Struct, name string, f []juliabson.Value) (spec.Layer, []*param, error) {
	nf, ok := normLayout(name, len(f))
	if !ok {
		return nil, nil, layoutErr(st, "%s with %d fields", name, len(f))
	}
	o := nf.off
	act, err := c.actOf(f[o])
	if err != nil {
		return nil, nil, err
	}
	eps, ok := juliabson.AsFloat(f[o+5])
	if !ok || !(eps > 0 && eps <= 1) {
		return nil, nil, layoutErr(f[o+5], "ϵ is not a number in (0, 1]")
	}
	affine := true
	if nf.affineAt >= 0 {
		affine, ok = juliabson.AsBool(f[nf.affineAt])
		if !ok {
			return nil, nil, layoutErr(f[nf.affineAt], "affine is not a Bool")
		}
	}
	track := name == "Flux.BatchNorm"
	if nf.trackAt >= 0 {
		track, _ = juliabson.AsBool(f[nf.trackAt])
	}
	if name == "Flux.InstanceNorm" && nf.trackAt < 0 {
		return nil, nil, layoutErr(st, "InstanceNorm of Flux < 0.12 is not supported")
	}
	if nf.active >= 0 {
		if a, ok := juliabson.AsBool(f[nf.active]); ok && a {
			c.note("%s saved with active = true (training mode): converted with its running statistics, as Flux uses them in test mode", name)
		}
	}
	var ps []*param
	var chs int64 = -1
	if affine {
		gamma, gd, err := c.floats(f[o+2], "γ")
		if err != nil {
			return nil, nil, err
		}
		beta, bd, err := c.floats(f[o+1], "β")
		if err != nil {
			return nil, nil, err
		}
		chs = int64(len(gamma))
		if len(gd) != 1 || len(bd) != 1 || int64(len(beta)) != chs {
			return nil, nil, layoutErr(st, "%s γ %v and β %v are not vectors of one length", name, gd, bd)
		}
		ps = append(ps, &param{shape: []int64{chs}, data: gamma}, &param{shape: []int64{chs}, data: beta})
	}
	switch {
	case name == "Flux.BatchNorm" || (name == "Flux.InstanceNorm" && track):
		if !track {
			return nil, nil, layoutErr(st, "%s without running statistics (track_stats = false) normalises with batch statistics: not representable", name)
		}
		mu, md, err := c.floats(f[o+3], "μ")
		if err != nil {
			return nil, nil, err
		}
		v2, vd, err := c.floats(f[o+4], "σ²")
		if err != nil {
			return nil, nil, err
		}
		if chs < 0 {
			chs = int64(len(mu))
		}
		if len(md) != 1 || len(vd) != 1 || int64(len(mu)) != chs || int64(len(v2)) != chs {
			return nil, nil, layoutErr(st, "%s statistics μ %v and σ² %v do not match %d channels", name, md, vd, chs)
		}
		ps = append(ps, &param{shape: []int64{chs}, data: mu}, &param{shape: []int64{chs}, data: v2})
		if name == "Flux.InstanceNorm" {
			c.note("InstanceNorm with track_stats = true uses its running statistics at inference: converted to batchnorm")
		}
		return &spec.BatchNorm{Eps: eps, Affine: affine, Act: act}, ps, nil
	case track:
		return nil, nil, layoutErr(st, "%s with track_stats = true is not supported", name)
	case name == "Flux.GroupNorm":
		g, ok := juliabson.AsInt(f[0])
		if !ok || g < 1 || g > 1<<31 {
			return nil, nil, layoutErr(f[0], "GroupNorm G is not a positive integer")
		}
		return &spec.GroupNorm{Groups: int(g), Eps: eps, Affine: affine, Act: act}, ps, nil
	}
	return &spec.InstanceNorm{Eps: eps, Affine: affine, Act: act}, ps, nil
}

// layerNorm converts LayerNorm: [diag] (Flux <= 0.11, ϵ = 1e-5, dims 1)
// or [λ, diag, ϵ, size, affine] (>= 0.12); diag is Flux.Diagonal[α, β],
// Flux.Scale[scale, bias, σ], identity, or Base.Fix1(broadcast, σ).
func (c *converter) layerNorm(st *juliabson.Struct, f []juliabson.Value) (spec.Layer, []*param, error) {
	l := &spec.LayerNorm{Dims: 1, Eps: 1e-5, Affine: true, Act: spec.Act{Activation: spec.ActIdentity}}
	var diag juliabson.Value
	switch len(f) {
	case 1:
		diag = f[0]
	case 5:
		act, err := c.actOf(f[0])
		if err != nil {
			return nil, nil, err
		}
		l.Act = act
		diag = f[1]
		eps, ok := juliabson.AsFloat(f[2])
		if !ok || !(eps > 0 && eps <= 1) {
			return nil, nil, layoutErr(f[2], "ϵ is not a number in (0, 1]")
		}
		l.Eps = eps
		size, err := ints(f[3], "size")
		if err != nil || len(size) < 1 {
			return nil, nil, layoutErr(f[3], "size is not a tuple of integers")
		}
		l.Dims = len(size)
	default:
		return nil, nil, layoutErr(st, "LayerNorm with %d fields", len(f))
	}
	ds, ok := juliabson.Deref(diag).(*juliabson.Struct)
	if !ok {
		return nil, nil, layoutErr(diag, "LayerNorm diag is not a struct")
	}
	switch dn := ds.TypeName(); {
	case dn == "Flux.Diagonal" && len(ds.Fields) == 2, dn == "Flux.Scale" && len(ds.Fields) == 3:
		if dn == "Flux.Scale" {
			a, err := c.actOf(ds.Fields[2])
			if err != nil || a.Activation != spec.ActIdentity {
				return nil, nil, layoutErr(ds, "LayerNorm Scale with an activation is not supported")
			}
		}
		scale, sd, err := c.floats(ds.Fields[0], "LayerNorm scale")
		if err != nil {
			return nil, nil, err
		}
		shape := int64s2(reversed(int64s(sd)))
		ps := []*param{{shape: shape, data: scale}}
		b := zeros(int64(len(scale)))
		if _, ok := scanFloatArray(ds.Fields[1]); ok {
			bias, bd, err := c.floats(ds.Fields[1], "LayerNorm bias")
			if err != nil {
				return nil, nil, err
			}
			if err := dims(ds.Fields[1], bd, "LayerNorm bias", sd...); err != nil {
				return nil, nil, err
			}
			b.data = bias
		} else if _, hasBias, err := c.bias(ds.Fields[1], int64(len(scale))); err != nil || hasBias {
			return nil, nil, layoutErr(ds.Fields[1], "LayerNorm bias is not an array or false")
		}
		b.shape = shape
		ps = append(ps, b)
		if len(f) == 1 {
			l.Dims = len(sd)
		}
		return l, ps, nil
	case dn == "Base.#identity":
		l.Affine = false
		return l, nil, nil
	case dn == "Base.Fix1" && len(ds.Fields) == 2:
		a, err := c.actOf(ds.Fields[1])
		if err != nil {
			return nil, nil, err
		}
		l.Affine, l.Act = false, a
		return l, nil, nil
	}
	return nil, nil, layoutErr(ds, "LayerNorm diag %s is not supported", ds.TypeName())
}

// embedding converts Embedding [weight(, padding_idx)]: (embed, vocab)
// column-major is the row-major [vocab, embed].
func (c *converter) embedding(st *juliabson.Struct, f []juliabson.Value) (spec.Layer, []*param, error) {
	if len(f) != 1 && len(f) != 2 {
		return nil, nil, layoutErr(st, "Embedding with %d fields", len(f))
	}
	w, d, err := c.floats(f[0], "Embedding weight")
	if err != nil {
		return nil, nil, err
	}
	if err := dims(f[0], d, "Embedding weight", -1, -1); err != nil {
		return nil, nil, err
	}
	c.note("Embedding indices are 0-based in modelgate (Flux's are 1-based): subtract one from Flux-style inputs")
	c.infer(1)
	return &spec.Embedding{Vocab: int(d[1]), Dim: int(d[0])}, []*param{{shape: []int64{d[1], d[0]}, data: w}}, nil
}

// scanFloatArray is scan.FloatArray (Tracker wrappers unwrapped).
func scanFloatArray(v juliabson.Value) (*juliabson.Array, bool) { return scan.FloatArray(v) }
