package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

// maxValues bounds the number of values (scalars, objects and arrays) in a
// document, and maxContainers the objects and arrays. A valid spec needs
// well under 64 values and 8 containers per layer.
func maxValues(lim modelgate.Limits) int64     { return 64*int64(lim.Layers) + 4096 }
func maxContainers(lim modelgate.Limits) int64 { return 8*int64(lim.Layers) + 256 }

// maxNumberLen bounds the length of a JSON number literal. Every number of a
// valid spec fits in far fewer bytes.
const maxNumberLen = 32

// Parse decodes a spec from JSON, or from YAML when isYAML is true; see
// [ParseJSON] and [ParseYAML].
func Parse(data []byte, isYAML bool, lim modelgate.Limits) (*Spec, error) {
	if isYAML {
		return ParseYAML(data, lim)
	}
	return ParseJSON(data, lim)
}

// ParseJSON decodes, resolves and validates a JSON spec. Decoding is strict:
// the document must be valid UTF-8, at most lim.SpecBytes long, a single JSON
// object with no trailing data, no duplicate member names at any depth, no
// null values, nesting depth at most lim.Depth, no unknown or wrong-case
// member names, and every int field must be a plain integer literal (3.0,
// 1e3 and "3" are refused). After decoding, [Resolve] fills the defaults and
// [Validate] checks every documented range.
//
// The error is a [modelgate.Problems]: decoding stops at the first problem,
// validation reports them all. Each problem's Where is a JSON pointer (or
// "byte N" for syntax errors).
func ParseJSON(data []byte, lim modelgate.Limits) (*Spec, error) {
	lim = lim.OrDefault()
	s, err := decodeJSON(data, lim)
	if err != nil {
		return nil, modelgate.Problems{err}
	}
	Resolve(s)
	if p := Validate(s, lim); len(p) > 0 {
		return nil, p
	}
	return s, nil
}

// decodeJSON runs the strict syntactic pass and the typed decode.
func decodeJSON(data []byte, lim modelgate.Limits) (*Spec, *modelgate.Error) {
	if int64(len(data)) > lim.SpecBytes {
		return nil, modelgate.Errorf(modelgate.ELIMIT, "", "spec-too-large",
			"spec is %d bytes, limit %d", len(data), lim.SpecBytes)
	}
	if err := checkSyntax(data, lim); err != nil {
		return nil, err
	}
	s := &Spec{Input: Input{DType: DefaultDType}, Weights: WeightsRef{DType: DefaultDType}}
	if err := json.Unmarshal(data, s, strictOptions("")); err != nil {
		return nil, convertError(err, "", "")
	}
	if err := checkEmptyLists(s.Layers, "/layers"); err != nil {
		return nil, err
	}
	return s, nil
}

// checkEmptyLists refuses an explicit empty stride, dilation, padding or
// output_padding: omitting the member selects the default, and [] would be
// a second, ambiguous spelling of it (the JSON Schema refuses it too). The
// decoder leaves an absent member nil and makes [] an empty non-nil slice.
// Recursion is bounded by the nesting depth checkSyntax allowed (each
// level of layers is at least two levels of JSON).
func checkEmptyLists(ls Layers, ptr string) *modelgate.Error {
	for i, l := range ls {
		w := ptr + "/" + strconv.Itoa(i)
		if name := emptyList(l); name != "" {
			return modelgate.Errorf(modelgate.EINVALID, w+"/"+name, "empty-list",
				"%s is an empty list; omit it to use the default", name)
		}
		var err *modelgate.Error
		switch l := l.(type) {
		case *Skip:
			err = checkEmptyLists(l.Layers, w+"/layers")
		case *Parallel:
			for b, br := range l.Branches {
				if err = checkEmptyLists(br, w+"/branches/"+strconv.Itoa(b)); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// emptyList returns the name of l's first defaulted list field that is
// present but empty, or "".
func emptyList(l Layer) string {
	type field struct {
		name string
		v    []int
	}
	var fs []field
	switch l := l.(type) {
	case *Conv:
		fs = []field{{"stride", l.Stride}, {"padding", l.Padding}, {"dilation", l.Dilation}}
	case *ConvTranspose:
		fs = []field{{"stride", l.Stride}, {"padding", l.Padding}, {"output_padding", l.OutputPadding}, {"dilation", l.Dilation}}
	case *MaxPool:
		fs = []field{{"stride", l.Stride}, {"padding", l.Padding}}
	case *MeanPool:
		fs = []field{{"stride", l.Stride}, {"padding", l.Padding}}
	}
	for _, f := range fs {
		if f.v != nil && len(f.v) == 0 {
			return f.name
		}
	}
	return ""
}

// strictOptions are the decode options for a value located at prefix (the
// JSON pointer of the value inside the whole document).
func strictOptions(prefix string) json.Options {
	return json.JoinOptions(
		json.RejectUnknownMembers(true),
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false),
		json.WithUnmarshalers(json.UnmarshalFromFunc(func(dec *jsontext.Decoder, ls *Layers) error {
			return decodeLayers(dec, ls, prefix)
		})),
	)
}

// checkSyntax is the first pass over the whole document with jsontext: UTF-8,
// one top-level object, no duplicate names, no nulls, bounded depth, bounded
// container count, sane numbers, no trailing data.
func checkSyntax(data []byte, lim modelgate.Limits) *modelgate.Error {
	if !utf8.Valid(data) {
		off := validPrefix(data)
		return modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("byte %d", off), "invalid-utf8", "invalid UTF-8")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(false))
	if k := dec.PeekKind(); k != '{' {
		if _, err := dec.ReadToken(); err != nil {
			return syntaxError(err, dec)
		}
		return modelgate.Errorf(modelgate.EINVALID, "", "not-object", "a spec must be a JSON object")
	}
	maxC, maxV := maxContainers(lim), maxValues(lim)
	var containers, values int64
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return syntaxError(err, dec)
		}
		if values++; values > maxV {
			return modelgate.Errorf(modelgate.ELIMIT, string(dec.StackPointer()), "too-many-values",
				"more than %d tokens", maxV)
		}
		switch tok.Kind() {
		case '{', '[':
			containers++
			if dec.StackDepth() > lim.Depth {
				return modelgate.Errorf(modelgate.ELIMIT, string(dec.StackPointer()), "too-deep",
					"nesting depth exceeds %d", lim.Depth)
			}
			if containers > maxC {
				return modelgate.Errorf(modelgate.ELIMIT, string(dec.StackPointer()), "too-many-values",
					"more than %d objects and arrays", maxC)
			}
		case 'n':
			return modelgate.Errorf(modelgate.EINVALID, string(dec.StackPointer()), "null-value",
				"null is not allowed; omit the member instead")
		case '0':
			if e := checkNumber(tok.String(), dec); e != nil {
				return e
			}
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("byte %d", dec.InputOffset()),
			"trailing-data", "data after the top-level value")
	}
	return nil
}

