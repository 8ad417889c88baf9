package bson_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/internal/bsontest"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// sharedCorpus returns the shared Flux BSON corpus directory, or "".
func sharedCorpus(tb testing.TB) string { return bsontest.SharedCorpus(tb) }

// mustEncode encodes d or fails the test.
func mustEncode(tb testing.TB, d bson.D) []byte {
	tb.Helper()
	b, err := bson.Encode(d)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// wantRule checks that err is a *modelgate.Error with the given code and rule.
func wantRule(tb testing.TB, err error, code, rule string) { bsontest.WantRule(tb, err, code, rule) }

// putLen overwrites the int32 at off.
func putLen(b []byte, off int, n int32) []byte {
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint32(c[off:], uint32(n))
	return c
}

// sameAsCore checks that our tree and bsoncore's view of the same bytes
// agree element by element. It recurses: callers pass trees within the
// default depth limit.
func sameAsCore(tb testing.TB, d *bson.Document, cd bsoncore.Document) {
	tb.Helper()
	els, err := cd.Elements()
	if err != nil {
		tb.Fatalf("bsoncore elements: %v", err)
	}
	if len(els) != len(d.Elements) {
		tb.Fatalf("document at byte %d: %d elements, bsoncore has %d", d.Offset, len(d.Elements), len(els))
	}
	for i, ce := range els {
		e := d.Elements[i]
		if ce.Key() != e.Key {
			tb.Fatalf("byte %d: key %q, bsoncore %q", e.Offset, e.Key, ce.Key())
		}
		sameValue(tb, e, ce.Value())
	}
}

func sameValue(tb testing.TB, e bson.Element, cv bsoncore.Value) {
	tb.Helper()
	v := e.Value
	if bsontype.Type(v.Kind) != cv.Type {
		tb.Fatalf("byte %d: kind %v, bsoncore %v", e.Offset, v.Kind, cv.Type)
	}
	ok := true
	switch v.Kind {
	case bson.KindDouble:
		f, _ := v.Float64()
		g := cv.Double()
		ok = f == g || (f != f && g != g)
	case bson.KindString:
		s, _ := v.Str()
		ok = s == cv.StringValue()
	case bson.KindBinary:
		b, _ := v.Bytes()
		sub, cb := cv.Binary()
		ok = sub == 0 && bytes.Equal(b, cb)
	case bson.KindBool:
		b, _ := v.Boolean()
		ok = b == cv.Boolean()
	case bson.KindInt32:
		n, _ := v.Int()
		ok = n == int64(cv.Int32())
	case bson.KindInt64:
		n, _ := v.Int()
		ok = n == cv.Int64()
	case bson.KindDocument:
		sub, _ := v.Doc()
		sameAsCore(tb, sub, cv.Document())
	case bson.KindArray:
		sub, _ := v.Doc()
		sameAsCore(tb, sub, bsoncore.Document(cv.Array()))
	}
	if !ok {
		tb.Fatalf("byte %d: value of key %q differs from bsoncore's", e.Offset, e.Key)
	}
}
