package juliabson_test

import (
	"encoding/binary"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/juliabson"
)

func mustParse(tb testing.TB, data []byte) *juliabson.Graph {
	tb.Helper()
	g, err := juliabson.Parse(data, juliabson.Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func readCorpus(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile("../bson/testdata/corpus/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// field returns struct s's field i, failing the test if s is not a struct
// of the given type.
func field(tb testing.TB, v juliabson.Value, typ string, i int) juliabson.Value {
	tb.Helper()
	s, ok := juliabson.Deref(v).(*juliabson.Struct)
	if !ok || s.TypeName() != typ || i >= len(s.Fields) {
		tb.Fatalf("%T %v is not a %s with field %d", v, juliabson.KindName(v), typ, i)
	}
	return s.Fields[i]
}

// TestBostonMLP checks file 09 (Dense(13=>42, relu), Dense(42=>1)) against
// an independent decoding of the raw BSON bytes.
func TestBostonMLP(t *testing.T) {
	t.Parallel()
	data := readCorpus(t, "09_juliadeploy_boston_mlp_flux01310.bson")
	g := mustParse(t, data)
	m, ok := g.Lookup("model")
	if !ok || !slices.Equal(g.Keys(), []string{"model"}) {
		t.Fatalf("keys %v", g.Keys())
	}
	layers, ok := field(t, m, "Flux.Chain", 0).(*juliabson.Tuple)
	if !ok || len(layers.Elems) != 2 {
		t.Fatalf("layers: %v", juliabson.KindName(field(t, m, "Flux.Chain", 0)))
	}
	w, ok := field(t, layers.Elems[0], "Flux.Dense", 0).(*juliabson.Array)
	if !ok || w.Elem == nil || w.Elem.Name != "Float32" || !slices.Equal(w.Dims, []int64{42, 13}) {
		t.Fatalf("weight %+v", w)
	}
	if !slices.Equal(w.RowMajorShape(), []int64{13, 42}) || w.Len() != 546 {
		t.Fatalf("shape %v len %d", w.RowMajorShape(), w.Len())
	}
	fs, err := w.Float32s()
	if err != nil {
		t.Fatal(err)
	}
	// Independent check: the data is a sub-slice of the file at the binary's
	// offset (4-byte length + subtype byte after the value offset).
	raw := w.Raw
	dv, _ := raw.Doc()
	bin, _ := dv.Lookup("data")
	off := int(bin.Offset) + 5
	for i := range fs {
		want := math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
		if fs[i] != want {
			t.Fatalf("element %d: %v, want %v", i, fs[i], want)
		}
	}
	act := juliabson.TypeOf(field(t, layers.Elems[0], "Flux.Dense", 2))
	if act == nil || act.Name() != "NNlib.#relu" || act.TypeName() != "#relu" || act.Module() != "NNlib" {
		t.Fatalf("activation %+v", act)
	}
	id := juliabson.TypeOf(field(t, layers.Elems[1], "Flux.Dense", 2))
	if id.Name() != "Base.#identity" || !slices.Equal(id.RawNames, []string{"Main", "Base", "#identity"}) {
		t.Fatalf("identity %v raw %v", id.Name(), id.RawNames)
	}
	// The Dense type parameters reference _backrefs 5 and 6.
	dense := juliabson.TypeOf(layers.Elems[0])
	p1, ok := dense.Params[1].(*juliabson.Backref)
	if !ok || p1.Ref != 5 || p1.Target != g.Backrefs[4] {
		t.Fatalf("param 1: %v", juliabson.KindName(dense.Params[1]))
	}
	arrT, _ := juliabson.Deref(p1).(*juliabson.DataType)
	if arrT.Name() != "Core.Array" || len(arrT.Params) != 2 {
		t.Fatalf("backref 5: %v", arrT.Name())
	}
	if n, ok := juliabson.AsInt(arrT.Params[1]); !ok || n != 2 {
		t.Fatalf("Array rank param %v", n)
	}
	if got := w.Path(); got != "model/0/0/0" {
		t.Fatalf("path %q", got)
	}
	if got := p1.Target.Meta().Path(); got != "_backrefs/5" {
		t.Fatalf("target path %q", got)
	}
	if !strings.HasPrefix(w.Where(), "model/0/0/0 (byte ") {
		t.Fatalf("where %q", w.Where())
	}
}

// TestConvAnonymous checks file 01: MaxPool's params blob, the anonymous
// flatten function kept as data with its IR reachable, and its cycle.
func TestConvAnonymous(t *testing.T) {
	t.Parallel()
	g := mustParse(t, readCorpus(t, "01_jc2020_model_conv.bson"))
	m, _ := g.Lookup("model")
	layers := field(t, m, "Flux.Chain", 0).(*juliabson.Tuple)
	pool := juliabson.TypeOf(layers.Elems[1])
	if pool.Name() != "Flux.MaxPool" || pool.ParamsArray == nil {
		t.Fatalf("pool %v", pool.Name())
	}
	if ps, ok := juliabson.AsInts(&juliabson.Tuple{Elems: pool.Params}); !ok || !slices.Equal(ps, []int64{2, 4}) {
		t.Fatalf("MaxPool params %v", ps)
	}
	stride, ok := juliabson.AsInts(field(t, layers.Elems[1], "Flux.MaxPool", 2))
	if !ok || !slices.Equal(stride, []int64{2, 2}) {
		t.Fatalf("stride %v", stride)
	}
	lambda := layers.Elems[6].(*juliabson.Struct)
	an, ok := juliabson.Deref(lambda.Type).(*juliabson.Anonymous)
	if !ok || lambda.DataType() != nil || lambda.TypeName() != "" {
		t.Fatalf("layer 6 type %v", juliabson.KindName(lambda.Type))
	}
	tn := juliabson.TypeOf(an.TypeName)
	if tn == nil || tn.Name() != "Core.TypeName" {
		t.Fatalf("typename %v", juliabson.KindName(an.TypeName))
	}
	if !slices.Equal(g.Cycles, []int{15}) {
		t.Fatalf("cycles %v", g.Cycles)
	}
	// The IR is reachable as data: GlobalRefs to size and reshape.
	var calls []string
	juliabson.Walk(lambda, juliabson.Root("lambda"), func(at *juliabson.Path, v juliabson.Value) bool {
		if s, ok := v.(*juliabson.Struct); ok && s.TypeName() == "Core.GlobalRef" {
			mod := s.Fields[0].(*juliabson.Ref)
			name, _ := juliabson.AsSymbol(s.Fields[1])
			calls = append(calls, mod.Name()+"."+name)
		}
		return true
	})
	if !slices.Equal(calls, []string{"Main.size", "Main.reshape", "Main.:"}) {
		t.Fatalf("GlobalRefs %v", calls)
	}
	// Slot names keep their NUL separators.
	var slots []string
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		if s, ok := v.(*juliabson.String); ok && strings.Contains(s.V, "\x00") {
			slots = append(slots, s.V)
		}
		return true
	})
	if len(slots) == 0 || slots[0] != "#self#\x00x\x00" {
		t.Fatalf("slot names %q", slots)
	}
}

// TestFixture32bit checks file 16, written by 32-bit Julia: Int32 type
// parameters and Main.Core paths.
func TestFixture32bit(t *testing.T) {
	t.Parallel()
	g := mustParse(t, readCorpus(t, "16_bsonjl_fixture_test41_from_32bit.bson"))
	obj, _ := g.Lookup("obj")
	s := obj.(*juliabson.Struct)
	typ := s.DataType()
	if typ.Name() != "Base.Dict" || !slices.Equal(typ.RawNames, []string{"Main", "Base", "Dict"}) {
		t.Fatalf("type %v", typ.RawNames)
	}
	k := juliabson.Deref(typ.Params[0]).(*juliabson.DataType)
	if k.Name() != "Core.String" {
		t.Fatalf("key type %v", k.Name())
	}
	keys, ok := s.Fields[0].(*juliabson.Vector)
	if !ok || len(keys.Elems) != 1 {
		t.Fatalf("keys %v", juliabson.KindName(s.Fields[0]))
	}
	if k, _ := juliabson.AsString(keys.Elems[0]); k != "name" {
		t.Fatalf("key %q", k)
	}
	vals := s.Fields[1].(*juliabson.Vector)
	if b, ok := vals.Elems[0].(*juliabson.Bytes); !ok || len(b.V) != 2 {
		t.Fatalf("value %v", juliabson.KindName(vals.Elems[0]))
	}
	vt := juliabson.Deref(typ.Params[1]).(*juliabson.DataType)
	if vt.Name() != "Core.Array" {
		t.Fatalf("value type %v", vt.Name())
	}
	rank := vt.Params[1].(*juliabson.Int)
	if !rank.Is32 || rank.V != 1 {
		t.Fatalf("rank param %+v", rank)
	}
}

func TestGadget50IsInertData(t *testing.T) {
	t.Parallel()
	g := mustParse(t, gadget50(t))
	seen := map[string]bool{}
	var cmd []string
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		if s, ok := v.(*juliabson.Struct); ok {
			seen[s.TypeName()] = true
			if s.TypeName() == "Base.Cmd" {
				for _, e := range s.Fields[0].(*juliabson.Vector).Elems {
					x, _ := juliabson.AsString(e)
					cmd = append(cmd, x)
				}
			}
		}
		if t, ok := v.(*juliabson.DataType); ok {
			seen[t.Name()] = true
		}
		return true
	})
	for _, want := range []string{"Base.SubArray", "Base.Broadcast.Broadcasted", "Base.#run", "Base.Cmd"} {
		if !seen[want] {
			t.Errorf("the walk does not show %s", want)
		}
	}
	if strings.Join(cmd, " ") != "sh -c touch /tmp/pwned" {
		t.Errorf("command %q", cmd)
	}
	if _, err := os.Stat("/tmp/pwned"); err == nil {
		t.Log("note: /tmp/pwned exists (not created by this test)")
	}
}

