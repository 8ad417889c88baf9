package spec

import (
	"regexp"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v4"

	"github.com/modelgate/modelgate"
)

// Plain-scalar grammar (YAML 1.2 core schema, narrowed). These are
// immutable after package initialisation.
var (
	reInt   = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)$`)
	reFloat = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*)?(\.[0-9]*)?([eE][-+]?[0-9]+)?$`)
	// Forms that YAML 1.1 (or another reader) would take for a number:
	// octal, hex, binary, underscores, sexagesimal, leading zeros.
	reAmbiguous = regexp.MustCompile(`^[-+]?(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9_]*\.?[0-9_]*([eE][-+]?[0-9]+)?)$`)
)

// scalar kinds.
const (
	kNull   = 'n'
	kBool   = 'b'
	kInt    = 'i'
	kFloat  = 'f'
	kString = 's'
)

// resolvePlain classifies a plain scalar and returns its JSON text (for
// numbers, booleans and null) or "" with a refusal rule.
func resolvePlain(s string) (kind byte, text string, rule string) {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return kNull, "null", ""
	case "true", "false":
		return kBool, s, ""
	}
	low := strings.ToLower(strings.TrimLeft(s, "+-"))
	if low == ".inf" || low == ".nan" {
		return 0, "", "yaml-special-float"
	}
	t := strings.TrimPrefix(s, "+")
	if reInt.MatchString(s) {
		return kInt, t, ""
	}
	if reFloat.MatchString(s) && strings.ContainsAny(s, ".eE") && hasDigitMantissa(t) {
		return kFloat, jsonFloat(t), ""
	}
	if reAmbiguous.MatchString(s) && hasDigitMantissa(t) {
		// 017, 0x1F, 0o17, 0b101, 1_000, 1:30, 00.5 ...
		return 0, "", "yaml-number-form"
	}
	return kString, "", ""
}

func hasDigitMantissa(s string) bool {
	m := strings.TrimPrefix(s, "-")
	if i := strings.IndexAny(m, "eE"); i >= 0 {
		m = m[:i]
	}
	return strings.ContainsAny(m, "0123456789")
}

// jsonFloat rewrites a YAML float literal (".5", "1.", "1.e3") as a JSON
// number ("0.5", "1.0", "1.0e3").
func jsonFloat(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (i+1 == len(s) || s[i+1] == 'e' || s[i+1] == 'E') {
		s = s[:i+1] + "0" + s[i+1:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func (w *yamlWalker) scalar(n *yaml.Node, ptr string) *modelgate.Error {
	quoted := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	tagged := n.Style&yaml.TaggedStyle != 0
	if tagged && n.Tag == "!!str" || !tagged && quoted {
		return w.write(n, ptr, jsontext.String(n.Value))
	}
	kind, text, rule := resolvePlain(n.Value)
	if rule != "" {
		return w.fail(n, ptr, rule, "plain scalar %q is ambiguous across YAML versions; quote it if it is a string", clip(n.Value))
	}
	if tagged {
		var ok bool
		kind, text, ok = retag(n, kind, text)
		if !ok {
			return w.fail(n, ptr, "yaml-tag", "tag %q is not allowed for %q", clip(n.Tag), clip(n.Value))
		}
	}
	switch kind {
	case kString:
		return w.write(n, ptr, jsontext.String(n.Value))
	case kNull:
		return w.writeValue(n, ptr, "null")
	}
	return w.writeValue(n, ptr, text)
}

// retag checks an explicitly tagged plain or quoted scalar against its core
// tag. A !!float tag on an integer literal makes it a float.
func retag(n *yaml.Node, kind byte, text string) (byte, string, bool) {
	switch n.Tag {
	case "!!int":
		return kind, text, kind == kInt
	case "!!float":
		if kind == kInt {
			return kFloat, text + ".0", true
		}
		return kind, text, kind == kFloat
	case "!!bool":
		return kind, text, kind == kBool
	case "!!null":
		return kind, text, kind == kNull
	}
	return 0, "", false
}

func (w *yamlWalker) write(n *yaml.Node, ptr string, t jsontext.Token) *modelgate.Error {
	if err := w.enc.WriteToken(t); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert: %v", err)
	}
	return nil
}

func (w *yamlWalker) writeValue(n *yaml.Node, ptr, text string) *modelgate.Error {
	if err := w.enc.WriteValue(jsontext.Value(text)); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert %q: %v", clip(n.Value), err)
	}
	return nil
}
