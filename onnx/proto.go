package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers from the public onnx.proto (proto2). Only the fields the
// exporter writes are listed.
const (
	modelIRVersion       = 1  // ModelProto.ir_version, int64
	modelProducerName    = 2  // ModelProto.producer_name, string
	modelProducerVersion = 3  // ModelProto.producer_version, string
	modelDocString       = 6  // ModelProto.doc_string, string
	modelGraph           = 7  // ModelProto.graph, GraphProto
	modelOpsetImport     = 8  // ModelProto.opset_import, OperatorSetIdProto
	modelMetadataProps   = 14 // ModelProto.metadata_props, StringStringEntryProto

	opsetDomain  = 1 // OperatorSetIdProto.domain, string
	opsetVersion = 2 // OperatorSetIdProto.version, int64

	entryKey   = 1 // StringStringEntryProto.key
	entryValue = 2 // StringStringEntryProto.value

	graphNode        = 1  // GraphProto.node, NodeProto
	graphName        = 2  // GraphProto.name, string
	graphInitializer = 5  // GraphProto.initializer, TensorProto
	graphInput       = 11 // GraphProto.input, ValueInfoProto
	graphOutput      = 12 // GraphProto.output, ValueInfoProto

	nodeInput     = 1 // NodeProto.input, string
	nodeOutput    = 2 // NodeProto.output, string
	nodeName      = 3 // NodeProto.name, string
	nodeOpType    = 4 // NodeProto.op_type, string
	nodeAttribute = 5 // NodeProto.attribute, AttributeProto

	attrName    = 1  // AttributeProto.name, string
	attrF       = 2  // AttributeProto.f, float
	attrI       = 3  // AttributeProto.i, int64
	attrS       = 4  // AttributeProto.s, bytes
	attrFloats  = 7  // AttributeProto.floats, repeated float
	attrInts    = 8  // AttributeProto.ints, repeated int64
	attrStrings = 9  // AttributeProto.strings, repeated bytes
	attrType    = 20 // AttributeProto.type, AttributeType

	tensorDims     = 1 // TensorProto.dims, repeated int64
	tensorDataType = 2 // TensorProto.data_type, int32
	tensorName     = 8 // TensorProto.name, string
	tensorRawData  = 9 // TensorProto.raw_data, bytes

	valueName = 1 // ValueInfoProto.name, string
	valueType = 2 // ValueInfoProto.type, TypeProto

	typeTensor     = 1 // TypeProto.tensor_type, TypeProto.Tensor
	tensorElemType = 1 // TypeProto.Tensor.elem_type, int32
	tensorShape    = 2 // TypeProto.Tensor.shape, TensorShapeProto
	shapeDim       = 1 // TensorShapeProto.dim, Dimension
	dimValue       = 1 // TensorShapeProto.Dimension.dim_value, int64
	dimParam       = 2 // TensorShapeProto.Dimension.dim_param, string
)

// AttributeProto.AttributeType values.
const (
	attrTypeFloat   = 1
	attrTypeInt     = 2
	attrTypeString  = 3
	attrTypeFloats  = 6
	attrTypeInts    = 7
	attrTypeStrings = 8
)

// TensorProto.DataType values.
const (
	dtFloat = 1
	dtInt64 = 7
)

// attr is one node attribute; typ selects the member that is used.
type attr struct {
	name    string
	typ     int
	f       float32
	i       int64
	s       string
	floats  []float32
	ints    []int64
	strings []string
}

func attrInt(name string, v int64) attr     { return attr{name: name, typ: attrTypeInt, i: v} }
func attrFloat(name string, v float32) attr { return attr{name: name, typ: attrTypeFloat, f: v} }
func attrString(name, v string) attr        { return attr{name: name, typ: attrTypeString, s: v} }
func attrIntList(name string, v []int64) attr {
	return attr{name: name, typ: attrTypeInts, ints: v}
}
func attrStringList(name string, v ...string) attr {
	return attr{name: name, typ: attrTypeStrings, strings: v}
}
func attrFloatList(name string, v []float32) attr {
	return attr{name: name, typ: attrTypeFloats, floats: v}
}

// node is one NodeProto.
type node struct {
	op    string
	name  string
	in    []string
	out   []string
	attrs []attr
}

// tensor is one initializer; data is float32 or int64 depending on dtype.
type tensor struct {
	name  string
	dims  []int64
	dtype int32
	f32   []float32
	i64   []int64
}

// valueInfo is a graph input or output: a float tensor whose first
// dimension is the symbolic batch "N".
type valueInfo struct {
	name  string
	shape []int // per-sample shape
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func encodeAttr(a attr) []byte {
	var b []byte
	b = appendString(b, attrName, a.name)
	switch a.typ {
	case attrTypeFloat:
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case attrTypeInt:
		b = appendVarint(b, attrI, uint64(a.i))
	case attrTypeString:
		b = appendString(b, attrS, a.s)
	case attrTypeFloats:
		for _, f := range a.floats {
			b = protowire.AppendTag(b, attrFloats, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	case attrTypeInts:
		for _, v := range a.ints {
			b = appendVarint(b, attrInts, uint64(v))
		}
	case attrTypeStrings:
		for _, v := range a.strings {
			b = appendString(b, attrStrings, v)
		}
	}
	return appendVarint(b, attrType, uint64(a.typ))
}

func encodeNode(n *node) []byte {
	var b []byte
	for _, s := range n.in {
		b = appendString(b, nodeInput, s)
	}
	for _, s := range n.out {
		b = appendString(b, nodeOutput, s)
	}
	if n.name != "" {
		b = appendString(b, nodeName, n.name)
	}
	b = appendString(b, nodeOpType, n.op)
	for _, a := range n.attrs {
		b = appendMessage(b, nodeAttribute, encodeAttr(a))
	}
	return b
}

// appendTensor appends the TensorProto t, with its data little-endian in
// raw_data, as field num of b.
func appendTensor(b []byte, num protowire.Number, t *tensor) []byte {
	var h []byte
	for _, d := range t.dims {
		h = appendVarint(h, tensorDims, uint64(d))
	}
	h = appendVarint(h, tensorDataType, uint64(t.dtype))
	h = appendString(h, tensorName, t.name)
	raw := 4 * len(t.f32)
	if t.dtype == dtInt64 {
		raw = 8 * len(t.i64)
	}
	size := len(h) + protowire.SizeTag(tensorRawData) + protowire.SizeBytes(raw)
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(size))
	b = append(b, h...)
	b = protowire.AppendTag(b, tensorRawData, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(raw))
	for _, f := range t.f32 {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
	}
	for _, v := range t.i64 {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// tensorSize is the encoded size of t as a field, an upper bound used to
// size the output buffer.
func tensorSize(t *tensor) int {
	n := 64 + len(t.name) + 11*len(t.dims)
	return n + 4*len(t.f32) + 8*len(t.i64)
}

func encodeValueInfo(v valueInfo) []byte {
	var shape []byte
	dim := appendString(nil, dimParam, "N")
	shape = appendMessage(shape, shapeDim, dim)
	for _, d := range v.shape {
		shape = appendMessage(shape, shapeDim, appendVarint(nil, dimValue, uint64(d)))
	}
	tt := appendVarint(nil, tensorElemType, dtFloat)
	tt = appendMessage(tt, tensorShape, shape)
	typ := appendMessage(nil, typeTensor, tt)
	b := appendString(nil, valueName, v.name)
	return appendMessage(b, valueType, typ)
}
