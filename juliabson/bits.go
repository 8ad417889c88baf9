package juliabson

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/modelgate/modelgate"
)

// BitsKind classifies a known bits type.
type BitsKind uint8

// The kinds of known bits types.
const (
	KindFloat    BitsKind = iota + 1 // Float16, Float32, Float64
	KindSigned                       // Int8 ... Int128
	KindUnsigned                     // UInt8 ... UInt128
	KindBool                         // Bool (one byte, 0 or 1 in valid data)
	KindChar                         // Char (four bytes, UTF-8 in Julia's encoding)
	KindComplex                      // Complex{Float16/32/64}: re then im
	KindPointer                      // Ptr{T}: a raw address, never meaningful in a file
	KindNothing                      // Nothing: zero bytes (Zygote's IdSet stores Array{Nothing})
)

// BitsType describes one of the closed set of bits types Build knows: the
// element types allowed in bits arrays and the primitive types whose
// struct data is checked for width.
type BitsType struct {
	Name  string // "Float32", "Int64", "ComplexF32", "Ptr", ...
	Width int    // bytes per value
	Kind  BitsKind
}

// IsPointer reports whether values of this type are raw addresses.
func (b *BitsType) IsPointer() bool { return b.Kind == KindPointer }

var (
	bitsFloat16 = &BitsType{"Float16", 2, KindFloat}
	bitsFloat32 = &BitsType{"Float32", 4, KindFloat}
	bitsFloat64 = &BitsType{"Float64", 8, KindFloat}
)

// primitives maps normalized type names of Julia primitive types to their
// description. Only these have their struct data width-checked.
var primitives = map[string]*BitsType{
	"Core.Float16": bitsFloat16,
	"Core.Float32": bitsFloat32,
	"Core.Float64": bitsFloat64,
	"Core.Int8":    {"Int8", 1, KindSigned},
	"Core.Int16":   {"Int16", 2, KindSigned},
	"Core.Int32":   {"Int32", 4, KindSigned},
	"Core.Int64":   {"Int64", 8, KindSigned},
	"Core.Int128":  {"Int128", 16, KindSigned},
	"Core.UInt8":   {"UInt8", 1, KindUnsigned},
	"Core.UInt16":  {"UInt16", 2, KindUnsigned},
	"Core.UInt32":  {"UInt32", 4, KindUnsigned},
	"Core.UInt64":  {"UInt64", 8, KindUnsigned},
	"Core.UInt128": {"UInt128", 16, KindUnsigned},
	"Core.Bool":    {"Bool", 1, KindBool},
	"Core.Char":    {"Char", 4, KindChar},
}

var (
	ptr64 = &BitsType{"Ptr", 8, KindPointer}
	ptr32 = &BitsType{"Ptr", 4, KindPointer}
)

// nothingType is the one zero-width element type allowed in bits arrays.
var nothingType = &BitsType{"Nothing", 0, KindNothing}

var complexOf = map[*BitsType]*BitsType{
	bitsFloat16: {"ComplexF16", 4, KindComplex},
	bitsFloat32: {"ComplexF32", 8, KindComplex},
	bitsFloat64: {"ComplexF64", 16, KindComplex},
}

// primitiveOf returns the description of t if it is a known primitive type
// (Ptr{T} included, any T). For Ptr the width is chosen by the data length:
// 8 (64-bit writer) or 4 (32-bit writer).
func primitiveOf(t *DataType, n int) *BitsType {
	name := t.Name()
	if name == "Core.Ptr" {
		if n == 4 {
			return ptr32
		}
		return ptr64
	}
	if len(t.Params) != 0 {
		return nil
	}
	return primitives[name]
}

// arrayElemOf returns the bits type of a bits array's element type, or nil
// when it is not in the allow-list: the primitives above except pointers,
// plus Base.Complex of Float16/32/64 and the zero-width Core.Nothing.
func arrayElemOf(v Value) *BitsType {
	t, ok := Deref(v).(*DataType)
	if !ok {
		return nil
	}
	if t.Name() == "Base.Complex" && len(t.Params) == 1 {
		if p, ok := Deref(t.Params[0]).(*DataType); ok && len(p.Params) == 0 {
			return complexOf[primitives[p.Name()]]
		}
		return nil
	}
	if len(t.Params) != 0 {
		return nil
	}
	if t.Name() == "Core.Nothing" {
		return nothingType
	}
	return primitives[t.Name()]
}

