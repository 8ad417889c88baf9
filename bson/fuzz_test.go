package bson_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/internal/bsontest"
	"go.mongodb.org/mongo-driver/x/bsonx/bsoncore"
)

// FuzzParse checks, on any input, that Parse does not panic, that every
// error is a *modelgate.Error, and that an accepted document re-encodes to
// the same bytes and is read identically by mongo-driver's bsoncore (the
// differential oracle; bsoncore accepts a superset of our grammar).
func FuzzParse(f *testing.F) {
	var extra [][]byte
	for _, c := range hostileCases(f) {
		extra = append(extra, c.data)
	}
	if bsontest.AddSeeds(f, corpusFiles(f), nil, 32<<10)+bsontest.AddSeeds(f, nil, extra, 64<<10) == 0 {
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
