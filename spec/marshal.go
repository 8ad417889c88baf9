package spec

import (
	"bytes"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

// maxMarshalDepth bounds the layer nesting Marshal accepts from a hand-built
// spec (cycles included).
const maxMarshalDepth = 2 * modelgate.MaxDepth

// Marshal returns the canonical JSON form of s: members in struct order,
// metadata keys sorted, every layer field written explicitly with "type"
// first in each layer object, every default resolved (see [Resolve]; s
// itself is not modified), two-space indentation with one member or array
// element per line except that arrays of numbers, strings and booleans are
// written on one line ("kernel": [3, 3]), and a final newline.
//
// Marshal does not validate s (it refuses only nil layers and nesting deeper
// than 64); for a valid s, ParseJSON(Marshal(s)) equals s after Resolve, and
// Marshal is idempotent: Marshal(ParseJSON(Marshal(s))) == Marshal(s).
func Marshal(s *Spec) ([]byte, error) {
	if s == nil {
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "nil-spec", "nil spec")
	}
	if err := checkStructure(s.Layers, "/layers", 0); err != nil {
		return nil, err
	}
	first, err := encode(s)
	if err != nil {
		return nil, err
	}
	// Decode a private copy, resolve it and encode again, so that the
	// output is canonical even for a hand-built spec.
	c := &Spec{}
	if err := json.Unmarshal(first, c, strictOptions("")); err != nil {
		return nil, convertError(err, "", "")
	}
	Resolve(c)
	compact, err := encode(c)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(2 * len(compact))
	if err := indentValue(&buf, jsontext.Value(compact), 0); err != nil {
		return nil, &modelgate.Error{Code: modelgate.EINTERNAL, Rule: "encode", Message: "cannot format spec", Err: err}
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// checkStructure refuses nil layers and excessive nesting before encoding.
func checkStructure(ls Layers, where string, depth int) error {
	if depth > maxMarshalDepth {
		return modelgate.Errorf(modelgate.ELIMIT, where, "too-deep", "layers nested more than %d deep", maxMarshalDepth)
	}
	for i, l := range ls {
		w := where + "/" + itoa(i)
		if l == nil || isNilLayer(l) {
			return modelgate.Errorf(modelgate.EINVALID, w, "nil-layer", "nil layer")
		}
		if !isOwnLayer(l) {
			return modelgate.Errorf(modelgate.EINVALID, w, "unknown-layer-type", "%T is not a spec layer type", l)
		}
		switch l := l.(type) {
		case *Skip:
			if err := checkStructure(l.Layers, w+"/layers", depth+1); err != nil {
				return err
			}
		case *Parallel:
			for b, br := range l.Branches {
				if err := checkStructure(br, w+"/branches/"+itoa(b), depth+1); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func itoa(i int) string { return string(appendInt(nil, i)) }

// encode writes s as compact JSON.
func encode(s *Spec) ([]byte, error) {
	b, err := json.Marshal(s, json.Deterministic(true))
	if err != nil {
		return nil, &modelgate.Error{Code: modelgate.EINVALID, Rule: "encode", Message: "cannot encode spec", Err: err}
	}
	return b, nil
}

// indentValue writes the compact value v in the canonical layout. Its
// recursion depth is the nesting depth of v, bounded by checkStructure.
func indentValue(buf *bytes.Buffer, v jsontext.Value, level int) error {
	switch v.Kind() {
	case '{':
		return indentObject(buf, v, level)
	case '[':
		return indentArray(buf, v, level)
	}
	buf.Write(v)
	return nil
}

func newline(buf *bytes.Buffer, level int) {
	buf.WriteByte('\n')
	for i := 0; i < level; i++ {
		buf.WriteString("  ")
	}
}

func indentObject(buf *bytes.Buffer, v jsontext.Value, level int) error {
	dec := jsontext.NewDecoder(bytes.NewReader(v))
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	buf.WriteByte('{')
	n := 0
	for dec.PeekKind() != '}' {
		name, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		newline(buf, level+1)
		buf.Write(name)
		buf.WriteString(": ")
		val, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if err := indentValue(buf, val, level+1); err != nil {
			return err
		}
	}
	if n > 0 {
		newline(buf, level)
	}
	buf.WriteByte('}')
	return nil
}

func indentArray(buf *bytes.Buffer, v jsontext.Value, level int) error {
	dec := jsontext.NewDecoder(bytes.NewReader(v))
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var elems []jsontext.Value
	inline := true
	for dec.PeekKind() != ']' {
		e, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if k := e.Kind(); k == '{' || k == '[' {
			inline = false
		}
		elems = append(elems, e.Clone())
	}
	buf.WriteByte('[')
	for i, e := range elems {
		if i > 0 {
			buf.WriteByte(',')
			if inline {
				buf.WriteByte(' ')
			}
		}
		if !inline {
			newline(buf, level+1)
		}
		if err := indentValue(buf, e, level+1); err != nil {
			return err
		}
	}
	if !inline && len(elems) > 0 {
		newline(buf, level)
	}
	buf.WriteByte(']')
	return nil
}

// isOwnLayer reports whether l's concrete type is the one NewLayer returns
// for its LayerType.
func isOwnLayer(l Layer) bool {
	want, err := NewLayer(l.LayerType())
	return err == nil && reflect.TypeOf(want) == reflect.TypeOf(l)
}
