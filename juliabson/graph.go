package juliabson

import (
	"strings"

	"github.com/modelgate/modelgate/bson"
)

// Value is one node of the graph. The concrete types are *Nothing, *Bool,
// *Int, *Float, *String, *Bytes, *Symbol, *Dict, *Vector, *Tuple, *SVec,
// *Ref, *DataType, *UnionAll, *Bottom, *Anonymous, *Struct, *Array and
// *Backref. Use a type switch; [Children] lists a node's children and
// [Walk] visits a graph without looping.
type Value interface {
	// Meta returns the node's location data.
	Meta() *Node
}

// Node is the location data every value carries.
type Node struct {
	// Loc is where the value sits in the file, from a top-level key (or
	// "_backrefs/N" with N the 1-based backref number), e.g.
	// "model/0/1/params/2". See the package documentation for the segments.
	Loc *Path
	// Raw is the BSON value the node was built from; Raw.Offset is its byte
	// offset in the file.
	Raw bson.Value
}

// Meta implements Value.
func (n *Node) Meta() *Node { return n }

// Path returns Loc as a string (see [Path.String]).
func (n *Node) Path() string { return n.Loc.String() }

// Where returns "path (byte N)" for error messages and findings.
func (n *Node) Where() string { return where(n.Loc, n.Raw.Offset) }

// Nothing is Julia's nothing (BSON null).
type Nothing struct{ Node }

// Bool is a Julia Bool stored as a BSON bool.
type Bool struct {
	Node
	V bool
}

// Int is an Int64 or Int32 stored as a BSON int64 or int32.
type Int struct {
	Node
	V    int64
	Is32 bool // stored as a BSON int32 (Julia Int32)
}

// Float is a Float64 stored as a BSON double.
type Float struct {
	Node
	V float64
}

// String is a Julia String.
type String struct {
	Node
	V string
}

// Bytes is a Julia Vector{UInt8}, which BSON.jl stores as a bare BSON
// binary. V is a sub-slice of the input.
type Bytes struct {
	Node
	V []byte
}

// Symbol is a Julia Symbol ({tag: "symbol", name}).
type Symbol struct {
	Node
	Name string
}

// Dict is an untagged BSON document, which BSON.jl reads as a
// Dict{Symbol,Any}. Keys and Values are parallel, in file order.
type Dict struct {
	Node
	Keys   []string
	Values []Value
}

// Lookup returns the value under key.
func (d *Dict) Lookup(key string) (Value, bool) {
	for i, k := range d.Keys {
		if k == key {
			return d.Values[i], true
		}
	}
	return nil, false
}

// Vector is a plain BSON array, which BSON.jl reads as a Vector{Any}.
type Vector struct {
	Node
	Elems []Value
}

// Tuple is a Julia Tuple ({tag: "tuple", data}).
type Tuple struct {
	Node
	Elems []Value
}

// SVec is a Core.SimpleVector ({tag: "svec", data}).
type SVec struct {
	Node
	Elems []Value
}

// Ref names a module or a global binding by path ({tag: "ref", path}). A
// ref can name any global, functions included: it is data here, but the
// scanner must judge every one.
type Ref struct {
	Node
	Names    []string // module path plus binding name, normalized like DataType.Names
	RawNames []string // as written
}

// Name returns the normalized path joined with dots, e.g. "Base.run".
func (r *Ref) Name() string { return strings.Join(r.Names, ".") }

// DataType is a type ({tag: "datatype", name, params}).
type DataType struct {
	Node
	// Names is the module path plus the type name, normalized: a leading
	// "Main" before "Base" or "Core" is dropped (old writers), so Float32 is
	// always ["Core", "Float32"]. User types stay under "Main".
	Names    []string
	RawNames []string // as written
	// Params are the type parameters (types, integers, symbols, tuples...).
	// When the file stores them as an array-tagged blob (Flux.MaxPool{2,4}),
	// they are decoded into *Int values and ParamsArray holds the blob
	// ([Children] then lists the blob, not the decoded values).
	Params      []Value
	ParamsArray *Array

	blob Value // the params blob while building
}

// Name returns the normalized path joined with dots, e.g. "Flux.Dense".
func (t *DataType) Name() string { return strings.Join(t.Names, ".") }

// TypeName returns the last path element, e.g. "Dense" or "#relu".
func (t *DataType) TypeName() string { return t.Names[len(t.Names)-1] }

// Module returns the module path joined with dots, e.g. "Flux".
func (t *DataType) Module() string { return strings.Join(t.Names[:len(t.Names)-1], ".") }

