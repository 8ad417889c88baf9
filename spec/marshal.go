package spec

import (
	"bytes"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

// Marshal returns the canonical JSON form of s: two-space indentation, a
// final newline, members in struct order, metadata keys sorted, every layer
// field written explicitly with "type" first in each layer object, and every
// default resolved (see [Resolve]; s itself is not modified). Marshal does
// not validate s; for a valid s, ParseJSON(Marshal(s)) equals s after
// Resolve, and Marshal is idempotent.
func Marshal(s *Spec) ([]byte, error) {
	if s == nil {
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "nil-spec", "nil spec")
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
	return encode(c)
}

func encode(s *Spec) ([]byte, error) {
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf, jsontext.WithIndent("  "))
	if err := json.MarshalEncode(enc, s, json.Deterministic(true)); err != nil {
		return nil, &modelgate.Error{Code: modelgate.EINVALID, Rule: "encode", Message: "cannot encode spec", Err: err}
	}
	return buf.Bytes(), nil
}
