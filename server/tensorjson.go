package server

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
)

// decodeInputs reads {"inputs": [...]} where the array is batch first and
// every sample has exactly the shape sample. It streams tokens and checks
// every count against the expected shape and maxBatch as it goes, so a
// hostile body cannot make it allocate more than maxBatch samples. Depth
// is bounded by the model's rank; nothing recurses.
func decodeInputs(r io.Reader, sample []int, maxBatch int) (nn.Tensor, error) {
	per := 1
	for _, d := range sample {
		per *= d // bounded by the spec's checked shapes
	}
	dec := jsontext.NewDecoder(r)
	bad := func(where, format string, args ...any) error {
		return badRequest(where, "bad-input-json", format, args...)
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nn.Tensor{}, bad("", `body must be a JSON object {"inputs": [...]}%s`, errSuffix(err))
	}
	tok, err := dec.ReadToken()
	if err != nil || tok.Kind() != '"' || tok.String() != "inputs" {
		return nn.Tensor{}, bad("", `the object must have exactly one member, "inputs"%s`, errSuffix(err))
	}
	data, n, err := decodeBatch(dec, sample, per, maxBatch)
	if err != nil {
		return nn.Tensor{}, err
	}
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return nn.Tensor{}, bad("", `the object must have exactly one member, "inputs"%s`, errSuffix(err))
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nn.Tensor{}, bad("", "trailing data after the JSON object")
	}
	return nn.Tensor{Shape: append([]int{n}, sample...), Data: data}, nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// decodeBatch reads the nested array of numbers iteratively.
func decodeBatch(dec *jsontext.Decoder, sample []int, per, maxBatch int) ([]float32, int, error) {
	rank := len(sample) + 1
	want := func(level int) int { // expected length of arrays at this level
		if level == 0 {
			return maxBatch
		}
		return sample[level-1]
	}
	counts := make([]int, rank)
	data := make([]float32, 0, per) // grows with the samples actually sent
	depth := 0
	where := func() string { return string(dec.StackPointer()) }
	limitErr := func(level int) error {
		if level == 0 {
			return modelgate.Errorf(modelgate.ELIMIT, "/inputs", "batch-too-large", "batch larger than %d samples", maxBatch)
		}
		return modelgate.Errorf(modelgate.EINVALID, where(), "input-shape", "axis %d has more than %d elements; the model takes %v per sample", level, want(level), sample)
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, 0, badRequest(where(), "bad-input-json", "inputs: %v", err)
		}
		switch k := tok.Kind(); {
		case k == '[':
			if depth == rank {
				return nil, 0, modelgate.Errorf(modelgate.EINVALID, where(), "input-shape", "too many axes; the model takes %v per sample", sample)
			}
			if depth > 0 {
				counts[depth-1]++
				if counts[depth-1] > want(depth-1) {
					return nil, 0, limitErr(depth - 1)
				}
			}
			counts[depth] = 0
			depth++
		case k == ']':
			level := depth - 1
			if level > 0 && counts[level] != want(level) || level == 0 && counts[0] == 0 {
				return nil, 0, modelgate.Errorf(modelgate.EINVALID, where(), "input-shape", "axis %d has %d elements; the model takes %v per sample (batch first)", level, counts[level], sample)
			}
			depth--
			if depth == 0 {
				return data, counts[0], nil
			}
		case k == '0' && depth == rank:
			counts[depth-1]++
			if counts[depth-1] > want(depth-1) {
				return nil, 0, limitErr(depth - 1)
			}
			v, err := tok.Float32()
			if err != nil || math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
				return nil, 0, modelgate.Errorf(modelgate.EINVALID, where(), "input-not-finite", "number out of float32 range")
			}
			data = append(data, v)
		default:
			return nil, 0, modelgate.Errorf(modelgate.EINVALID, where(), "input-shape", "unexpected %v at depth %d; inputs are nested arrays of numbers, shape [batch, %s]", k, depth, shapeList(sample))
		}
	}
}

func shapeList(s []int) string {
	b := []byte{}
	for i, d := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(b)
}

// appendTensor appends t as nested JSON arrays (row-major). Non-finite
// values, which JSON cannot represent, are written as null.
func appendTensor(b []byte, t nn.Tensor) ([]byte, error) {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	if n != len(t.Data) || len(t.Shape) == 0 {
		return nil, fmt.Errorf("tensor shape %v does not match %d values", t.Shape, len(t.Data))
	}
	// strides[i] = number of values in one element of axis i.
	strides := make([]int, len(t.Shape))
	s := 1
	for i := len(t.Shape) - 1; i >= 0; i-- {
		strides[i] = s
		s *= t.Shape[i]
	}
	for i, v := range t.Data {
		for ax := 0; ax < len(t.Shape); ax++ {
			if i%(strides[ax]*t.Shape[ax]) == 0 {
				b = append(b, '[')
			}
		}
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, f, 'g', -1, 32)
		}
		for ax := len(t.Shape) - 1; ax >= 0; ax-- {
			if (i+1)%(strides[ax]*t.Shape[ax]) == 0 {
				b = append(b, ']')
			}
		}
		if i+1 < len(t.Data) {
			b = append(b, ',')
		}
	}
	return b, nil
}
