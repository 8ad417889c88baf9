package scan_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/modelgate/modelgate/bson"
)

// Builders for BSON.jl-shaped documents, as BSON.jl's writer lays them out.

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
	if params == nil {
		params = []any{}
	}
	return doc("tag", "datatype", "name", strs(names...), "params", bson.A(params))
}

func st(typ any, fields ...any) bson.D {
	if fields == nil {
		fields = []any{}
	}
	return doc("tag", "struct", "type", typ, "data", bson.A(fields))
}

func prim(typ any, b []byte) bson.D { return doc("tag", "struct", "type", typ, "data", b) }

func arr(typ any, dims []int64, data any) bson.D {
	size := make(bson.A, len(dims))
	for i, d := range dims {
		size[i] = d
	}
	return doc("tag", "array", "type", typ, "size", size, "data", data)
}

func sym(s string) bson.D         { return doc("tag", "symbol", "name", s) }
func ref(path ...string) bson.D   { return doc("tag", "ref", "path", strs(path...)) }
func tup(xs ...any) bson.D        { return doc("tag", "tuple", "data", bson.A(xs)) }
func br(n int64) bson.D           { return doc("tag", "backref", "ref", n) }
func f32(n int) []byte            { return make([]byte, 4*n) }
func fn(path ...string) bson.D    { return st(dt(path...)) }
func f32arr(dims ...int64) bson.D { return arr(dt("Core", "Float32"), dims, f32(int(prod(dims)))) }

func prod(d []int64) int64 {
	n := int64(1)
	for _, x := range d {
		n *= x
	}
	return n
}

func anon(typename any, params ...any) bson.D {
	if params == nil {
		params = []any{}
	}
	return doc("tag", "jl_anonymous", "typename", typename, "params", bson.A(params))
}

func f32bytes(xs ...float32) []byte {
	var b []byte
	for _, x := range xs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
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

// file wraps a value as {model: v, _backrefs: [...]}.
func file(tb testing.TB, v any, backrefs ...any) []byte {
	d := doc("model", v)
	if backrefs != nil {
		d = append(d, bson.E{Key: "_backrefs", Value: bson.A(backrefs)})
	}
	return enc(tb, d)
}

// dense is a Flux Dense(in => out, relu) with zero weights.
func dense(in, out int64) bson.D {
	return st(dtp([]string{"Flux", "Dense"}), f32arr(out, in), f32arr(out), fn("NNlib", "#relu"))
}

// chain is a Flux Chain over a tuple of layers.
func chain(layers ...any) bson.D { return st(dt("Flux", "Chain"), tup(layers...)) }

// gadget50 is the BSON.jl issue #50 proof of concept: a SubArray built
// without its constructor over Broadcasted(run, (cmd,)).
func gadget50(tb testing.TB) []byte {
	cmd := st(dt("Base", "Cmd"), bson.A{"sh", "-c", "touch /tmp/pwned"}, false, false, nil, int64(0))
	bc := st(dtp([]string{"Base", "Broadcast", "Broadcasted"}, dt("Base", "Broadcast", "DefaultArrayStyle"), dt("Core", "Nothing"), dt("Base", "#run"), dt("Core", "Tuple")),
		st(dt("Base", "#run")), tup(cmd), nil)
	sub := st(dtp([]string{"Base", "SubArray"}, dt("Core", "Any"), int64(1)), bc, tup(int64(1)), int64(0), int64(1))
	return file(tb, sub)
}

// lambdaIR builds an anonymous function with the given code statements,
// the way BSON.jl writes x -> ... (Julia 1.3 layout).
func lambdaIR(tb testing.TB, code bson.A, wrap func(any) any) []byte {
	ci := st(dt("Core", "CodeInfo"), code, arr(dt("Core", "Int32"), []int64{1}, make([]byte, 4)), int64(3), []byte{}, nil,
		bson.A{}, bson.A{sym("#self#"), sym("x")}, []byte{0, 0}, nil, dt("Core", "Any"), nil, nil)
	method := st(dt("Core", "Method"), ref("Main"), sym("#3"), sym("REPL[9]"), int32(8),
		dtp([]string{"Core", "Tuple"}, anon(br(1)), dt("Core", "Any")), "#self#\x00x\x00", nil, int32(2), false, int32(0), ci)
	typename := st(dt("Core", "TypeName"), "1.3.0", sym("#3#4"), bson.A{}, dt("Core", "Function"),
		bson.A{}, bson.A{}, true, false, false, int32(0), bson.A{sym("#3"), bson.A{method}, int64(2), nil})
	return file(tb, wrap(st(anon(br(1)))), typename)
}

func gref(mod, name string) bson.D { return st(dt("Core", "GlobalRef"), ref(mod), sym(name)) }
func expr(head string, args ...any) bson.D {
	return st(dt("Core", "Expr"), sym(head), bson.A(args))
}
func slot(n int64) bson.D { return st(dt("Core", "SlotNumber"), n) }
func ssa(n int64) bson.D  { return st(dt("Core", "SSAValue"), n) }

// flattenCode is x -> reshape(x, :, size(x, n)).
func flattenCode(n int64) bson.A {
	return bson.A{
		expr("call", gref("Main", "size"), slot(2), n),
		expr("call", gref("Main", "reshape"), slot(2), gref("Main", ":"), ssa(1)),
		expr("return", ssa(2)),
	}
}

// deep returns {model: n nested BSON arrays}, written outer to inner in
// linear time: an array nesting k empty levels is 5+8k bytes long.
func deep(n int) []byte {
	total := 4 + 7 + (5 + 8*n) + 1
	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	b = append(b, 0x04, 'm', 'o', 'd', 'e', 'l', 0)
	for k := n; k > 0; k-- {
		b = binary.LittleEndian.AppendUint32(b, uint32(5+8*k))
		b = append(b, 0x04, '0', 0)
	}
	b = append(b, 5, 0, 0, 0, 0)
	for k := 0; k < n; k++ {
		b = append(b, 0)
	}
	return append(b, 0)
}
