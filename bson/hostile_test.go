package bson_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
)

type hostileCase struct {
	name string
	data []byte
	lim  bson.Limits
	code string
	rule string
}

// raw builds a document from literal element bytes, computing its length.
func raw(elems ...string) []byte {
	body := []byte{}
	for _, e := range elems {
		body = append(body, e...)
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(body)+5))
	return append(append(b, body...), 0)
}

func i32(n int32) string { return string(binary.LittleEndian.AppendUint32(nil, uint32(n))) }

// nested returns depth documents nested under key "a", iteratively built.
func nested(depth int) []byte {
	b := make([]byte, 0, 5+8*depth)
	for k := depth; k >= 1; k-- {
		b = binary.LittleEndian.AppendUint32(b, uint32(5+8*k))
		b = append(b, 0x03, 'a', 0)
	}
	b = append(b, 5, 0, 0, 0, 0)
	return append(b, make([]byte, depth)...)
}

func hostileCases(tb testing.TB) []hostileCase {
	ok := mustEncode(tb, bson.D{{"a", int32(1)}, {"s", "hi"}})
	manyKeys := bson.D{}
	for i := range 40 {
		manyKeys = append(manyKeys, bson.E{Key: fmt.Sprint("k", i), Value: i})
	}
	manyKeys = append(manyKeys, bson.E{Key: "k7", Value: "different"})
	withStr := mustEncode(tb, bson.D{{"s", "abc"}})
	noNulStr := bytes.Clone(withStr)
	noNulStr[len(noNulStr)-2] = 'x'
	inner := mustEncode(tb, bson.D{{"d", bson.D{{"x", int32(1)}}}})
	badTerm := bytes.Clone(ok)
	badTerm[len(badTerm)-1] = 1
	longer := append(putLen(ok, 0, int32(len(ok)+1)), 0)
	trail := append(bytes.Clone(ok), 0)

	return []hostileCase{
		{"empty", nil, bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"four-bytes", []byte{5, 0, 0, 0}, bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"length-below-5", putLen(ok, 0, 4), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"length-negative", putLen(ok, 0, -1), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"length-huge", putLen(ok, 0, 0x7fffffff), bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"trailing-bytes", trail, bson.Limits{}, modelgate.EINVALID, "trailing-bytes"},
		{"terminator-not-nul", badTerm, bson.Limits{}, modelgate.EINVALID, "missing-nul"},
		{"declared-longer-than-content", longer, bson.Limits{}, modelgate.EINVALID, "length-mismatch"},
		{"child-longer-than-parent", putLen(inner, 7, 13), bson.Limits{}, modelgate.EINVALID, "length-mismatch"},
		{"child-shorter-than-content", putLen(inner, 7, 11), bson.Limits{}, modelgate.EINVALID, "length-mismatch"},
		{"child-length-huge", putLen(inner, 7, 0x7fffffff), bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"child-length-small", putLen(inner, 7, 3), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"key-without-nul", raw("\x0aab"), bson.Limits{}, modelgate.EINVALID, "missing-nul"},
		{"key-invalid-utf8", raw("\x0a\xff\xfe\x00"), bson.Limits{}, modelgate.EINVALID, "invalid-utf8"},
		{"string-invalid-utf8", raw("\x02s\x00" + i32(3) + "\xc3\x28\x00"), bson.Limits{}, modelgate.EINVALID, "invalid-utf8"},
		{"string-without-nul", noNulStr, bson.Limits{}, modelgate.EINVALID, "missing-nul"},
		{"string-length-zero", raw("\x02s\x00" + i32(0)), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"string-length-negative", raw("\x02s\x00" + i32(-7) + "ab\x00"), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"string-length-huge", raw("\x02s\x00" + i32(0x7fffffff) + "ab\x00"), bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"string-past-document", raw("\x03d\x00"+i32(12)+"\x02s\x00"+i32(4)+"ab\x00", "\x0az\x00"), bson.Limits{}, modelgate.EINVALID, "length-mismatch"},
		{"binary-length-huge", raw("\x05b\x00" + i32(0x7fffffff) + "\x00abc"), bson.Limits{}, modelgate.EINVALID, "truncated"},
		{"binary-length-negative", raw("\x05b\x00" + i32(-1) + "\x00abc"), bson.Limits{}, modelgate.EINVALID, "bad-length"},
		{"binary-subtype-2", raw("\x05b\x00" + i32(3) + "\x02abc"), bson.Limits{}, modelgate.EUNSUPPORTED, "binary-subtype"},
		{"binary-subtype-80", raw("\x05b\x00" + i32(0) + "\x80"), bson.Limits{}, modelgate.EUNSUPPORTED, "binary-subtype"},
		{"bool-2", raw("\x08b\x00\x02"), bson.Limits{}, modelgate.EINVALID, "invalid-bool"},
		{"array-key-starts-at-1", raw("\x04a\x00" + string(raw("\x0a1\x00"))), bson.Limits{}, modelgate.EINVALID, "bad-array-key"},
		{"array-key-leading-zero", raw("\x04a\x00" + string(raw("\x0a0\x00", "\x0a01\x00"))), bson.Limits{}, modelgate.EINVALID, "bad-array-key"},
		{"array-key-name", raw("\x04a\x00" + string(raw("\x0ax\x00"))), bson.Limits{}, modelgate.EINVALID, "bad-array-key"},
		{"duplicate-key-last-differs", mustEncode(tb, bson.D{{"model", int32(1)}, {"model", "evil"}}), bson.Limits{}, modelgate.EINVALID, "duplicate-key"},
		{"duplicate-key-many-keys", mustEncode(tb, manyKeys), bson.Limits{}, modelgate.EINVALID, "duplicate-key"},
		{"duplicate-key-nested", mustEncode(tb, bson.D{{"d", bson.D{{"tag", "struct"}, {"tag", "ref"}}}}), bson.Limits{}, modelgate.EINVALID, "duplicate-key"},
		{"type-undefined", raw("\x06u\x00"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-objectid", raw("\x07o\x00" + "123456789012"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-datetime", raw("\x09t\x00" + "12345678"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-regex", raw("\x0br\x00a\x00b\x00"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-javascript", raw("\x0dj\x00" + i32(2) + "x\x00"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-timestamp", raw("\x11t\x00" + "12345678"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-decimal128", raw("\x13d\x00" + "1234567890123456"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-minkey", raw("\xffm\x00"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"type-maxkey", raw("\x7fm\x00"), bson.Limits{}, modelgate.EUNSUPPORTED, "unsupported-element-type"},
		{"depth-200k", nested(200_000), bson.Limits{}, modelgate.ELIMIT, "depth"},
		{"depth-limit", nested(10), bson.Limits{MaxDepth: 10}, modelgate.ELIMIT, "depth"},
		{"too-many-elements", mustEncode(tb, manyKeys[:40]), bson.Limits{MaxElements: 39}, modelgate.ELIMIT, "too-many-elements"},
		{"too-many-nested-elements", nested(50), bson.Limits{MaxElements: 49}, modelgate.ELIMIT, "too-many-elements"},
	}
}

func TestHostile(t *testing.T) {
	t.Parallel()
	for _, c := range hostileCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc, err := bson.Parse(c.data, c.lim)
			if err == nil {
				t.Fatalf("accepted: %d elements", doc.Len())
			}
			wantRule(t, err, c.code, c.rule)
		})
	}
}

// TestHostileNoOverAllocation checks that no hostile input makes Parse
// allocate much more than the input's own size, whatever it declares. It is
// not parallel, so the memory statistics see only Parse.
func TestHostileNoOverAllocation(t *testing.T) {
	for _, c := range hostileCases(t) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = bson.Parse(c.data, c.lim)
		runtime.ReadMemStats(&after)
		budget := uint64(64<<10 + 64*len(c.data))
		if got := after.TotalAlloc - before.TotalAlloc; got > budget {
			t.Errorf("%s: allocated %d bytes for %d input bytes (budget %d)", c.name, got, len(c.data), budget)
		}
	}
}

// TestDeepNestingIsIterative parses 200,000 nested documents with the depth
// limit lifted: it must neither overflow the stack nor take long, and the
// iterative encoder must reproduce the bytes.
func TestDeepNestingIsIterative(t *testing.T) {
	t.Parallel()
	data := nested(200_000)
	start := time.Now()
	doc, err := bson.Parse(data, bson.Limits{MaxDepth: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc.AppendTo(nil), data) {
		t.Fatal("re-encoding differs")
	}
	t.Logf("200k levels parsed and re-encoded in %v", time.Since(start))
	start = time.Now()
	_, err = bson.Parse(data, bson.Limits{})
	wantRule(t, err, modelgate.ELIMIT, "depth")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing 200k levels took %v", d)
	}
}

func TestErrorWhere(t *testing.T) {
	t.Parallel()
	data := mustEncode(t, bson.D{{"a", int32(1)}, {"a", int32(2)}})
	_, err := bson.Parse(data, bson.Limits{})
	var me *modelgate.Error
	if !asError(err, &me) || me.Where != "byte 12" {
		t.Fatalf("error %v, want Where byte 12", err)
	}
}

func asError(err error, target **modelgate.Error) bool {
	e, ok := err.(*modelgate.Error)
	if ok {
		*target = e
	}
	return ok
}