func checkNumber(lit string, dec *jsontext.Decoder) *modelgate.Error {
	if len(lit) > maxNumberLen {
		return modelgate.Errorf(modelgate.EINVALID, string(dec.StackPointer()), "number-too-long",
			"number literal longer than %d bytes", maxNumberLen)
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return modelgate.Errorf(modelgate.EINVALID, string(dec.StackPointer()), "number-out-of-range",
			"number %s is out of range", lit)
	}
	return nil
}

func validPrefix(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// syntaxError converts a jsontext error met in the first pass.
func syntaxError(err error, dec *jsontext.Decoder) *modelgate.Error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		where := fmt.Sprintf("byte %d", se.ByteOffset)
		if errors.Is(err, jsontext.ErrDuplicateName) {
			return &modelgate.Error{Code: modelgate.EINVALID, Where: string(se.JSONPointer),
				Rule: "duplicate-key", Message: "duplicate member name"}
		}
		return &modelgate.Error{Code: modelgate.EINVALID, Where: where, Rule: "syntax",
			Message: "malformed JSON", Err: se.Err}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("byte %d", dec.InputOffset()), "syntax",
			"unexpected end of JSON")
	}
	return &modelgate.Error{Code: modelgate.EINVALID, Rule: "syntax", Message: "malformed JSON", Err: err}
}

// convertError turns a json error into a *modelgate.Error whose Where is an
// absolute JSON pointer. A *modelgate.Error already in the chain wins (it
// came from a nested layer and carries its own absolute pointer). layerType
// names the layer being decoded, if any.
func convertError(err error, prefix string, layerType Type) *modelgate.Error {
	var me *modelgate.Error
	if errors.As(err, &me) {
		return me
	}
	var se *json.SemanticError
	if errors.As(err, &se) {
		return semanticError(se, prefix, layerType)
	}
	var ye *jsontext.SyntacticError
	if errors.As(err, &ye) {
		return &modelgate.Error{Code: modelgate.EINVALID, Where: prefix + string(ye.JSONPointer),
			Rule: "syntax", Message: "malformed JSON", Err: ye.Err}
	}
	return &modelgate.Error{Code: modelgate.EINVALID, Where: prefix, Rule: "decode", Message: "cannot decode", Err: err}
}

func semanticError(se *json.SemanticError, prefix string, layerType Type) *modelgate.Error {
	where := prefix + string(se.JSONPointer)
	if errors.Is(se.Err, json.ErrUnknownName) {
		name := se.JSONPointer.LastToken()
		msg := fmt.Sprintf("unknown member %q", name)
		if layerType != "" {
			msg += fmt.Sprintf(" for layer type %q", string(layerType))
		}
		return modelgate.Errorf(modelgate.EINVALID, where, "unknown-member", "%s", msg)
	}
	want := "a value of another type"
	if se.GoType != nil {
		want = jsonKindOf(se.GoType.Kind().String())
	}
	got := "value"
	if se.JSONKind != 0 {
		got = kindName(se.JSONKind)
	}
	if len(se.JSONValue) > 0 && len(se.JSONValue) <= 40 {
		got += " " + string(se.JSONValue)
	}
	return modelgate.Errorf(modelgate.EINVALID, where, "type-mismatch", "want %s, got %s", want, got)
}

func jsonKindOf(goKind string) string {
	switch goKind {
	case "int", "int64", "int32":
		return "an integer literal"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return goKind
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case '{':
		return "object"
	case '[':
		return "array"
	case 'n':
		return "null"
	}
	return "value"
}
