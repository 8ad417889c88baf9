package juliabson

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// Child is one outgoing edge of a node: the path segment and the value.
type Child struct {
	Name  string
	Value Value
}

// Children returns v's children in order. A *Backref has none: its Target
// is reached by [Walk], which guards against cycles. Type children are named
// "type", "params/N", "typename", "body" and "var"; positional children
// "N"; Dict entries by their key (JSON-pointer escaped).
func Children(v Value) []Child {
	var out []Child
	add := func(name string, x Value) {
		if x != nil {
			out = append(out, Child{name, x})
		}
	}
	list := func(prefix string, xs []Value) {
		for i, x := range xs {
			add(prefix+strconv.Itoa(i), x)
		}
	}
	switch v := v.(type) {
	case *Dict:
		for i, k := range v.Keys {
			add(escape(k), v.Values[i])
		}
	case *Vector:
		list("", v.Elems)
	case *Tuple:
		list("", v.Elems)
	case *SVec:
		list("", v.Elems)
	case *DataType:
		if v.ParamsArray != nil {
			add("params", v.ParamsArray)
		} else {
			list("params/", v.Params)
		}
	case *UnionAll:
		add("var", v.Var)
		add("body", v.Body)
	case *Anonymous:
		add("typename", v.TypeName)
		list("params/", v.Params)
	case *Struct:
		add("type", v.Type)
		list("", v.Fields)
	case *Array:
		add("type", v.Type)
		list("", v.Elems)
	}
	return out
}

// Walk visits every node reachable from root, depth first in pre-order,
// without recursion. fn gets the path from the walk's start (at, extended
// by one segment per step; a backref's target is visited at the backref's
// own path) and the node; it returns false to skip the node's children.
// Backref targets are visited once per Walk, so shared and cyclic graphs
// terminate.
func Walk(root Value, at *Path, fn func(at *Path, v Value) bool) {
	w := walker{seen: map[Value]bool{}}
	w.walk(root, at, fn)
}

// Walk visits the whole graph: every top-level value (at its key), then
// every _backrefs entry not yet reached (at "_backrefs/N"). Each node is
// visited once. See the function [Walk].
func (g *Graph) Walk(fn func(at *Path, v Value) bool) {
	w := walker{seen: map[Value]bool{}}
	for _, e := range g.Top {
		w.walk(e.Value, Root(escape(e.Key)), fn)
	}
	refs := Root("_backrefs")
	for i, v := range g.Backrefs {
		if !w.seen[v] {
			w.seen[v] = true
			w.walk(v, refs.Index(i+1), fn)
		}
	}
}

type walker struct{ seen map[Value]bool }

type visit struct {
	at *Path
	v  Value
}

func (w *walker) walk(root Value, at *Path, fn func(*Path, Value) bool) {
	stack := []visit{{at, root}}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.v == nil || !fn(x.at, x.v) {
			continue
		}
		if br, ok := x.v.(*Backref); ok {
			if br.Target != nil && !w.seen[br.Target] {
				w.seen[br.Target] = true
				stack = append(stack, visit{x.at, br.Target})
			}
			continue
		}
		cs := Children(x.v)
		for i := len(cs) - 1; i >= 0; i-- {
			stack = append(stack, visit{childPath(x.at, cs[i].Name), cs[i].Value})
		}
	}
}

// childPath extends at by a child name, which may hold two segments
// ("params/N").
func childPath(at *Path, name string) *Path {
	if rest, ok := strings.CutPrefix(name, "params/"); ok {
		return at.Child("params").Child(rest)
	}
	return at.Child(name)
}

// KindName returns a short lower-case name for v's concrete type:
// "nothing", "bool", "int", "float", "string", "bytes", "symbol", "dict",
// "vector", "tuple", "svec", "ref", "datatype", "unionall", "bottom",
// "anonymous", "struct", "array", "backref" (or "nil").
func KindName(v Value) string { return kindName(v) }

