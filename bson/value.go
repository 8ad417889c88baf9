package bson

import (
	"math"
	"strconv"
)

// Kind is a BSON element type byte. Only the nine types BSON.jl writes exist.
type Kind byte

// The element types [Parse] accepts. Every other type byte is refused.
const (
	KindDouble   Kind = 0x01 // IEEE 754 binary64
	KindString   Kind = 0x02 // UTF-8 string
	KindDocument Kind = 0x03 // embedded document
	KindArray    Kind = 0x04 // embedded document with keys "0", "1", ...
	KindBinary   Kind = 0x05 // bytes, subtype 0x00 only
	KindBool     Kind = 0x08 // 0x00 or 0x01
	KindNull     Kind = 0x0A // no payload
	KindInt32    Kind = 0x10 // little-endian int32
	KindInt64    Kind = 0x12 // little-endian int64
)

// String returns the BSON spec name of the kind ("double", "int64", ...).
func (k Kind) String() string {
	switch k {
	case KindDouble:
		return "double"
	case KindString:
		return "string"
	case KindDocument:
		return "document"
	case KindArray:
		return "array"
	case KindBinary:
		return "binary"
	case KindBool:
		return "bool"
	case KindNull:
		return "null"
	case KindInt32:
		return "int32"
	case KindInt64:
		return "int64"
	}
	return "type 0x" + strconv.FormatUint(uint64(k), 16)
}

// Value is one parsed BSON value. Kind says which accessor is meaningful;
// the accessors return the zero value (and false where there is a bool
// result) for any other kind. Values are immutable after [Parse].
type Value struct {
	Kind   Kind
	Offset int64 // byte offset of the value's first byte in the input

	bits uint64    // KindDouble (IEEE bits), KindInt32/KindInt64 (two's complement), KindBool (0/1)
	raw  []byte    // KindString (without the NUL) or KindBinary payload: sub-slice of the input
	doc  *Document // KindDocument and KindArray
}

// Float64 returns a Double's value.
func (v Value) Float64() (float64, bool) {
	if v.Kind != KindDouble {
		return 0, false
	}
	return math.Float64frombits(v.bits), true
}

// Int returns the value of an Int32 or Int64 element.
func (v Value) Int() (int64, bool) {
	if v.Kind != KindInt32 && v.Kind != KindInt64 {
		return 0, false
	}
	return int64(v.bits), true
}

// Boolean returns a Bool's value.
func (v Value) Boolean() (bool, bool) {
	if v.Kind != KindBool {
		return false, false
	}
	return v.bits != 0, true
}

// Str returns a String's value (valid UTF-8, no NUL bytes).
func (v Value) Str() (string, bool) {
	if v.Kind != KindString {
		return "", false
	}
	return string(v.raw), true
}

// Bytes returns a Binary's payload. It is a sub-slice of the input given to
// [Parse] (no copy): callers must not modify it.
func (v Value) Bytes() ([]byte, bool) {
	if v.Kind != KindBinary {
		return nil, false
	}
	return v.raw, true
}

// Doc returns the embedded document of a Document or Array value.
func (v Value) Doc() (*Document, bool) {
	if v.Kind != KindDocument && v.Kind != KindArray {
		return nil, false
	}
	return v.doc, true
}

// Element is one key/value pair of a document. For arrays the keys are
// "0", "1", ... in order.
type Element struct {
	Key    string
	Offset int64 // byte offset of the element's type byte in the input
	Value  Value
}

// Document is a parsed BSON document or array: its elements in file order.
// Keys are unique (Parse refuses duplicates).
type Document struct {
	Offset   int64 // byte offset of the document's length prefix
	Length   int32 // declared (and verified) length in bytes
	IsArray  bool  // true for a BSON array
	Elements []Element

	index map[string]int // key -> position, for large documents
}

// Len returns the number of elements.
func (d *Document) Len() int { return len(d.Elements) }

// Lookup returns the value stored under key.
func (d *Document) Lookup(key string) (Value, bool) {
	if d.index != nil {
		i, ok := d.index[key]
		if !ok {
			return Value{}, false
		}
		return d.Elements[i].Value, true
	}
	for i := range d.Elements {
		if d.Elements[i].Key == key {
			return d.Elements[i].Value, true
		}
	}
	return Value{}, false
}

// Keys returns the keys in file order.
func (d *Document) Keys() []string {
	ks := make([]string, len(d.Elements))
	for i := range d.Elements {
		ks[i] = d.Elements[i].Key
	}
	return ks
}

// Values returns the values in file order (for arrays: by index).
func (d *Document) Values() []Value {
	vs := make([]Value, len(d.Elements))
	for i := range d.Elements {
		vs[i] = d.Elements[i].Value
	}
	return vs
}
