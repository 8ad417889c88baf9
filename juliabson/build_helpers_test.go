package juliabson_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/modelgate/modelgate/bson"
)

// Builders for BSON.jl-shaped documents, as BSON.jl's writer lays them out.

// doc builds a document from alternating keys and values.
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

func dt(names ...string) bson.D { return dtp(names) }

func dtp(names []string, params ...any) bson.D {
	return doc("tag", "datatype", "name", strs(names...), "params", bson.A(params))
}

func st(typ any, fields ...any) bson.D {
	return doc("tag", "struct", "type", typ, "data", bson.A(fields))
}

func prim(typ any, b []byte) bson.D {
	return doc("tag", "struct", "type", typ, "data", b)
}

func arr(typ any, dims []int64, data any) bson.D {
	size := make(bson.A, len(dims))
	for i, d := range dims {
		size[i] = d
	}
	return doc("tag", "array", "type", typ, "size", size, "data", data)
}

func sym(s string) bson.D { return doc("tag", "symbol", "name", s) }

func ref(path ...string) bson.D { return doc("tag", "ref", "path", strs(path...)) }

func tup(xs ...any) bson.D { return doc("tag", "tuple", "data", bson.A(xs)) }

func br(n int64) bson.D { return doc("tag", "backref", "ref", n) }

func anon(typename any, params ...any) bson.D {
	return doc("tag", "jl_anonymous", "typename", typename, "params", bson.A(params))
}

func f32bytes(xs ...float32) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return b
}

func i64bytes(xs ...int64) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

func enc(tb testing.TB, d bson.D) []byte {
	tb.Helper()
	b, err := bson.Encode(d)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// model wraps a value as the file {model: v}.
func model(tb testing.TB, v any, backrefs ...any) []byte {
	d := doc("model", v)
	if backrefs != nil {
		d = append(d, bson.E{Key: "_backrefs", Value: bson.A(backrefs)})
	}
	return enc(tb, d)
}

// gadget50 is the shape of the BSON.jl issue #50 proof of concept: a
// SubArray built without its constructor over Broadcasted(run, (cmd,)), so
// that BSON.load indexing it would run the command.
func gadget50(tb testing.TB) []byte {
	cmd := st(dt("Base", "Cmd"), bson.A{"sh", "-c", "touch /tmp/pwned"}, false, false, nil, int64(0))
	bc := st(dtp([]string{"Base", "Broadcast", "Broadcasted"}, dt("Base", "Broadcast", "DefaultArrayStyle"), dt("Core", "Nothing"), dt("Base", "#run"), dt("Core", "Tuple")),
		st(dt("Base", "#run")), tup(cmd), nil)
	sub := st(dtp([]string{"Base", "SubArray"}, dt("Core", "Any"), int64(1)), bc, tup(int64(1)), int64(0), int64(1))
	return model(tb, sub)
}

// evilIR is an anonymous function whose lowered IR calls Base.run.
func evilIR(tb testing.TB) []byte {
	globalRef := st(dt("Core", "GlobalRef"), ref("Base"), sym("run"))
	call := st(dt("Core", "Expr"), sym("call"), bson.A{globalRef, "id"})
	code := st(dt("Core", "CodeInfo"), bson.A{call, st(dt("Core", "ReturnNode"), st(dt("Core", "SSAValue"), int64(1)))})
	method := st(dt("Core", "Method"), ref("Main"), sym("#1"), sym("none"), int32(1),
		dtp([]string{"Core", "Tuple"}, br(1), dt("Core", "Any")), "#self#\x00x\x00", int32(2), false, int32(0), code)
	typename := st(dt("Core", "TypeName"), "1.6.0", sym("#1#2"), bson.A{}, dt("Core", "Function"),
		bson.A{}, bson.A{}, true, false, false, int32(0), bson.A{sym("#1"), bson.A{method}, int64(1), nil})
	return model(tb, st(anon(br(1))), typename)
}
