package spec

import (
	_ "embed" // for the JSON Schema
	"slices"
)

//go:embed schema/v1.json
var schemaV1 []byte

// Schema returns the JSON Schema (draft 2020-12) of spec v1. It is as strict
// as the schema language allows: no additional properties anywhere, one
// property set per layer type (selected by "type"), every documented range.
// Some rules only [ParseJSON], [Validate] and [Analyze] enforce: duplicate
// keys, integer literals (JSON Schema accepts 3.0 as an integer), byte
// lengths of strings, padding below the dilated kernel extent, groups
// dividing filters, shapes and budgets. The returned slice is a copy.
func Schema() []byte {
	return slices.Clone(schemaV1)
}
