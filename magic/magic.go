// Package magic names the format of a model file from its first bytes,
// never from its file name. The scanner uses it to say what a file is
// before (or instead of) parsing it: a file misnamed ".bson" that is really
// a Julia Serialization stream, a JLD2/HDF5 file, a zip (PyTorch), a pickle
// and so on is named and refused as unsupported rather than half-parsed.
//
// Detection is a hint, not validation: a file detected as [BSON] must still
// pass bson.Parse. Detect reads at most [PrefixLen] bytes and never
// allocates.
package magic

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// PrefixLen is the number of leading bytes Detect looks at; passing more is
// harmless, passing fewer can only make the answer less specific.
const PrefixLen = 512

// Format is a stable identifier of a file format.
type Format string

// The formats Detect can name.
const (
	Unknown            Format = "unknown"             // none of the below
	Empty              Format = "empty"               // zero bytes
	BSON               Format = "bson"                // a plausible BSON document (BSON.jl or other)
	JuliaSerialization Format = "julia-serialization" // Julia's Serialization stdlib stream ("7JL")
	JLD2               Format = "jld2"                // JLD2 (HDF5-based Julia data format)
	JLD                Format = "jld"                 // the older JLD (HDF5 with a Julia user block)
	HDF5               Format = "hdf5"                // HDF5 (Keras .h5, MATLAB v7.3, ...)
	Zip                Format = "zip"                 // zip archive (PyTorch .pt/.pth, Keras 3 .keras, .npz)
	Pickle             Format = "pickle"              // Python pickle, protocol 2 or later
	Gzip               Format = "gzip"                // gzip stream
	Safetensors        Format = "safetensors"         // u64 header length + JSON header
	NumPy              Format = "numpy"               // .npy array
	GGUF               Format = "gguf"                // llama.cpp GGUF
	TFLite             Format = "tflite"              // TensorFlow Lite flatbuffer
	ONNX               Format = "onnx"                // protobuf that starts like an ONNX ModelProto
	JSON               Format = "json"                // JSON object or array text
)

// String returns the identifier.
func (f Format) String() string { return string(f) }

// Detect names the format of a file whose first bytes are prefix.
func Detect(prefix []byte) Format {
	if len(prefix) > PrefixLen {
		prefix = prefix[:PrefixLen]
	}
	if len(prefix) == 0 {
		return Empty
	}
	for _, m := range fixed {
		if m.off+len(m.magic) <= len(prefix) && bytes.Equal(prefix[m.off:m.off+len(m.magic)], m.magic) {
			return m.format
		}
	}
	switch {
	case isPickle(prefix):
		return Pickle
	case isSafetensors(prefix):
		return Safetensors
	case isBSON(prefix):
		return BSON
	case isJSON(prefix):
		return JSON
	case isONNX(prefix):
		return ONNX
	}
	return Unknown
}

// fixed lists magic numbers at fixed offsets, most specific first.
var fixed = [...]struct {
	off    int
	magic  []byte
	format Format
}{
	{0, []byte("7JL"), JuliaSerialization},
	{0, []byte("HDF5-based Julia Data Format"), JLD2},
	{0, []byte("Julia data file (HDF5)"), JLD},
	{0, []byte("\x89HDF\r\n\x1a\n"), HDF5},
	{512, []byte("\x89HDF\r\n\x1a\n"), HDF5},
	{0, []byte("PK\x03\x04"), Zip},
	{0, []byte("PK\x05\x06"), Zip},
	{0, []byte("\x1f\x8b"), Gzip},
	{0, []byte("\x93NUMPY"), NumPy},
	{0, []byte("GGUF"), GGUF},
	{4, []byte("TFL3"), TFLite},
}

// isPickle recognises the PROTO opcode (0x80) with protocol 2 to 5 followed
// by a plausible opcode.
func isPickle(p []byte) bool {
	return len(p) >= 3 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5 &&
		bytes.IndexByte([]byte("\x95}]()cq\x8c\x8a\x80KJMNXVUGIFL.\x94\x93"), p[2]) >= 0
}

// isSafetensors recognises a little-endian u64 header length of at most
// 100 MiB followed by '{'.
func isSafetensors(p []byte) bool {
	if len(p) < 9 {
		return false
	}
	n := binary.LittleEndian.Uint64(p)
	return n >= 2 && n <= 100<<20 && p[8] == '{'
}

// bsonTypes are the element type bytes of the BSON specification.
var bsonTypes = [256]bool{0x01: true, 0x02: true, 0x03: true, 0x04: true, 0x05: true, 0x06: true,
	0x07: true, 0x08: true, 0x09: true, 0x0A: true, 0x0B: true, 0x0C: true, 0x0D: true, 0x0E: true,
	0x0F: true, 0x10: true, 0x11: true, 0x12: true, 0x13: true, 0x7F: true, 0xFF: true}

// isBSON recognises a document length of at least 5 and either an empty
// document or a first element with a known type and a printable UTF-8 key.
func isBSON(p []byte) bool {
	if len(p) < 5 {
		return false
	}
	n := int32(binary.LittleEndian.Uint32(p))
	if n < 5 {
		return false
	}
	if p[4] == 0 {
		return n == 5
	}
	if !bsonTypes[p[4]] || n < 8 {
		return false
	}
	key := p[5:]
	if i := bytes.IndexByte(key, 0); i >= 0 {
		key = key[:i]
	} else if len(p) < PrefixLen {
		return false // the prefix is the whole file: the key must end in it
	} else {
		for k := 0; k < 3 && len(key) > 0 && !utf8.Valid(key); k++ {
			key = key[:len(key)-1] // a rune cut at the end of the prefix
		}
	}
	if !utf8.Valid(key) {
		return false
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// isJSON recognises text whose first non-space byte opens an object or
// array.
func isJSON(p []byte) bool {
	p = bytes.TrimPrefix(bytes.TrimLeft(p, " \t\r\n"), []byte("\xef\xbb\xbf"))
	if len(p) == 0 || (p[0] != '{' && p[0] != '[') {
		return false
	}
	rest := bytes.TrimLeft(p[1:], " \t\r\n")
	return len(rest) == 0 || bytes.IndexByte([]byte("\"{}[]-0123456789tfn"), rest[0]) >= 0
}

// isONNX recognises a protobuf starting with field 1 (ir_version, varint,
// 1..20) followed by another ModelProto field tag.
func isONNX(p []byte) bool {
	return len(p) >= 3 && p[0] == 0x08 && p[1] >= 1 && p[1] <= 20 &&
		bytes.IndexByte([]byte{0x12, 0x1a, 0x22, 0x2a, 0x32, 0x3a, 0x42}, p[2]) >= 0
}