func TestEvilIRIsInertData(t *testing.T) {
	t.Parallel()
	g := mustParse(t, evilIR(t))
	var refs []string
	anon := 0
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		switch v := v.(type) {
		case *juliabson.Struct:
			if v.TypeName() == "Core.GlobalRef" {
				mod := v.Fields[0].(*juliabson.Ref)
				name, _ := juliabson.AsSymbol(v.Fields[1])
				refs = append(refs, mod.Name()+"."+name+" at "+at.String())
			}
		case *juliabson.Anonymous:
			anon++
		}
		return true
	})
	if anon != 1 || len(refs) != 1 || !strings.HasPrefix(refs[0], "Base.run at model/type/typename/10/1/0/9/0/0/1/0") {
		t.Fatalf("anonymous %d, refs %q", anon, refs)
	}
	if !slices.Equal(g.Cycles, []int{1}) {
		t.Fatalf("cycles %v", g.Cycles)
	}
}

func TestArraysAndScalars(t *testing.T) {
	t.Parallel()
	f16 := []byte{0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7c} // 1, -2, +Inf
	cplx := f32bytes(1, 2, 3, 4)
	data := enc(t, doc(
		"h", arr(dt("Core", "Float16"), []int64{3}, f16),
		"d", arr(dt("Main", "Core", "Float64"), []int64{2, 1}, i64bytes(int64(math.Float64bits(0.5)), int64(math.Float64bits(-3)))),
		"i", arr(dt("Core", "Int32"), []int64{2}, []byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}),
		"u", arr(dt("Core", "UInt64"), []int64{1}, i64bytes(-1)),
		"c", arr(dtp([]string{"Base", "Complex"}, dt("Core", "Float32")), []int64{2}, cplx),
		"n", arr(dt("Core", "Nothing"), []int64{5}, []byte{}),
		"z", arr(dt("Core", "Float32"), []int64{0, 7}, []byte{}),
		"s", arr(dt("Core", "Float32"), []int64{}, f32bytes(9)),
		"eps", prim(dt("Core", "Float32"), f32bytes(1e-5)),
		"i8", prim(dt("Core", "Int8"), []byte{0xfe}),
		"b", prim(dt("Core", "Bool"), []byte{1}),
		"p", prim(dtp([]string{"Core", "Ptr"}, dt("Core", "Nothing")), i64bytes(0x1000)),
		"cu", prim(dtp([]string{"CUDA", "CuPtr"}, dt("Core", "Nothing")), i64bytes(0x1000)),
		"u8", []byte("raw"),
		"t", tup(int64(3), int32(4)),
		"nt", nil,
	))
	g := mustParse(t, data)
	get := func(k string) juliabson.Value { v, _ := g.Lookup(k); return v }
	h, _ := get("h").(*juliabson.Array).Float32s()
	if !slices.Equal(h, []float32{1, -2, float32(math.Inf(1))}) {
		t.Errorf("float16 %v", h)
	}
	d, _ := get("d").(*juliabson.Array).Float32s()
	d64, _ := get("d").(*juliabson.Array).Float64s()
	if !slices.Equal(d, []float32{0.5, -3}) || !slices.Equal(d64, []float64{0.5, -3}) {
		t.Errorf("float64 %v %v", d, d64)
	}
	if is, err := get("i").(*juliabson.Array).Int64s(); err != nil || !slices.Equal(is, []int64{1, -1}) {
		t.Errorf("int32 %v %v", is, err)
	}
	if _, err := get("u").(*juliabson.Array).Int64s(); err == nil {
		t.Error("UInt64 max fitted in int64")
	}
	if _, err := get("i").(*juliabson.Array).Float32s(); err == nil {
		t.Error("Float32s of an int array")
	}
	if c := get("c").(*juliabson.Array); c.Elem.Name != "ComplexF32" || c.Elem.Width != 8 {
		t.Errorf("complex %+v", c.Elem)
	}
	if n := get("n").(*juliabson.Array); n.Elem.Kind != juliabson.KindNothing || n.Len() != 5 {
		t.Errorf("nothing %+v", n.Elem)
	}
	if z := get("z").(*juliabson.Array); z.Len() != 0 {
		t.Errorf("empty len %d", z.Len())
	}
	if s := get("s").(*juliabson.Array); s.Len() != 1 || len(s.Dims) != 0 {
		t.Errorf("0-d %+v", s)
	}
	if f, ok := juliabson.AsFloat(get("eps")); !ok || float32(f) != 1e-5 {
		t.Errorf("eps %v", f)
	}
	if n, ok := juliabson.AsInt(get("i8")); !ok || n != -2 {
		t.Errorf("int8 %v", n)
	}
	if b, ok := juliabson.AsBool(get("b")); !ok || !b {
		t.Errorf("bool %v", b)
	}
	if p := get("p").(*juliabson.Struct); p.Prim == nil || !p.Prim.IsPointer() {
		t.Errorf("ptr %+v", p.Prim)
	}
	if cu := get("cu").(*juliabson.Struct); cu.Prim != nil || len(cu.Bits) != 8 {
		t.Errorf("CuPtr %+v", cu)
	}
	if u8 := get("u8").(*juliabson.Bytes); string(u8.V) != "raw" {
		t.Errorf("bytes %q", u8.V)
	}
	if ns, ok := juliabson.AsInts(get("t")); !ok || !slices.Equal(ns, []int64{3, 4}) {
		t.Errorf("tuple %v", ns)
	}
	if _, ok := get("nt").(*juliabson.Nothing); !ok {
		t.Error("null is not nothing")
	}
}

