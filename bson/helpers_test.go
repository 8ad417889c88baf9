package bson_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"go.mongodb.org/mongo-driver/bson/bsontype"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// sharedCorpus returns ../shared/corpus/flux-bson relative to the
// repository root, or "" if it is absent.
func sharedCorpus(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus", "flux-bson")
	if _, err := os.Stat(c); err != nil {
		return ""
	}
	return c
}

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
func wantRule(tb testing.TB, err error, code, rule string) {
	tb.Helper()
	var me *modelgate.Error
	if !errors.As(err, &me) {
		tb.Fatalf("error %v (%T) is not a *modelgate.Error", err, err)
	}
	if me.Code != code || me.Rule != rule {
		tb.Fatalf("got code %q rule %q (%v), want code %q rule %q", me.Code, me.Rule, err, code, rule)
	}
}

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
