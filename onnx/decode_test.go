package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file is an independent, test-only reader of the protobuf wire format
// and of the ONNX messages the exporter writes. It decodes every field
// generically and refuses malformed encodings, so a test can check the
// structure the exporter produced.

// field is one decoded protobuf field.
type field struct {
	num   protowire.Number
	typ   protowire.Type
	v     uint64 // varint, fixed32 or fixed64 value
	bytes []byte // length-delimited value
}

// fields decodes one message.
func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		default:
			return nil, fmt.Errorf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			return nil, fmt.Errorf("field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		out = append(out, f)
	}
	return out, nil
}

// decoded ONNX structures.
type (
	dModel struct {
		irVersion int64
		producer  string
		opsets    map[string]int64
		graph     dGraph
		metadata  map[string]string
	}
	dGraph struct {
		name    string
		nodes   []dNode
		inits   []dTensor
		inputs  []dValue
		outputs []dValue
	}
	dNode struct {
		op, name string
		in, out  []string
		attrs    map[string]dAttr
	}
	dAttr struct {
		typ     int64
		f       float32
		i       int64
		s       string
		floats  []float32
		ints    []int64
		strings []string
	}
	dTensor struct {
		name  string
		dims  []int64
		dtype int64
		raw   []byte
	}
	dValue struct {
		name     string
		elemType int64
		dims     []string // "N" or a number
	}
)

// f32 returns the tensor's float32 data.
func (t dTensor) f32() []float32 {
	out := make([]float32, len(t.raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
	}
	return out
}

// i64 returns the tensor's int64 data.
func (t dTensor) i64() []int64 {
	out := make([]int64, len(t.raw)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.raw[8*i:]))
	}
	return out
}

// elems is the product of the dims.
func (t dTensor) elems() int64 {
	n := int64(1)
	for _, d := range t.dims {
		n *= d
	}
	return n
}

func wantType(f field, typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("field %d has wire type %d, want %d", f.num, f.typ, typ)
	}
	return nil
}

// decodeModel decodes a ModelProto. Unknown fields are errors: the exporter
// must write only the fields this reader knows.
func decodeModel(b []byte) (*dModel, error) {
	fs, err := fields(b)
	if err != nil {
		return nil, err
	}
	m := &dModel{opsets: map[string]int64{}, metadata: map[string]string{}}
	graphs := 0
	for _, f := range fs {
		switch f.num {
		case modelIRVersion:
			m.irVersion = int64(f.v)
		case modelProducerName:
			m.producer = string(f.bytes)
		case modelProducerVersion, modelDocString:
		case modelGraph:
			graphs++
			if m.graph, err = decodeGraph(f.bytes); err != nil {
				return nil, fmt.Errorf("graph: %w", err)
			}
		case modelOpsetImport:
			kv, err := decodePair(f.bytes, opsetDomain, opsetVersion)
			if err != nil {
				return nil, err
			}
			m.opsets[kv.s] = kv.i
		case modelMetadataProps:
			kv, err := decodePair(f.bytes, entryKey, entryValue)
			if err != nil {
				return nil, err
			}
			m.metadata[kv.s] = kv.s2
		default:
			return nil, fmt.Errorf("model: unknown field %d", f.num)
		}
		if err := wantType(f, map[bool]protowire.Type{true: protowire.VarintType, false: protowire.BytesType}[f.num == modelIRVersion]); err != nil {
			return nil, err
		}
	}
	if graphs != 1 {
		return nil, fmt.Errorf("model has %d graphs", graphs)
	}
	return m, nil
}

type pair struct {
	s, s2 string
	i     int64
}

// decodePair decodes a message with a string field k and a string or
// varint field v.
func decodePair(b []byte, k, v protowire.Number) (pair, error) {
	fs, err := fields(b)
	if err != nil {
		return pair{}, err
	}
	var p pair
	for _, f := range fs {
		switch {
		case f.num == k && f.typ == protowire.BytesType:
			p.s = string(f.bytes)
		case f.num == v && f.typ == protowire.BytesType:
			p.s2 = string(f.bytes)
		case f.num == v && f.typ == protowire.VarintType:
			p.i = int64(f.v)
		default:
			return p, fmt.Errorf("pair: unexpected field %d", f.num)
		}
	}
	return p, nil
}

func decodeGraph(b []byte) (dGraph, error) {
	var g dGraph
	fs, err := fields(b)
	if err != nil {
		return g, err
	}
	for _, f := range fs {
		if err := wantType(f, protowire.BytesType); err != nil {
			return g, err
		}
		switch f.num {
		case graphNode:
			n, err := decodeNode(f.bytes)
			if err != nil {
				return g, err
			}
			g.nodes = append(g.nodes, n)
		case graphName:
			g.name = string(f.bytes)
		case graphInitializer:
			t, err := decodeTensor(f.bytes)
			if err != nil {
				return g, err
			}
			g.inits = append(g.inits, t)
		case graphInput, graphOutput:
			v, err := decodeValue(f.bytes)
			if err != nil {
				return g, err
			}
			if f.num == graphInput {
				g.inputs = append(g.inputs, v)
			} else {
				g.outputs = append(g.outputs, v)
			}
		default:
			return g, fmt.Errorf("graph: unknown field %d", f.num)
		}
	}
	return g, nil
}

