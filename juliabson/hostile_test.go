package juliabson_test

import (
	"encoding/binary"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/juliabson"
)

type hostileCase struct {
	name string
	data []byte
	lim  juliabson.Limits
	code string
	rule string
}

func hostileCases(tb testing.TB) []hostileCase {
	f32 := dt("Core", "Float32")
	lenient := juliabson.Limits{}
	c := func(name string, data []byte, code, rule string) hostileCase {
		return hostileCase{name, data, lenient, code, rule}
	}
	selfCycle := model(tb, br(1), st(dt("Main", "Node"), br(1)))
	return []hostileCase{
		// backrefs
		c("backref-zero", model(tb, br(0), f32), modelgate.EINVALID, "backref-range"),
		c("backref-past-end", model(tb, br(2), f32), modelgate.EINVALID, "backref-range"),
		c("backref-negative", model(tb, br(-1), f32), modelgate.EINVALID, "backref-range"),
		c("backref-huge", model(tb, br(1<<40), f32), modelgate.EINVALID, "backref-range"),
		c("backref-without-backrefs", model(tb, br(1)), modelgate.EINVALID, "backref-range"),
		c("backref-not-int", model(tb, doc("tag", "backref", "ref", "1"), f32), modelgate.EINVALID, "field-kind"),
		c("backref-chain", model(tb, br(1), br(2), f32), modelgate.EINVALID, "backref-chain"),
		c("backref-self-chain", model(tb, br(1), br(1)), modelgate.EINVALID, "backref-chain"),
		c("backrefs-not-array", enc(tb, doc("model", int64(1), "_backrefs", doc("a", int64(1)))), modelgate.EINVALID, "bad-backrefs"),
		{"backref-cycle-refused", selfCycle, juliabson.Limits{RefuseCycles: true}, modelgate.EUNSUPPORTED, "backref-cycle"},
		// tags
		c("top-level-tag", enc(tb, doc("tag", "ref", "path", strs("Base", "run"))), modelgate.EUNSUPPORTED, "top-level-tag"),
		c("unknown-tag", model(tb, doc("tag", "eval", "code", "run(`id`)")), modelgate.EUNSUPPORTED, "unknown-tag"),
		c("tag-not-string", model(tb, doc("tag", int64(1))), modelgate.EUNSUPPORTED, "unknown-tag"),
		c("tag-extra-field", model(tb, doc("tag", "symbol", "name", "x", "extra", int64(1))), modelgate.EINVALID, "tag-fields"),
		c("tag-missing-field", model(tb, doc("tag", "struct", "type", f32)), modelgate.EINVALID, "tag-fields"),
		c("symbol-name-int", model(tb, doc("tag", "symbol", "name", int64(3))), modelgate.EINVALID, "field-kind"),
		c("tuple-data-doc", model(tb, doc("tag", "tuple", "data", doc("0", int64(1)))), modelgate.EINVALID, "field-kind"),
		c("datatype-empty-name", model(tb, dt()), modelgate.EINVALID, "empty-path"),
		c("datatype-name-int", model(tb, doc("tag", "datatype", "name", bson.A{"Core", int64(1)}, "params", bson.A{})), modelgate.EINVALID, "field-kind"),
		c("datatype-name-empty-string", model(tb, dt("Core", "")), modelgate.EINVALID, "field-kind"),
		c("datatype-params-string", model(tb, doc("tag", "datatype", "name", strs("Core", "Any"), "params", "x")), modelgate.EINVALID, "field-kind"),
		c("datatype-params-float-blob", model(tb, doc("tag", "datatype", "name", strs("Flux", "MaxPool"), "params", arr(dt("Core", "Float64"), []int64{1}, i64bytes(1)))), modelgate.EUNSUPPORTED, "datatype-params"),
		c("datatype-params-matrix-blob", model(tb, doc("tag", "datatype", "name", strs("Flux", "MaxPool"), "params", arr(dt("Core", "Int64"), []int64{1, 1}, i64bytes(1)))), modelgate.EINVALID, "datatype-params"),
		c("ref-empty", model(tb, ref()), modelgate.EINVALID, "empty-path"),
		// structs and primitives
		c("struct-type-symbol", model(tb, st(sym("Float32"))), modelgate.EINVALID, "struct-type"),
		c("struct-type-int", model(tb, st(int64(4))), modelgate.EINVALID, "struct-type"),
		c("struct-data-string", model(tb, doc("tag", "struct", "type", f32, "data", "abcd")), modelgate.EINVALID, "field-kind"),
		c("float32-3-bytes", model(tb, prim(f32, []byte{1, 2, 3})), modelgate.EINVALID, "primitive-width"),
		c("float32-8-bytes", model(tb, prim(f32, make([]byte, 8))), modelgate.EINVALID, "primitive-width"),
		c("float16-4-bytes", model(tb, prim(dt("Core", "Float16"), make([]byte, 4))), modelgate.EINVALID, "primitive-width"),
		c("float64-4-bytes", model(tb, prim(dt("Main", "Core", "Float64"), make([]byte, 4))), modelgate.EINVALID, "primitive-width"),
		c("int64-4-bytes", model(tb, prim(dt("Core", "Int64"), make([]byte, 4))), modelgate.EINVALID, "primitive-width"),
		c("bool-2-bytes", model(tb, prim(dt("Core", "Bool"), make([]byte, 2))), modelgate.EINVALID, "primitive-width"),
		c("char-2-bytes", model(tb, prim(dt("Core", "Char"), make([]byte, 2))), modelgate.EINVALID, "primitive-width"),
		c("ptr-5-bytes", model(tb, prim(dtp([]string{"Core", "Ptr"}, dt("Core", "Nothing")), make([]byte, 5))), modelgate.EINVALID, "primitive-width"),
		c("float32-as-fields", model(tb, st(f32, 1.5)), modelgate.EINVALID, "primitive-width"),
		c("float32-via-backref-wrong-width", model(tb, prim(br(1), make([]byte, 2)), f32), modelgate.EINVALID, "primitive-width"),
		c("complex-as-bytes", model(tb, prim(dtp([]string{"Base", "Complex"}, f32), make([]byte, 8))), modelgate.EINVALID, "primitive-width"),
		c("anonymous-as-bytes", model(tb, prim(anon(nil), make([]byte, 8))), modelgate.EINVALID, "primitive-width"),
		// arrays
		c("array-negative-dim", model(tb, arr(f32, []int64{-1}, []byte{})), modelgate.EINVALID, "array-size"),
		c("array-dim-not-int", model(tb, doc("tag", "array", "type", f32, "size", bson.A{"2"}, "data", f32bytes(1, 2))), modelgate.EINVALID, "array-size"),
		c("array-dims-overflow", model(tb, arr(f32, []int64{1 << 40, 1 << 40}, f32bytes(1))), modelgate.EINVALID, "array-size"),
		c("array-bytes-overflow", model(tb, arr(f32, []int64{1 << 31, 1 << 31, 1 << 0}, f32bytes(1))), modelgate.EINVALID, "array-size"),
		c("array-huge-declared", model(tb, arr(f32, []int64{1 << 30, 1 << 30}, f32bytes(1))), modelgate.EINVALID, "array-size"),
		c("array-short-data", model(tb, arr(f32, []int64{3}, f32bytes(1, 2))), modelgate.EINVALID, "array-size"),
		c("array-long-data", model(tb, arr(f32, []int64{1}, f32bytes(1, 2))), modelgate.EINVALID, "array-size"),
		c("array-empty-dims-short", model(tb, arr(f32, []int64{}, []byte{})), modelgate.EINVALID, "array-size"),
		c("array-boxed-count", model(tb, arr(dt("Core", "Any"), []int64{1 << 40}, bson.A{int64(1)})), modelgate.EINVALID, "array-size"),
		c("array-rank", model(tb, arr(f32, make([]int64, 33), []byte{})), modelgate.ELIMIT, "rank"),
		c("array-elem-user-type", model(tb, arr(dt("Main", "Evil"), []int64{1}, []byte{1, 2, 3, 4})), modelgate.EUNSUPPORTED, "array-elem-type"),
		c("array-elem-ptr", model(tb, arr(dtp([]string{"Core", "Ptr"}, f32), []int64{1}, make([]byte, 8))), modelgate.EUNSUPPORTED, "array-elem-type"),
		c("array-elem-base-alias", model(tb, arr(dt("Base", "Float32"), []int64{1}, f32bytes(1))), modelgate.EUNSUPPORTED, "array-elem-type"),
		c("array-elem-symbol", model(tb, arr(sym("Float32"), []int64{1}, f32bytes(1))), modelgate.EUNSUPPORTED, "array-elem-type"),
		c("array-elem-param-float", model(tb, arr(dtp([]string{"Core", "Float32"}, int64(1)), []int64{1}, f32bytes(1))), modelgate.EUNSUPPORTED, "array-elem-type"),
		c("array-bits-type-boxed", model(tb, arr(f32, []int64{1}, bson.A{1.0})), modelgate.EINVALID, "array-data"),
		c("array-data-int", model(tb, arr(f32, []int64{1}, int64(7))), modelgate.EINVALID, "field-kind"),
		// budgets
		{"too-many-nodes", model(tb, tup(int64(1), int64(2), int64(3))), juliabson.Limits{MaxNodes: 3}, modelgate.ELIMIT, "too-many-nodes"},
		{"rank-limit", model(tb, arr(f32, []int64{1, 1, 1}, f32bytes(1))), juliabson.Limits{MaxRank: 2}, modelgate.ELIMIT, "rank"},
		{"bson-depth", nestedTuples(1000), lenient, modelgate.ELIMIT, "depth"},
	}
}