func kindName(v Value) string {
	switch v.(type) {
	case *Nothing:
		return "nothing"
	case *Bool:
		return "bool"
	case *Int:
		return "int"
	case *Float:
		return "float"
	case *String:
		return "string"
	case *Bytes:
		return "bytes"
	case *Symbol:
		return "symbol"
	case *Dict:
		return "dict"
	case *Vector:
		return "vector"
	case *Tuple:
		return "tuple"
	case *SVec:
		return "svec"
	case *Ref:
		return "ref"
	case *DataType:
		return "datatype"
	case *UnionAll:
		return "unionall"
	case *Bottom:
		return "bottom"
	case *Anonymous:
		return "anonymous"
	case *Struct:
		return "struct"
	case *Array:
		return "array"
	case *Backref:
		return "backref"
	}
	return "nil"
}

// AsInt returns v (through a backref) as an integer: a BSON int32/int64,
// or a primitive struct of a known integer type that fits in an int64.
func AsInt(v Value) (int64, bool) {
	switch v := Deref(v).(type) {
	case *Int:
		return v.V, true
	case *Struct:
		if v.Prim != nil && (v.Prim.Kind == KindSigned || v.Prim.Kind == KindUnsigned) {
			return decodeInt(v.Bits, v.Prim.Kind)
		}
	}
	return 0, false
}

// AsFloat returns v (through a backref) as a float64: a BSON double, a
// BSON integer, or a primitive struct of a known float or integer type
// (Flux stores ϵ, momentum and p as Float32 structs).
func AsFloat(v Value) (float64, bool) {
	switch x := Deref(v).(type) {
	case *Float:
		return x.V, true
	case *Int:
		return float64(x.V), true
	case *Struct:
		if x.Prim == nil {
			return 0, false
		}
		switch x.Prim.Kind {
		case KindFloat:
			switch x.Prim.Width {
			case 2:
				return float64(Float16ToFloat32(binary.LittleEndian.Uint16(x.Bits))), true
			case 4:
				return float64(math.Float32frombits(binary.LittleEndian.Uint32(x.Bits))), true
			}
			return math.Float64frombits(binary.LittleEndian.Uint64(x.Bits)), true
		case KindSigned, KindUnsigned:
			n, ok := AsInt(x)
			return float64(n), ok
		}
	}
	return 0, false
}

// AsBool returns v (through a backref) as a bool: a BSON bool or a Bool
// primitive struct holding 0x00 or 0x01.
func AsBool(v Value) (bool, bool) {
	switch x := Deref(v).(type) {
	case *Bool:
		return x.V, true
	case *Struct:
		if x.Prim != nil && x.Prim.Kind == KindBool && x.Bits[0] <= 1 {
			return x.Bits[0] == 1, true
		}
	}
	return false, false
}

// AsInts returns the integers of a tuple, vector or svec of integers, or
// of an integer array.
func AsInts(v Value) ([]int64, bool) {
	var elems []Value
	switch x := Deref(v).(type) {
	case *Tuple:
		elems = x.Elems
	case *Vector:
		elems = x.Elems
	case *SVec:
		elems = x.Elems
	case *Array:
		if x.Elem != nil {
			ns, err := x.Int64s()
			return ns, err == nil
		}
		elems = x.Elems
	default:
		return nil, false
	}
	out := make([]int64, len(elems))
	for i, e := range elems {
		n, ok := AsInt(e)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// AsSymbol returns the name of a *Symbol (through a backref).
func AsSymbol(v Value) (string, bool) {
	s, ok := Deref(v).(*Symbol)
	if !ok {
		return "", false
	}
	return s.Name, true
}

// AsString returns the value of a *String (through a backref).
func AsString(v Value) (string, bool) {
	s, ok := Deref(v).(*String)
	if !ok {
		return "", false
	}
	return s.V, true
}

// TypeOf returns the datatype of a struct value (through backrefs), or nil.
func TypeOf(v Value) *DataType {
	s, ok := Deref(v).(*Struct)
	if !ok {
		return nil
	}
	return s.DataType()
}
