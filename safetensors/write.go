package safetensors

import (
	"cmp"
	"context"
	"encoding/binary"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/modelgate/modelgate"
)

// Tensor is one tensor to write: its raw little-endian bytes in row-major
// order, with a dtype name of the format and a shape.
type Tensor struct {
	Name  string
	DType string
	Shape []int64
	Data  []byte
}

// F32 returns a Tensor of dtype F32 holding data, encoded little-endian.
func F32(name string, shape []int64, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: "F32", Shape: slices.Clone(shape), Data: b}
}

// Tensor returns a copy of the named tensor's raw bytes, dtype and shape,
// in the form [Write] takes.
func (f *File) Tensor(ctx context.Context, name string) (Tensor, error) {
	t, err := f.lookup(name)
	if err != nil {
		return Tensor{}, err
	}
	data := make([]byte, t.End-t.Begin) // inside the validated, budgeted file
	if err := f.ReadBytes(ctx, name, data); err != nil {
		return Tensor{}, err
	}
	return Tensor{Name: t.Name, DType: t.DType, Shape: slices.Clone(t.Shape), Data: data}, nil
}

// Write writes tensors and metadata as a canonical safetensors file:
//
//   - tensors sorted by name (byte order) and their data laid out in that
//     order, with no gap;
//   - a compact JSON header: "__metadata__" first (omitted when metadata is
//     empty) with its keys sorted, then the tensors, each with its members
//     in the order dtype, shape, data_offsets;
//   - the header padded with spaces so that 8+N is a multiple of 8.
//
// Write refuses, before writing anything, the inputs the reader would
// refuse: duplicate or invalid UTF-8 names, the name "__metadata__", unknown
// dtypes, more than MaxRank dimensions or a dimension above MaxDim, data
// whose length does not match shape × dtype, more than the default number
// of tensors or metadata entries, and a header larger than MaxHeaderBytes.
// Canonical files re-encode to the same bytes: writing what [Open] read from
// a file Write produced gives that file back.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	sorted, err := checkTensors(tensors)
	if err != nil {
		return err
	}
	if err := checkMetadata(metadata); err != nil {
		return err
	}
	header, err := encodeHeader(sorted, metadata)
	if err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return writeError(err)
	}
	for _, t := range sorted {
		if _, err := w.Write(t.Data); err != nil {
			return writeError(err)
		}
	}
	return nil
}

// writeError wraps an error of the destination writer.
func writeError(err error) error {
	return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: "write", Message: "writing safetensors file", Err: err}
}

// checkTensors validates the tensors and returns them sorted by name.
func checkTensors(tensors []Tensor) ([]Tensor, error) {
	if len(tensors) > modelgate.MaxTensors {
		return nil, overLimit("", "too-many-tensors", "%d tensors, more than %d", len(tensors), modelgate.MaxTensors)
	}
	sorted := slices.SortedFunc(slices.Values(tensors), func(a, b Tensor) int { return cmp.Compare(a.Name, b.Name) })
	var total int64
	for i, t := range sorted {
		where := whereName(t.Name)
		switch {
		case !utf8.ValidString(t.Name):
			return nil, invalid(where, "invalid-utf8", "tensor name is not valid UTF-8")
		case t.Name == "__metadata__":
			return nil, invalid(where, "reserved-name", "a tensor cannot be named __metadata__")
		case i > 0 && sorted[i-1].Name == t.Name:
			return nil, invalid(where, "duplicate-name", "two tensors named %q", t.Name)
		case len(t.Shape) > modelgate.MaxRank:
			return nil, overLimit(where, "rank-too-large", "shape has more than %d dimensions", modelgate.MaxRank)
		}
		for _, d := range t.Shape {
			if d > modelgate.MaxDim {
				return nil, overLimit(where, "number-too-large", "dimension %d exceeds %d", d, int64(modelgate.MaxDim))
			}
		}
		size, err := byteSize(t.DType, t.Shape)
		if err != nil {
			err.Where = where
			return nil, err
		}
		if size != int64(len(t.Data)) {
			return nil, invalid(where, "size-mismatch", "shape %v of %s needs %d bytes, data has %d", t.Shape, t.DType, size, len(t.Data))
		}
		if total > math.MaxInt64-size {
			return nil, invalid(where, "offset-overflow", "data offsets overflow")
		}
		total += size
	}
	return sorted, nil
}

// checkMetadata validates the metadata entries.
func checkMetadata(m map[string]string) error {
	if len(m) > MaxMetadataEntries {
		return overLimit("__metadata__", "too-many-metadata", "%d __metadata__ entries, more than %d", len(m), MaxMetadataEntries)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) { // sorted: the error names the same entry every time
		if v := m[k]; !utf8.ValidString(k) || !utf8.ValidString(v) {
			return invalid("__metadata__", "invalid-utf8", "__metadata__ entry %q is not valid UTF-8", k)
		}
	}
	return nil
}

// encodeHeader returns the 8-byte length followed by the padded header.
func encodeHeader(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	b := make([]byte, prefixBytes, 256)
	b = append(b, '{')
	if len(metadata) > 0 {
		b = append(b, `"__metadata__":{`...)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, metadata[k])
		}
		b = append(b, '}')
	}
	var off int64
	for i, t := range tensors {
		if i > 0 || len(metadata) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, t.Name)
		b = append(b, `:{"dtype":`...)
		b = appendString(b, t.DType)
		b = append(b, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, d, 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, off, 10)
		off += int64(len(t.Data))
		b = append(b, ',')
		b = strconv.AppendInt(b, off, 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	n := len(b) - prefixBytes
	if n > MaxHeaderBytes {
		return nil, overLimit("", "header-too-large", "header of %d bytes exceeds %d", n, MaxHeaderBytes)
	}
	binary.LittleEndian.PutUint64(b, uint64(n))
	return b, nil
}

// appendString appends s as a JSON string, escaped as the reference does
// (only '"', '\\' and control characters). s is valid UTF-8.
func appendString(b []byte, s string) []byte {
	out, err := jsontext.AppendQuote(b, s)
	if err != nil { // unreachable: s was checked to be valid UTF-8
		return append(b, `""`...)
	}
	return out
}
