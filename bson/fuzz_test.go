package bson_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// FuzzParse checks, on any input, that Parse does not panic, that every
// error is a *modelgate.Error, and that an accepted document re-encodes to
// the same bytes and is read identically by mongo-driver's bsoncore (the
// differential oracle; bsoncore accepts a superset of our grammar).
func FuzzParse(f *testing.F) {
	seeds := 0
	for _, name := range corpusFiles(f) {
		if data, err := os.ReadFile(name); err == nil && len(data) < 32<<10 {
			f.Add(data)
			seeds++
		}
	}
	for _, c := range hostileCases(f) {
		if len(c.data) < 64<<10 {
			f.Add(c.data)
			seeds++
		}
	}
	if seeds == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := bson.Parse(data, bson.Limits{MaxElements: 1 << 16})
		if err != nil {
			var me *modelgate.Error
			if !errors.As(err, &me) || me.Rule == "" || me.Where == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(doc.AppendTo(nil), data) {
			t.Fatal("accepted input does not re-encode to itself")
		}
		if err := bsoncore.Document(data).Validate(); err != nil {
			t.Fatalf("we accept, bsoncore refuses: %v", err)
		}
		sameAsCore(t, doc, bsoncore.Document(data))
	})
}
