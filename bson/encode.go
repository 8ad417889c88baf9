package bson

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AppendTo appends the canonical encoding of d to b and returns the result.
// For a document returned by [Parse] the encoding is byte-for-byte the
// input: the grammar Parse accepts has exactly one encoding per tree. It
// works iteratively, whatever the depth.
func (d *Document) AppendTo(b []byte) []byte {
	type open struct {
		d     *Document
		i     int
		start int
	}
	stack := []open{{d: d, start: len(b)}}
	b = append(b, 0, 0, 0, 0)
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.i == len(top.d.Elements) {
			b = append(b, 0)
			binary.LittleEndian.PutUint32(b[top.start:], uint32(len(b)-top.start))
			stack = stack[:len(stack)-1]
			continue
		}
		e := &top.d.Elements[top.i]
		top.i++
		b = append(b, byte(e.Value.Kind))
		b = append(b, e.Key...)
		b = append(b, 0)
		v := &e.Value
		switch v.Kind {
		case KindDouble, KindInt64:
			b = binary.LittleEndian.AppendUint64(b, v.bits)
		case KindInt32:
			b = binary.LittleEndian.AppendUint32(b, uint32(v.bits))
		case KindBool:
			b = append(b, byte(v.bits))
		case KindString:
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v.raw)+1))
			b = append(b, v.raw...)
			b = append(b, 0)
		case KindBinary:
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v.raw)))
			b = append(b, 0)
			b = append(b, v.raw...)
		case KindDocument, KindArray:
			stack = append(stack, open{d: v.doc, start: len(b)})
			b = append(b, 0, 0, 0, 0)
		}
	}
	return b
}

// D is a document under construction for [Encode]: an ordered list of
// elements. Duplicate keys are kept as given (useful for hostile tests).
type D []E

// E is one element of a [D].
type E struct {
	Key   string
	Value any
}

// A is an array under construction for [Encode]; keys are "0", "1", ...
type A []any

// Encode returns the BSON encoding of d. Values may be float64, string,
// int32, int64, int (encoded as int64), bool, nil (null), []byte (binary,
// subtype 0x00), D (document) or A (array); anything else is an error.
// Encode is meant for building test inputs and small trusted documents; it
// recurses on nesting.
func Encode(d D) ([]byte, error) {
	return appendDoc(nil, d)
}

func appendDoc(b []byte, d D) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	for _, e := range d {
		var err error
		if b, err = appendElem(b, e.Key, e.Value); err != nil {
			return nil, err
		}
	}
	b = append(b, 0)
	if len(b)-start > math.MaxInt32 {
		return nil, fmt.Errorf("bson: document of %d bytes is too large", len(b)-start)
	}
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b, nil
}

func appendElem(b []byte, key string, v any) ([]byte, error) {
	head := func(k Kind) []byte { return append(append(append(b, byte(k)), key...), 0) }
	switch v := v.(type) {
	case float64:
		return binary.LittleEndian.AppendUint64(head(KindDouble), math.Float64bits(v)), nil
	case string:
		b = binary.LittleEndian.AppendUint32(head(KindString), uint32(len(v)+1))
		return append(append(b, v...), 0), nil
	case int32:
		return binary.LittleEndian.AppendUint32(head(KindInt32), uint32(v)), nil
	case int64:
		return binary.LittleEndian.AppendUint64(head(KindInt64), uint64(v)), nil
	case int:
		return binary.LittleEndian.AppendUint64(head(KindInt64), uint64(int64(v))), nil
	case bool:
		if v {
			return append(head(KindBool), 1), nil
		}
		return append(head(KindBool), 0), nil
	case nil:
		return head(KindNull), nil
	case []byte:
		b = binary.LittleEndian.AppendUint32(head(KindBinary), uint32(len(v)))
		return append(append(b, 0), v...), nil
	case D:
		return appendDoc(head(KindDocument), v)
	case A:
		d := make(D, len(v))
		for i, x := range v {
			d[i] = E{Key: fmt.Sprint(i), Value: x}
		}
		return appendDoc(head(KindArray), d)
	}
	return nil, fmt.Errorf("bson: cannot encode %T under key %q", v, key)
}