// TestFloat16 compares every binary16 value with a naive reference.
func TestFloat16(t *testing.T) {
	t.Parallel()
	for h := 0; h < 1<<16; h++ {
		sign, exp, frac := h>>15, (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case exp == 0x1f && frac == 0:
			want = math.Inf(1)
		case exp == 0x1f:
			if got := juliabson.Float16ToFloat32(uint16(h)); got == got {
				t.Fatalf("%#04x: %v, want NaN", h, got)
			}
			continue
		case exp == 0:
			want = math.Ldexp(float64(frac), -24)
		default:
			want = math.Ldexp(float64(1024+frac), exp-25)
		}
		if sign == 1 {
			want = -want
		}
		if got := juliabson.Float16ToFloat32(uint16(h)); float64(got) != want || math.Signbit(float64(got)) != (sign == 1) {
			t.Fatalf("%#04x: %v, want %v", h, got, want)
		}
	}
}

// TestDictPaths checks untagged documents, key escaping and path
// rendering limits.
func TestDictPaths(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 200)
	g := mustParse(t, enc(t, doc("a/b~c", doc("x", int64(1), long, "v"))))
	top, _ := g.Lookup("a/b~c")
	d := top.(*juliabson.Dict)
	x, _ := d.Lookup("x")
	if x.Meta().Path() != "a~1b~0c/x" {
		t.Fatalf("path %q", x.Meta().Path())
	}
	v, _ := d.Lookup(long)
	if p := v.Meta().Path(); len(p) > 100 || !strings.HasSuffix(p, "...") {
		t.Fatalf("long path %q", p)
	}
	if segs := v.Meta().Loc.Segments(); segs[1] != long {
		t.Fatal("Segments shortened a key")
	}
}

// TestLongKeysAreLinear guards against quadratic path memory: 50,000
// children under a 1 MiB key.
func TestLongKeysAreLinear(t *testing.T) {
	elems := make(bson.A, 50_000)
	for i := range elems {
		elems[i] = int64(i)
	}
	data := enc(t, doc(strings.Repeat("k", 1<<20), elems))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	g := mustParse(t, data)
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 64*uint64(len(data)) {
		t.Fatalf("allocated %d bytes for %d input bytes", got, len(data))
	}
	if g.Nodes != 50_001 {
		t.Fatalf("nodes %d", g.Nodes)
	}
}
