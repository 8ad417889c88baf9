package scan

import (
	"strings"

	"github.com/modelgate/modelgate/juliabson"
)

// optimiserTree reports whether a NamedTuple's first leaf struct is an
// Optimisers.Leaf (the state of Optimisers.setup).
func optimiserTree(v juliabson.Value) bool {
	found := false
	juliabson.Walk(v, nil, func(_ *juliabson.Path, x juliabson.Value) bool {
		if found {
			return false
		}
		if t := juliabson.TypeOf(x); t != nil && t.Name() == "Optimisers.Leaf" {
			found = true
		}
		return true
	})
	return found
}

// classifyKeys fills ModelKeys and ParamKeys and the key-level notes.
func (s *scanner) classifyKeys(g *juliabson.Graph) {
	for _, e := range g.Top {
		v := juliabson.Deref(e.Value)
		switch {
		case isModel(v):
			s.r.ModelKeys = append(s.r.ModelKeys, e.Key)
		case isParams(v):
			s.r.ParamKeys = append(s.r.ParamKeys, e.Key)
		}
	}
	models := len(s.r.ModelKeys) + len(s.r.ParamKeys)
	for _, e := range g.Top {
		v := juliabson.Deref(e.Value)
		if isModel(v) || isParams(v) {
			continue
		}
		switch {
		case plainValue(v):
			if models > 0 {
				s.add(Warning, "extra-key", e.Key, e.Key, "top-level key %q holds a plain %s, not part of the model; ignored", e.Key, juliabson.KindName(v))
			}
		case optimiser(v):
			s.add(Note, "optimiser-state", e.Key, e.Key, "top-level key %q holds optimiser state; ignored", e.Key)
		default:
			if models > 0 {
				s.add(Warning, "extra-key", e.Key, e.Key, "top-level key %q holds a %s that is not a model; ignored", e.Key, describe(v))
			}
		}
	}
	if models == 0 {
		s.add(Warning, "no-model", "", "(file)", "the file holds no Flux model and no weights (keys: %s)", strings.Join(g.Keys(), ", "))
	}
}

func describe(v juliabson.Value) string {
	if t := juliabson.TypeOf(v); t != nil {
		return t.Name()
	}
	return juliabson.KindName(v)
}

// isModel reports whether v is an allow-listed Flux layer.
func isModel(v juliabson.Value) bool {
	t := juliabson.TypeOf(v)
	return t != nil && LayerType(t.Name())
}

// isParams reports whether v is a weights-only list: Zygote.Params, or a
// non-empty vector whose elements are all float arrays (possibly Tracker
// wrapped).
func isParams(v juliabson.Value) bool {
	if t := juliabson.TypeOf(v); t != nil {
		return t.Name() == "Zygote.Params"
	}
	vec, ok := v.(*juliabson.Vector)
	if !ok || len(vec.Elems) == 0 {
		return false
	}
	for _, e := range vec.Elems {
		if _, ok := FloatArray(e); !ok {
			return false
		}
	}
	return true
}

// FloatArray returns the float array v holds, unwrapping a Tracker
// TrackedArray (its data field), through backrefs.
func FloatArray(v juliabson.Value) (*juliabson.Array, bool) {
	v = juliabson.Deref(v)
	if st, ok := v.(*juliabson.Struct); ok {
		n := st.TypeName()
		if (n == "Tracker.TrackedArray" || n == "Flux.Tracker.TrackedArray") && len(st.Fields) == 3 {
			v = juliabson.Deref(st.Fields[1])
		}
	}
	a, ok := v.(*juliabson.Array)
	if !ok || a.Elem == nil || a.Elem.Kind != juliabson.KindFloat {
		return nil, false
	}
	return a, true
}

func plainValue(v juliabson.Value) bool {
	switch x := v.(type) {
	case *juliabson.Int, *juliabson.Float, *juliabson.String, *juliabson.Bool, *juliabson.Nothing, *juliabson.Symbol:
		return true
	case *juliabson.Struct:
		return x.Prim != nil && !x.Prim.IsPointer()
	}
	return false
}

func optimiser(v juliabson.Value) bool {
	t := juliabson.TypeOf(v)
	if t == nil {
		return false
	}
	n := t.Name()
	return strings.HasPrefix(n, "Flux.Optimise.") || strings.HasPrefix(n, "Optimisers.") || (n == "Core.NamedTuple" && optimiserTree(v))
}
