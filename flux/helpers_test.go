package flux

import (
	"encoding/binary"
	"math"
	"math/rand"
	"testing"

	"github.com/modelgate/modelgate/bson"
)

func doc(kv ...any) bson.D {
	d := make(bson.D, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}

func strs(names ...string) bson.A {
	a := make(bson.A, len(names))
	for i, n := range names {
		a[i] = n
	}
	return a
}

func dt(names ...string) bson.D {
	return doc("tag", "datatype", "name", strs(names...), "params", bson.A{})
}

func st(typ any, fields ...any) bson.D {
	if fields == nil {
		fields = []any{}
	}
	return doc("tag", "struct", "type", typ, "data", bson.A(fields))
}

func fn(path ...string) bson.D { return st(dt(path...)) }
func tup(xs ...any) bson.D     { return doc("tag", "tuple", "data", bson.A(xs)) }
func jints(xs ...int64) bson.D {
	a := make([]any, len(xs))
	for i, x := range xs {
		a[i] = x
	}
	return tup(a...)
}
func f32s(x float32) bson.D {
	return doc("tag", "struct", "type", dt("Core", "Float32"), "data", binary.LittleEndian.AppendUint32(nil, math.Float32bits(x)))
}

// jarr is a Julia array: dims in Julia order, values in column-major
// order, stored as Float32 (or Float64 when f64).
type jarr struct {
	dims []int64
	v    []float64
	f64  bool
}

func (a jarr) bson() bson.D {
	size := make(bson.A, len(a.dims))
	for i, d := range a.dims {
		size[i] = d
	}
	var b []byte
	typ := dt("Core", "Float32")
	for _, x := range a.v {
		if a.f64 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		} else {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		}
	}
	if a.f64 {
		typ = dt("Core", "Float64")
	}
	return doc("tag", "array", "type", typ, "size", size, "data", b)
}

// at returns the element at 1-based... 0-based Julia indices (column-major).
func (a jarr) at(idx ...int) float64 {
	off, stride := 0, 1
	for i, x := range idx {
		off += x * stride
		stride *= int(a.dims[i])
	}
	return a.v[off]
}

func randArr(r *rand.Rand, dims ...int64) jarr {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(r.Float64()*2 - 1))
	}
	return jarr{dims: dims, v: v}
}

func encFile(tb testing.TB, kv ...any) []byte {
	tb.Helper()
	b, err := bson.Encode(doc(kv...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func chainOf(layers ...any) bson.D { return st(dt("Flux", "Chain"), tup(layers...)) }

func denseL(w, b jarr, act string) bson.D {
	return st(dt("Flux", "Dense"), w.bson(), b.bson(), fn("NNlib", act))
}

func relu(x float64) float64 { return math.Max(0, x) }