// Len returns the number of elements, the product of Dims (checked at
// build time).
func (a *Array) Len() int64 {
	n := int64(1)
	for _, d := range a.Dims {
		n *= d
	}
	return n
}

// RowMajorShape returns Dims reversed: a column-major array with Julia
// dimensions (d1, ..., dn) has the bytes of a row-major array of shape
// (dn, ..., d1).
func (a *Array) RowMajorShape() []int64 {
	s := make([]int64, len(a.Dims))
	for i, d := range a.Dims {
		s[len(s)-1-i] = d
	}
	return s
}

func (a *Array) errKind(want string) error {
	got := "boxed"
	if a.Elem != nil {
		got = a.Elem.Name
	}
	return &modelgate.Error{Code: modelgate.EUNSUPPORTED, Where: a.Where(), Rule: "array-elem-type",
		Message: fmt.Sprintf("array of %s where %s is needed", got, want)}
}

// Float32s returns the elements of a Float16, Float32 or Float64 array as
// float32, in column-major order (Float64 values are rounded).
func (a *Array) Float32s() ([]float32, error) {
	if a.Elem == nil || a.Elem.Kind != KindFloat {
		return nil, a.errKind("a float array")
	}
	out := make([]float32, a.Len())
	w := a.Elem.Width
	for i := range out {
		b := a.Data[i*w:]
		switch w {
		case 2:
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(b))
		case 4:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
		default:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	}
	return out, nil
}

// Float64s returns the elements of a float array as float64.
func (a *Array) Float64s() ([]float64, error) {
	f32 := a.Elem != nil && a.Elem.Kind == KindFloat && a.Elem.Width < 8
	if f32 {
		fs, err := a.Float32s()
		if err != nil {
			return nil, err
		}
		out := make([]float64, len(fs))
		for i, f := range fs {
			out[i] = float64(f)
		}
		return out, nil
	}
	if a.Elem == nil || a.Elem.Kind != KindFloat {
		return nil, a.errKind("a float array")
	}
	out := make([]float64, a.Len())
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(a.Data[8*i:]))
	}
	return out, nil
}

// Int64s returns the elements of an integer or Bool array as int64. UInt64
// values above math.MaxInt64 and 128-bit integers outside the int64 range
// are errors.
func (a *Array) Int64s() ([]int64, error) {
	if a.Elem == nil || (a.Elem.Kind != KindSigned && a.Elem.Kind != KindUnsigned && a.Elem.Kind != KindBool) {
		return nil, a.errKind("an integer array")
	}
	out := make([]int64, a.Len())
	w := a.Elem.Width
	for i := range out {
		n, ok := decodeInt(a.Data[i*w:(i+1)*w], a.Elem.Kind)
		if !ok {
			return nil, &modelgate.Error{Code: modelgate.EUNSUPPORTED, Where: a.Where(), Rule: "int-range",
				Message: fmt.Sprintf("element %d does not fit in an int64", i)}
		}
		out[i] = n
	}
	return out, nil
}

// decodeInt decodes a little-endian integer of 1 to 16 bytes.
func decodeInt(b []byte, kind BitsKind) (int64, bool) {
	signed := kind == KindSigned
	switch len(b) {
	case 1:
		if signed {
			return int64(int8(b[0])), true
		}
		return int64(b[0]), true
	case 2:
		u := binary.LittleEndian.Uint16(b)
		if signed {
			return int64(int16(u)), true
		}
		return int64(u), true
	case 4:
		u := binary.LittleEndian.Uint32(b)
		if signed {
			return int64(int32(u)), true
		}
		return int64(u), true
	case 8:
		u := binary.LittleEndian.Uint64(b)
		return int64(u), signed || u <= math.MaxInt64
	case 16:
		lo, hi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
		n := int64(lo)
		if signed {
			return n, (n >= 0 && hi == 0) || (n < 0 && hi == math.MaxUint64)
		}
		return n, hi == 0 && lo <= math.MaxInt64
	}
	return 0, false
}

// Float16ToFloat32 converts IEEE 754 binary16 bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalize
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
