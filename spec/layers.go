package spec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

// UnmarshalJSONFrom decodes a JSON array of layer objects strictly: each
// object's "type" member selects the concrete type (missing or unknown type
// is an error naming the allowed set), the layer starts from [NewLayer]'s
// defaults and every other member must be a field of that type. Error
// pointers are relative to the decoder's document; [ParseJSON] uses the
// same code with absolute pointers for nested layers.
func (ls *Layers) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return decodeLayers(dec, ls, "")
}

// decodeLayers reads an array of layer objects from dec. prefix is the JSON
// pointer of dec's top-level value within the whole document.
func decodeLayers(dec *jsontext.Decoder, ls *Layers, prefix string) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != '[' {
		return modelgate.Errorf(modelgate.EINVALID, prefix+string(dec.StackPointer()), "type-mismatch",
			"want an array of layer objects, got %s", kindName(tok.Kind()))
	}
	var out Layers
	for dec.PeekKind() != ']' {
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		where := prefix + string(dec.StackPointer())
		l, err := decodeLayer(raw, where)
		if err != nil {
			return err
		}
		out = append(out, l)
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	*ls = out
	return nil
}

// decodeLayer decodes one raw layer object located at where.
func decodeLayer(raw jsontext.Value, where string) (Layer, error) {
	if raw.Kind() != '{' {
		return nil, modelgate.Errorf(modelgate.EINVALID, where, "type-mismatch",
			"want a layer object, got %s", kindName(raw.Kind()))
	}
	t, rest, err := splitType(raw, where)
	if err != nil {
		return nil, err
	}
	l, err := NewLayer(t)
	if err != nil {
		var e *modelgate.Error
		if errors.As(err, &e) {
			e.Where = where + "/type"
		}
		return nil, err
	}
	if err := json.Unmarshal(rest, l, strictOptions(where)); err != nil {
		return nil, convertError(err, where, t)
	}
	return l, nil
}

// splitType returns the "type" member of the object raw and the object
// without it.
func splitType(raw jsontext.Value, where string) (Type, []byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf)
	if _, err := dec.ReadToken(); err != nil {
		return "", nil, err
	}
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return "", nil, err
	}
	var t Type
	found := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return "", nil, err
		}
		name := tok.Clone()
		val, err := dec.ReadValue()
		if err != nil {
			return "", nil, err
		}
		if name.String() == "type" {
			if val.Kind() != '"' {
				return "", nil, modelgate.Errorf(modelgate.EINVALID, where+"/type", "type-mismatch",
					"layer type must be a string")
			}
			var s string
			if err := json.Unmarshal(val, &s); err != nil {
				return "", nil, err
			}
			t, found = Type(s), true
			continue
		}
		if err := enc.WriteToken(name); err != nil {
			return "", nil, err
		}
		if err := enc.WriteValue(val); err != nil {
			return "", nil, err
		}
	}
	if !found {
		return "", nil, modelgate.Errorf(modelgate.EINVALID, where, "missing-type",
			"layer has no \"type\" member; allowed: %s", typeList())
	}
	if err := enc.WriteToken(jsontext.EndObject); err != nil {
		return "", nil, err
	}
	return t, buf.Bytes(), nil
}

// MarshalJSONTo writes the layers as an array of objects, each with "type"
// first and then every field of the concrete type in struct order.
func (ls Layers) MarshalJSONTo(enc *jsontext.Encoder) error {
	if err := enc.WriteToken(jsontext.BeginArray); err != nil {
		return err
	}
	for i, l := range ls {
		if err := marshalLayer(enc, l); err != nil {
			return fmt.Errorf("layer %d: %w", i, err)
		}
	}
	return enc.WriteToken(jsontext.EndArray)
}

func marshalLayer(enc *jsontext.Encoder, l Layer) error {
	if l == nil || isNilLayer(l) {
		return modelgate.Errorf(modelgate.EINVALID, "", "nil-layer", "nil layer")
	}
	if !isOwnLayer(l) {
		return modelgate.Errorf(modelgate.EINVALID, "", "unknown-layer-type", "%T is not a spec layer type", l)
	}
	// Each layer type's MarshalJSONTo writes "type" first.
	return json.MarshalEncode(enc, l, json.Deterministic(true))
}

// isNilLayer reports whether l is a typed nil pointer.
func isNilLayer(l Layer) bool {
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
