package safetensors

import (
	"cmp"
	"math"
	"math/bits"
	"slices"

	"github.com/modelgate/modelgate"
)

// tensor parses one tensor entry: exactly the members dtype, shape and
// data_offsets, each once.
func (p *parser) tensor(name string) (TensorInfo, error) {
	t := TensorInfo{Name: name}
	if _, err := p.expect('{', "tensor-not-object", "a tensor entry"); err != nil {
		return t, err
	}
	var seen [3]bool
	for {
		k, err := p.peek()
		if err != nil {
			return t, err
		}
		if k == '}' {
			break
		}
		if _, err := p.expectKind('"', "header-json", "a member name"); err != nil {
			return t, err
		}
		field, plain, err := p.rawString()
		if err != nil {
			return t, err
		}
		if !plain {
			field = []byte(unescape(field))
		}
		switch string(field) {
		case "dtype":
			seen[0] = true
			err = p.dtype(&t)
		case "shape":
			seen[1] = true
			err = p.shape(&t)
		case "data_offsets":
			seen[2] = true
			err = p.offsets(&t)
		default:
			err = invalid(whereName(name), "unknown-field", "unknown member %q in tensor entry (%s)", field, p.where())
		}
		if err != nil {
			return t, err
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return t, jsonError(err, prefixBytes)
	}
	for i, field := range [3]string{"dtype", "shape", "data_offsets"} {
		if !seen[i] {
			return t, invalid(whereName(name), "missing-field", "tensor entry has no %q (%s)", field, p.where())
		}
	}
	return t, nil
}

// dtype parses the dtype member: a name of the format, supported or not.
func (p *parser) dtype(t *TensorInfo) error {
	if _, err := p.expectKind('"', "dtype-unknown", "dtype"); err != nil {
		return err
	}
	raw, plain, err := p.rawString()
	if err != nil {
		return err
	}
	if !plain {
		raw = []byte(unescape(raw))
	}
	name, ok := internDType(raw)
	if !ok {
		return invalid(whereName(t.Name), "dtype-unknown", "unknown dtype %q", raw)
	}
	t.DType = name
	return nil
}

// shape parses the shape member: at most MaxRank dimensions of at most
// MaxDim each.
func (p *parser) shape(t *TensorInfo) error {
	if _, err := p.expect('[', "shape-not-array", "shape"); err != nil {
		return err
	}
	t.Shape = make([]int64, 0, 4)
	for {
		k, err := p.peek()
		if err != nil {
			return err
		}
		if k == ']' {
			_, err := p.dec.ReadToken()
			return jsonErrorOrNil(err)
		}
		if len(t.Shape) >= modelgate.MaxRank {
			return overLimit(whereName(t.Name), "rank-too-large", "shape has more than %d dimensions", modelgate.MaxRank)
		}
		d, err := p.uint("dimension", t.Name, modelgate.MaxDim)
		if err != nil {
			return err
		}
		t.Shape = append(t.Shape, int64(d))
	}
}

// offsets parses data_offsets: exactly two offsets that fit an int64.
func (p *parser) offsets(t *TensorInfo) error {
	if _, err := p.expect('[', "offsets-not-pair", "data_offsets"); err != nil {
		return err
	}
	var v [2]uint64
	for i := range v {
		if k, err := p.peek(); err != nil {
			return err
		} else if k == ']' {
			return invalid(whereName(t.Name), "offsets-not-pair", "data_offsets must hold two numbers (%s)", p.where())
		}
		n, err := p.uint("data offset", t.Name, math.MaxInt64)
		if err != nil {
			return err
		}
		v[i] = n
	}
	if k, err := p.peek(); err != nil {
		return err
	} else if k != ']' {
		return invalid(whereName(t.Name), "offsets-not-pair", "data_offsets must hold two numbers (%s)", p.where())
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return jsonError(err, prefixBytes)
	}
	t.Begin, t.End = int64(v[0]), int64(v[1])
	return nil
}

// byteSize returns the number of bytes a tensor of the given dtype and
// shape occupies, with checked arithmetic, multiplying left to right as the
// reference does.
func byteSize(dtype string, shape []int64) (int64, *modelgate.Error) {
	info, ok := lookupDType(dtype)
	if !ok {
		return 0, invalid("", "dtype-unknown", "unknown dtype %q", dtype)
	}
	n := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, invalid("", "negative-dimension", "negative dimension %d", d)
		}
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, invalid("", "offset-overflow", "shape %v overflows", shape)
		}
		n = lo
	}
	hi, nbits := bits.Mul64(n, info.bits)
	if hi != 0 || nbits/8 > math.MaxInt64 {
		return 0, invalid("", "offset-overflow", "shape %v of %s overflows", shape, dtype)
	}
	if nbits%8 != 0 {
		return 0, invalid("", "size-mismatch", "%d elements of %s are not a whole number of bytes", n, dtype)
	}
	return int64(nbits / 8), nil
}

// validateLayout sorts h.Tensors by offsets and checks that they tile the
// data buffer [0, h.DataLen) exactly: no gap, no overlap, sizes matching
// shape × dtype, and nothing after the last tensor.
func validateLayout(h *Header) error {
	slices.SortStableFunc(h.Tensors, func(a, b TensorInfo) int {
		return cmp.Or(cmp.Compare(a.Begin, b.Begin), cmp.Compare(a.End, b.End))
	})
	var pos int64
	for _, t := range h.Tensors {
		where := whereName(t.Name)
		switch {
		case t.End < t.Begin:
			return invalid(where, "offsets-reversed", "data_offsets [%d, %d] end before they begin", t.Begin, t.End)
		case t.Begin > pos:
			return invalid(where, "gap", "data starts at %d, leaving bytes [%d, %d) unused", t.Begin, pos, t.Begin)
		case t.Begin < pos:
			return invalid(where, "overlap", "data [%d, %d) overlaps the previous tensor, which ends at %d", t.Begin, t.End, pos)
		case t.End > h.DataLen:
			return invalid(where, "truncated", "data [%d, %d) runs past the %d-byte data buffer", t.Begin, t.End, h.DataLen)
		}
		size, err := byteSize(t.DType, t.Shape)
		if err != nil {
			err.Where = where
			return err
		}
		if size != t.End-t.Begin {
			return invalid(where, "size-mismatch", "shape %v of %s needs %d bytes, data_offsets give %d", t.Shape, t.DType, size, t.End-t.Begin)
		}
		pos = t.End
	}
	if pos != h.DataLen {
		return invalid(atByte(h.DataOffset()+pos), "trailing-bytes", "%d bytes after the last tensor", h.DataLen-pos)
	}
	return nil
}