// nestedTuples returns {model: tuple(tuple(...(1)...))} nested depth times,
// built iteratively: each level is a tuple document and its data array.
func nestedTuples(depth int) []byte {
	// One level: doc{ "tag": "tuple", "data": [ <inner> ] }.
	tagEl := []byte("\x02tag\x00\x06\x00\x00\x00tuple\x00")
	innermost := []byte("\x12model\x00\x01\x00\x00\x00\x00\x00\x00\x00") // placeholder replaced below
	_ = innermost
	leaf := []byte("\x120\x00\x01\x00\x00\x00\x00\x00\x00\x00") // "0": int64 1
	// Sizes from the inside out.
	sizes := make([]int, depth+1) // sizes[k] = bytes of the tuple document at level k (1 = innermost)
	arrLen := func(content int) int { return 4 + content + 1 }
	for k := 1; k <= depth; k++ {
		var inner int
		if k == 1 {
			inner = len(leaf)
		} else {
			inner = 1 + 2 + sizes[k-1] // "\x03" "0\x00" doc
		}
		sizes[k] = 4 + len(tagEl) + 1 + 5 + arrLen(inner) + 1
	}
	total := 4 + 1 + 6 + sizes[depth] + 1
	b := make([]byte, 0, total)
	b = binary.LittleEndian.AppendUint32(b, uint32(total))
	b = append(b, "\x03model\x00"...)
	for k := depth; k >= 1; k-- {
		b = binary.LittleEndian.AppendUint32(b, uint32(sizes[k]))
		b = append(b, tagEl...)
		b = append(b, "\x04data\x00"...)
		if k == 1 {
			b = binary.LittleEndian.AppendUint32(b, uint32(arrLen(len(leaf))))
			b = append(b, leaf...)
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(arrLen(3+sizes[k-1])))
			b = append(b, "\x030\x00"...)
		}
	}
	// Close: per level the array's NUL then the document's NUL.
	for k := 1; k <= depth; k++ {
		b = append(b, 0, 0)
	}
	return append(b, 0)
}

