package juliabson_test

import (
	"errors"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/internal/bsontest"
	"github.com/modelgate/modelgate/juliabson"
)

// FuzzBuild parses and builds any input: no panic, typed errors, and on
// success a graph whose invariants hold and whose walk terminates.
func FuzzBuild(f *testing.F) {
	extra := [][]byte{gadget50(f), evilIR(f)}
	for _, c := range hostileCases(f) {
		extra = append(extra, c.data)
	}
	if bsontest.AddSeeds(f, corpusFiles(f), extra, 32<<10) == 0 {
		f.Fatal("no seeds")
	}
	lim := juliabson.Limits{BSON: bson.Limits{MaxElements: 1 << 16}}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := juliabson.Parse(data, lim)
		if err != nil {
			var me *modelgate.Error
			if !errors.As(err, &me) || me.Rule == "" || me.Code == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		checkInvariants(t, g)
	})
}

func checkInvariants(t *testing.T, g *juliabson.Graph) {
	visited := 0
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		visited++
		if visited > g.Nodes {
			t.Fatalf("walk visited more than the %d nodes built", g.Nodes)
		}
		_ = v.Meta().Where()
		switch v := v.(type) {
		case *juliabson.Array:
			if v.Elem != nil && int64(len(v.Data)) != v.Len()*int64(v.Elem.Width) {
				t.Fatalf("%s: %d bytes for %v of %s", v.Path(), len(v.Data), v.Dims, v.Elem.Name)
			}
			if v.Elem == nil && int64(len(v.Elems)) != v.Len() {
				t.Fatalf("%s: %d values for %v", v.Path(), len(v.Elems), v.Dims)
			}
			if v.Elem != nil && v.Elem.Kind == juliabson.KindFloat {
				if fs, err := v.Float32s(); err != nil || int64(len(fs)) != v.Len() {
					t.Fatalf("%s: Float32s: %v", v.Path(), err)
				}
			}
		case *juliabson.Struct:
			if v.Prim != nil && len(v.Bits) != v.Prim.Width {
				t.Fatalf("%s: %d bytes for %s", v.Path(), len(v.Bits), v.Prim.Name)
			}
			if v.Type == nil {
				t.Fatalf("%s: struct without type", v.Path())
			}
		case *juliabson.Backref:
			if v.Target == nil {
				t.Fatalf("%s: unresolved backref", v.Path())
			}
		case *juliabson.DataType:
			if len(v.Names) == 0 {
				t.Fatalf("%s: datatype without name", v.Path())
			}
		}
		return true
	})
}
