package juliabson

import (
	"math/bits"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
)

// stringsField returns a field that must be a non-empty array of
// non-empty strings.
func stringsField(d *bson.Document, key string, path *Path) ([]string, error) {
	arr, err := arrayField(d, key, path)
	if err != nil {
		return nil, err
	}
	if arr.Len() == 0 {
		return nil, errAt(modelgate.EINVALID, path.Child(key), arr.Offset, "empty-path", "%s is empty", key)
	}
	out := make([]string, arr.Len())
	for i, e := range arr.Elements {
		s, ok := e.Value.Str()
		if !ok || s == "" {
			return nil, errAt(modelgate.EINVALID, path.Child(key).Index(i), e.Value.Offset, "field-kind", "path element is not a non-empty string")
		}
		out[i] = s
	}
	return out, nil
}

// datatype builds a datatype node.
func (b *builder) datatype(n Node, d *bson.Document, owner int) (Value, error) {
	raw, err := stringsField(d, "name", n.Loc)
	if err != nil {
		return nil, err
	}
	t := &DataType{Node: n, Names: normalize(raw), RawNames: raw}
	pv := field(d, "params")
	pd, ok := pv.Doc()
	switch {
	case ok && pd.IsArray:
		t.Params = make([]Value, pd.Len())
		b.push(pd, n.Loc.Child("params"), t.Params, owner)
	case ok && isTag(pd, "array"):
		b.blobs = append(b.blobs, t)
		b.pushOne(task{v: pv, path: n.Loc.Child("params"), slot: &t.blob, owner: owner})
	default:
		return nil, errAt(modelgate.EINVALID, n.Loc.Child("params"), pv.Offset, "field-kind", "datatype params are a %v, want an array", pv.Kind)
	}
	return t, nil
}

// isTag reports whether d is a document tagged tag.
func isTag(d *bson.Document, tag string) bool {
	v, ok := d.Lookup("tag")
	s, _ := v.Str()
	return ok && s == tag
}

// array builds an array node; element checks wait for link.
func (b *builder) array(n Node, d *bson.Document, owner int) (Value, error) {
	size, err := arrayField(d, "size", n.Loc)
	if err != nil {
		return nil, err
	}
	if size.Len() > b.lim.MaxRank {
		return nil, errAt(modelgate.ELIMIT, n.Loc.Child("size"), size.Offset, "rank", "array has %d dimensions, the limit is %d", size.Len(), b.lim.MaxRank)
	}
	a := &Array{Node: n, Dims: make([]int64, size.Len())}
	count := uint64(1)
	for i, e := range size.Elements {
		x, ok := e.Value.Int()
		if !ok || x < 0 {
			return nil, errAt(modelgate.EINVALID, n.Loc.Child("size").Index(i), e.Value.Offset, "array-size", "dimension %d is not a non-negative integer", i+1)
		}
		a.Dims[i] = x
		hi, lo := bits.Mul64(count, uint64(x))
		if hi != 0 || lo > 1<<62 {
			return nil, errAt(modelgate.EINVALID, n.Loc.Child("size"), size.Offset, "array-size", "the dimensions' product overflows")
		}
		count = lo
	}
	data := field(d, "data")
	if raw, ok := data.Bytes(); ok {
		a.Data = raw
	} else if dd, ok := data.Doc(); ok && dd.IsArray {
		if uint64(dd.Len()) != count {
			return nil, errAt(modelgate.EINVALID, n.Loc.Child("data"), data.Offset, "array-size", "boxed array holds %d values, its dimensions say %d", dd.Len(), count)
		}
		a.Elems = make([]Value, dd.Len())
		b.push(dd, n.Loc, a.Elems, owner)
	} else {
		return nil, errAt(modelgate.EINVALID, n.Loc.Child("data"), data.Offset, "field-kind", "array data is a %v, want binary or array", data.Kind)
	}
	b.pushOne(task{v: field(d, "type"), path: n.Loc.Child("type"), slot: &a.Type, owner: owner})
	b.arrays = append(b.arrays, a)
	return a, nil
}

// structNode builds a struct node; type checks wait for link.
func (b *builder) structNode(n Node, d *bson.Document, owner int) (Value, error) {
	s := &Struct{Node: n}
	data := field(d, "data")
	if raw, ok := data.Bytes(); ok {
		s.Bits = raw
	} else if dd, ok := data.Doc(); ok && dd.IsArray {
		s.Fields = make([]Value, dd.Len())
		b.push(dd, n.Loc, s.Fields, owner)
	} else {
		return nil, errAt(modelgate.EINVALID, n.Loc.Child("data"), data.Offset, "field-kind", "struct data is a %v, want array or binary", data.Kind)
	}
	b.pushOne(task{v: field(d, "type"), path: n.Loc.Child("type"), slot: &s.Type, owner: owner})
	b.structs = append(b.structs, s)
	return s, nil
}