func TestHostile(t *testing.T) {
	t.Parallel()
	for _, c := range hostileCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, err := juliabson.Parse(c.data, c.lim)
			if err == nil {
				t.Fatalf("accepted: keys %v", g.Keys())
			}
			wantRule(t, err, c.code, c.rule)
		})
	}
}

// TestHostileNoOverAllocation: no hostile input makes Parse+Build allocate
// much more than its size. Not parallel, so MemStats see only this.
func TestHostileNoOverAllocation(t *testing.T) {
	for _, c := range hostileCases(t) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = juliabson.Parse(c.data, c.lim)
		runtime.ReadMemStats(&after)
		budget := uint64(64<<10 + 256*len(c.data))
		if got := after.TotalAlloc - before.TotalAlloc; got > budget {
			t.Errorf("%s: allocated %d bytes for %d input bytes", c.name, got, len(c.data))
		}
	}
}

func TestDeepNesting(t *testing.T) {
	t.Parallel()
	const depth = 200_000
	data := nestedTuples(depth)
	start := time.Now()
	_, err := juliabson.Parse(data, juliabson.Limits{})
	wantRule(t, err, modelgate.ELIMIT, "depth")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
	// With the BSON depth limit lifted, Build and Walk must cope without
	// recursion (a recursive walk would overflow the stack here). -short
	// keeps the refusal above but builds 20k levels only.
	if testing.Short() {
		data = nestedTuples(depth / 10)
	}
	g, err := juliabson.Parse(data, juliabson.Limits{BSON: bson.Limits{MaxDepth: 2*depth + 10}})
	if err != nil {
		t.Fatal(err)
	}
	n, deepest := 0, 0
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		n++
		if _, ok := v.(*juliabson.Int); ok {
			deepest = at.Depth()
		}
		return true
	})
	levels := depth
	if testing.Short() {
		levels = depth / 10
	}
	if n != levels+1 || deepest != 1+levels {
		t.Fatalf("walked %d nodes (want %d), leaf path length %d", n, levels+1, deepest)
	}
	t.Logf("%d nested tuples: built and walked in %v", levels, time.Since(start))
}

func TestCycles(t *testing.T) {
	t.Parallel()
	two := model(t, br(1), st(dt("Main", "A"), br(2)), st(dt("Main", "B"), br(1)), st(dt("Main", "C"), br(2)))
	cases := []struct {
		name string
		data []byte
		want []int
	}{
		{"self", model(t, br(1), st(dt("Main", "Node"), br(1))), []int{1}},
		{"two", two, []int{1, 2}},
		{"none", model(t, tup(br(1), br(1)), st(dt("Main", "A"), br(2)), dt("Core", "Int64")), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, err := juliabson.Parse(c.data, juliabson.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(g.Cycles, c.want) {
				t.Fatalf("cycles %v, want %v", g.Cycles, c.want)
			}
			n := 0
			g.Walk(func(*juliabson.Path, juliabson.Value) bool { n++; return n < 1000 })
			if n >= 1000 {
				t.Fatal("walk does not terminate")
			}
			_, err = juliabson.Parse(c.data, juliabson.Limits{RefuseCycles: true})
			if c.want == nil && err != nil {
				t.Fatal(err)
			}
			if c.want != nil {
				wantRule(t, err, modelgate.EUNSUPPORTED, "backref-cycle")
			}
		})
	}
}