// UnionAll is a UnionAll type ({tag: "unionall", var, body}).
type UnionAll struct {
	Node
	Var  Value
	Body Value
}

// Bottom is Union{} ({tag: "jl_bottom_type"}).
type Bottom struct{ Node }

// Anonymous is the type of an anonymous function or closure
// ({tag: "jl_anonymous", typename, params}). TypeName is normally a
// Core.TypeName struct whose fields carry Method structs with lowered IR
// (Core.CodeInfo, Expr, GlobalRef, SlotNumber, SSAValue, ReturnNode). It
// is kept as inert data, never interpreted; Raw holds the BSON subtree.
type Anonymous struct {
	Node
	TypeName Value
	Params   []Value
}

// Struct is any other value ({tag: "struct", type, data}): fields by
// position, or for a primitive bits type the raw little-endian bytes.
type Struct struct {
	Node
	Type   Value   // a *DataType or *Anonymous, possibly behind a *Backref
	Fields []Value // non-nil (possibly empty) unless the data is bytes
	// Bits holds the data of a primitive type (Float32, Char, Ptr, ...): a
	// sub-slice of the input. Prim describes the type when it is one of the
	// known primitives (the width was then checked exactly); it is nil for
	// unknown primitive types, which stay as opaque bytes.
	Bits []byte
	Prim *BitsType
}

// IsBits reports whether the struct's data was raw bytes rather than
// fields. With Prim == nil the bytes belong to a type Build does not know
// (CUDA.CuPtr, a user primitive type, or a non-primitive type given bytes,
// which BSON.jl would splat into fields): callers must refuse to interpret
// them.
func (s *Struct) IsBits() bool { return s.Fields == nil }

// DataType returns the struct's type when it is a datatype (through a
// backref if needed), else nil.
func (s *Struct) DataType() *DataType {
	t, _ := Deref(s.Type).(*DataType)
	return t
}

// TypeName returns the full normalized name of the struct's type
// ("Flux.Dense"), or "" when its type is not a datatype (an anonymous
// function's type, for example).
func (s *Struct) TypeName() string {
	if t := s.DataType(); t != nil {
		return t.Name()
	}
	return ""
}

// Array is a Julia Array ({tag: "array", type, size, data}).
type Array struct {
	Node
	Type Value   // the element type as written (possibly a *Backref)
	Dims []int64 // Julia dimensions, column-major; all >= 0
	// Elem is set for arrays of bits types: Data then holds
	// product(Dims) * Elem.Width bytes of little-endian column-major memory
	// (a sub-slice of the input). Otherwise the array is boxed and Elems
	// holds product(Dims) values (Elems is then non-nil, possibly empty).
	Elem  *BitsType
	Data  []byte
	Elems []Value
}

// Backref points at a shared value: entry Ref (1-based) of the top-level
// _backrefs array. Target is that entry's node; it is the same node for
// every backref with the same number, and it can lead back to the backref
// (cycles are represented, not followed: see [Graph.Cycles]).
type Backref struct {
	Node
	Ref    int
	Target Value
}

// Deref returns v's target when v is a *Backref, else v. Backref chains do
// not exist (Build refuses them), so one step suffices.
func Deref(v Value) Value {
	if b, ok := v.(*Backref); ok {
		return b.Target
	}
	return v
}

// Entry is one top-level key of the file and its value.
type Entry struct {
	Key   string
	Value Value
}

// Graph is the inert object graph of one BSON.jl file.
type Graph struct {
	// Top lists the top-level keys in file order, without "_backrefs".
	Top []Entry
	// Backrefs are the entries of the top-level _backrefs array;
	// Backrefs[i] is the target of backref number i+1.
	Backrefs []Value
	// Cycles lists the backref numbers (1-based) that lie on a cycle: a
	// value that contains, directly or through other backrefs, a reference
	// to itself. BSON.jl writes these for mutable objects that refer to
	// themselves (an anonymous function's TypeName refers to itself through
	// its methods' signatures). Empty for acyclic files.
	Cycles []int
	// Nodes is the number of nodes built.
	Nodes int
}

// Lookup returns the value of a top-level key.
func (g *Graph) Lookup(key string) (Value, bool) {
	for _, e := range g.Top {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// Keys returns the top-level keys in file order, without "_backrefs".
func (g *Graph) Keys() []string {
	ks := make([]string, len(g.Top))
	for i, e := range g.Top {
		ks[i] = e.Key
	}
	return ks
}