func decodeNode(b []byte) (dNode, error) {
	n := dNode{attrs: map[string]dAttr{}}
	fs, err := fields(b)
	if err != nil {
		return n, err
	}
	for _, f := range fs {
		if err := wantType(f, protowire.BytesType); err != nil {
			return n, err
		}
		switch f.num {
		case nodeInput:
			n.in = append(n.in, string(f.bytes))
		case nodeOutput:
			n.out = append(n.out, string(f.bytes))
		case nodeName:
			n.name = string(f.bytes)
		case nodeOpType:
			n.op = string(f.bytes)
		case nodeAttribute:
			name, a, err := decodeAttr(f.bytes)
			if err != nil {
				return n, err
			}
			if _, dup := n.attrs[name]; dup {
				return n, fmt.Errorf("node %s: duplicate attribute %q", n.op, name)
			}
			n.attrs[name] = a
		default:
			return n, fmt.Errorf("node: unknown field %d", f.num)
		}
	}
	return n, nil
}

func decodeAttr(b []byte) (string, dAttr, error) {
	var a dAttr
	var name string
	fs, err := fields(b)
	if err != nil {
		return "", a, err
	}
	set := 0
	for _, f := range fs {
		switch {
		case f.num == attrName && f.typ == protowire.BytesType:
			name = string(f.bytes)
		case f.num == attrType && f.typ == protowire.VarintType:
			a.typ = int64(f.v)
		case f.num == attrF && f.typ == protowire.Fixed32Type:
			a.f, set = math.Float32frombits(uint32(f.v)), set|1<<attrTypeFloat
		case f.num == attrI && f.typ == protowire.VarintType:
			a.i, set = int64(f.v), set|1<<attrTypeInt
		case f.num == attrS && f.typ == protowire.BytesType:
			a.s, set = string(f.bytes), set|1<<attrTypeString
		case f.num == attrFloats && f.typ == protowire.Fixed32Type:
			a.floats, set = append(a.floats, math.Float32frombits(uint32(f.v))), set|1<<attrTypeFloats
		case f.num == attrInts && f.typ == protowire.VarintType:
			a.ints, set = append(a.ints, int64(f.v)), set|1<<attrTypeInts
		case f.num == attrStrings && f.typ == protowire.BytesType:
			a.strings, set = append(a.strings, string(f.bytes)), set|1<<attrTypeStrings
		default:
			return "", a, fmt.Errorf("attribute %q: unexpected field %d type %d", name, f.num, f.typ)
		}
	}
	// Exactly the member the type names is present (empty lists allowed).
	if set&^(1<<a.typ) != 0 || (set == 0 && a.typ != attrTypeInts && a.typ != attrTypeFloats) {
		return "", a, fmt.Errorf("attribute %q: type %d but members %b", name, a.typ, set)
	}
	return name, a, nil
}

func decodeTensor(b []byte) (dTensor, error) {
	var t dTensor
	fs, err := fields(b)
	if err != nil {
		return t, err
	}
	for _, f := range fs {
		switch {
		case f.num == tensorDims && f.typ == protowire.VarintType:
			t.dims = append(t.dims, int64(f.v))
		case f.num == tensorDataType && f.typ == protowire.VarintType:
			t.dtype = int64(f.v)
		case f.num == tensorName && f.typ == protowire.BytesType:
			t.name = string(f.bytes)
		case f.num == tensorRawData && f.typ == protowire.BytesType:
			t.raw = f.bytes
		default:
			return t, fmt.Errorf("tensor %q: unexpected field %d", t.name, f.num)
		}
	}
	size := map[int64]int64{dtFloat: 4, dtInt64: 8}[t.dtype]
	if size == 0 || int64(len(t.raw)) != size*t.elems() {
		return t, fmt.Errorf("tensor %q: dtype %d, dims %v, %d raw bytes", t.name, t.dtype, t.dims, len(t.raw))
	}
	return t, nil
}

func decodeValue(b []byte) (dValue, error) {
	var v dValue
	fs, err := fields(b)
	if err != nil {
		return v, err
	}
	for _, f := range fs {
		switch f.num {
		case valueName:
			v.name = string(f.bytes)
		case valueType:
			if err := v.decodeType(f.bytes); err != nil {
				return v, err
			}
		default:
			return v, fmt.Errorf("value: unknown field %d", f.num)
		}
	}
	return v, nil
}

func (v *dValue) decodeType(b []byte) error {
	fs, err := fields(b)
	if err != nil || len(fs) != 1 || fs[0].num != typeTensor {
		return fmt.Errorf("type: want one tensor_type (%v)", err)
	}
	if fs, err = fields(fs[0].bytes); err != nil {
		return err
	}
	for _, f := range fs {
		switch f.num {
		case tensorElemType:
			v.elemType = int64(f.v)
		case tensorShape:
			dims, err := fields(f.bytes)
			if err != nil {
				return err
			}
			for _, d := range dims {
				df, err := fields(d.bytes)
				if err != nil || len(df) != 1 {
					return fmt.Errorf("dim: %v", err)
				}
				if df[0].num == dimParam {
					v.dims = append(v.dims, string(df[0].bytes))
				} else {
					v.dims = append(v.dims, fmt.Sprint(df[0].v))
				}
			}
		default:
			return fmt.Errorf("tensor type: unknown field %d", f.num)
		}
	}
	return nil
}
