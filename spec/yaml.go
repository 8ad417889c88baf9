package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"go.yaml.in/yaml/v4"

	"github.com/modelgate/modelgate"
)

// ParseYAML decodes a YAML spec by converting it to JSON and calling
// [ParseJSON], so both formats share one validation path. The YAML rules:
//
//   - the input is UTF-8, at most lim.SpecBytes, exactly one document (a
//     second document is refused, even an empty one);
//   - anchors, aliases and merge keys (<<) are refused, before any expansion;
//   - explicit tags are refused except the core !!str, !!int, !!float,
//     !!bool, !!null, !!map and !!seq, and a tagged scalar must be of its tag;
//   - plain scalars follow the YAML 1.2 core schema, narrowed: only true and
//     false are booleans (yes, no, on, off, y, n, True ... stay strings, so
//     they fail where a boolean is expected); null and ~ are null (refused by
//     ParseJSON); decimal integers and floats are numbers (3.5 is not an
//     integer); octal, hexadecimal, binary, underscored and sexagesimal
//     numbers, leading zeros and .inf/.nan are refused;
//   - mapping keys are scalars, unique, and nesting depth is at most
//     lim.Depth.
//
// Problems carry JSON pointers and, where known, the YAML line.
func ParseYAML(data []byte, lim modelgate.Limits) (*Spec, error) {
	lim = lim.OrDefault()
	js, lines, err := yamlToJSON(data, lim)
	if err != nil {
		return nil, modelgate.Problems{err}
	}
	jl := lim
	jl.SpecBytes = max(jl.SpecBytes, int64(len(js)))
	s, perr := ParseJSON(js, jl)
	if perr != nil {
		var ps modelgate.Problems
		if errors.As(perr, &ps) {
			for _, e := range ps {
				addLine(e, lines)
			}
		}
		return nil, perr
	}
	return s, nil
}

// addLine appends the YAML line of the longest known prefix of e.Where.
func addLine(e *modelgate.Error, lines map[string]int) {
	w := e.Where
	for {
		if l, ok := lines[w]; ok {
			e.Message += fmt.Sprintf(" (YAML line %d)", l)
			return
		}
		i := strings.LastIndexByte(w, '/')
		if i < 0 {
			return
		}
		w = w[:i]
	}
}

// yamlLimits is the loader-limits plugin: it stops the YAML parser as soon
// as nesting exceeds the budget, so deep inputs fail fast.
type yamlLimits struct{ depth int }

// CheckDepth refuses nesting deeper than the budget.
func (y yamlLimits) CheckDepth(depth int, _ *yaml.DepthContext) error {
	if depth > y.depth {
		return fmt.Errorf("nesting depth exceeds %d", y.depth)
	}
	return nil
}

// CheckAlias refuses any alias expansion (aliases are refused earlier too).
func (y yamlLimits) CheckAlias(aliasCount, _ int) error {
	if aliasCount > 0 {
		return errors.New("aliases are not allowed")
	}
	return nil
}

func yamlToJSON(data []byte, lim modelgate.Limits) ([]byte, map[string]int, *modelgate.Error) {
	if int64(len(data)) > lim.SpecBytes {
		return nil, nil, modelgate.Errorf(modelgate.ELIMIT, "", "spec-too-large", "spec is %d bytes, limit %d", len(data), lim.SpecBytes)
	}
	if !utf8.Valid(data) {
		return nil, nil, modelgate.Errorf(modelgate.EINVALID, fmt.Sprintf("byte %d", validPrefix(data)), "invalid-utf8", "invalid UTF-8")
	}
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		return nil, nil, modelgate.Errorf(modelgate.EINVALID, "byte 0", "byte-order-mark", "a byte order mark is not allowed")
	}
	// Bound the node tree before the YAML library builds it: every node but
	// the first needs a separator byte.
	if n := int64(countSeparators(data)); n > maxValues(lim) {
		return nil, nil, modelgate.Errorf(modelgate.ELIMIT, "", "too-many-values",
			"more than %d YAML separators (lines, commas, colons, dashes)", maxValues(lim))
	}
	loader, err := yaml.NewLoader(bytes.NewReader(data), yaml.WithPlugin(yamlLimits{depth: lim.Depth + 1}))
	if err != nil {
		return nil, nil, &modelgate.Error{Code: modelgate.EINTERNAL, Rule: "yaml", Message: "cannot create YAML loader", Err: err}
	}
	var doc yaml.Node
	if err := loader.Load(&doc); err != nil {
		if err == io.EOF {
			return nil, nil, modelgate.Errorf(modelgate.EINVALID, "", "empty-document", "the YAML stream holds no document")
		}
		return nil, nil, yamlError(err, data)
	}
	var extra yaml.Node
	if err := loader.Load(&extra); err != io.EOF {
		return nil, nil, modelgate.Errorf(modelgate.EINVALID, "", "multiple-documents", "the YAML stream must hold exactly one document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, nil, modelgate.Errorf(modelgate.EINVALID, "", "empty-document", "the YAML stream holds no document")
	}
	w := &yamlWalker{lim: lim, lines: map[string]int{}}
	var buf bytes.Buffer
	w.enc = jsontext.NewEncoder(&buf)
	if err := w.node(doc.Content[0], "", 1); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), w.lines, nil
}

// yamlError classifies an error of the YAML library; Where is the byte
// offset the library reported ("byte N"), or empty when it gave none.
func yamlError(err error, data []byte) *modelgate.Error {
	where := ""
	var le *yaml.LoadError
	if errors.As(err, &le) {
		where = yamlWhere(data, le.Mark.Line, le.Mark.Column)
	}
	if strings.Contains(err.Error(), "nesting depth exceeds") {
		return &modelgate.Error{Code: modelgate.ELIMIT, Where: where, Rule: "too-deep", Message: "malformed or too deeply nested YAML", Err: err}
	}
	return &modelgate.Error{Code: modelgate.EINVALID, Where: where, Rule: "yaml-syntax", Message: "malformed YAML", Err: err}
}

// yamlWhere turns a 1-based line and column (in characters) into "byte N",
// clamped to the input; "" when the line is unknown.
func yamlWhere(data []byte, line, col int) string {
	if line < 1 {
		return ""
	}
	off := 0
	for l := 1; l < line && off < len(data); l++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			off = len(data)
			break
		}
		off += i + 1
	}
	for c := 1; c < col && off < len(data) && data[off] != '\n'; c++ {
		_, w := utf8.DecodeRune(data[off:])
		off += w
	}
	return "byte " + strconv.Itoa(off)
}

// yamlWalker converts a YAML node tree to JSON.
type yamlWalker struct {
	lim   modelgate.Limits
	enc   *jsontext.Encoder
	lines map[string]int // JSON pointer -> YAML line
	nodes int
}

func (w *yamlWalker) fail(n *yaml.Node, ptr, rule, format string, args ...any) *modelgate.Error {
	e := modelgate.Errorf(modelgate.EINVALID, ptr, rule, format, args...)
	e.Message += fmt.Sprintf(" (YAML line %d)", n.Line)
	return e
}

// node converts n at pointer ptr and nesting depth depth. Recursion is
// bounded by lim.Depth (checked before descending).
func (w *yamlWalker) node(n *yaml.Node, ptr string, depth int) *modelgate.Error {
	w.lines[ptr] = n.Line
	w.nodes++
	if n.Anchor != "" {
		return w.fail(n, ptr, "yaml-anchor", "anchors are not allowed")
	}
	switch n.Kind {
	case yaml.AliasNode:
		return w.fail(n, ptr, "yaml-alias", "aliases are not allowed")
	case yaml.MappingNode, yaml.SequenceNode:
		if depth > w.lim.Depth {
			return modelgate.Errorf(modelgate.ELIMIT, ptr, "too-deep", "nesting depth exceeds %d (YAML line %d)", w.lim.Depth, n.Line)
		}
		if err := w.checkTag(n, ptr); err != nil {
			return err
		}
		if n.Kind == yaml.MappingNode {
			return w.mapping(n, ptr, depth)
		}
		return w.sequence(n, ptr, depth)
	case yaml.ScalarNode:
		return w.scalar(n, ptr)
	}
	return w.fail(n, ptr, "yaml-syntax", "unexpected YAML node")
}

func (w *yamlWalker) checkTag(n *yaml.Node, ptr string) *modelgate.Error {
	if n.Style&yaml.TaggedStyle == 0 {
		return nil
	}
	want := "!!seq"
	if n.Kind == yaml.MappingNode {
		want = "!!map"
	}
	if n.Tag != want {
		return w.fail(n, ptr, "yaml-tag", "tag %q is not allowed here", clip(n.Tag))
	}
	return nil
}

func (w *yamlWalker) mapping(n *yaml.Node, ptr string, depth int) *modelgate.Error {
	if len(n.Content)%2 != 0 {
		return w.fail(n, ptr, "yaml-syntax", "malformed mapping")
	}
	if err := w.enc.WriteToken(jsontext.BeginObject); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert: %v", err)
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, err := w.key(k, ptr)
		if err != nil {
			return err
		}
		kp := ptr + "/" + escapePointer(key)
		if seen[key] {
			return w.fail(k, kp, "duplicate-key", "duplicate key %q", clip(key))
		}
		seen[key] = true
		if err := w.enc.WriteToken(jsontext.String(key)); err != nil {
			return w.fail(k, kp, "yaml-syntax", "cannot convert: %v", err)
		}
		if err := w.node(v, kp, depth+1); err != nil {
			return err
		}
	}
	if err := w.enc.WriteToken(jsontext.EndObject); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert: %v", err)
	}
	return nil
}

// key returns a mapping key: a scalar without anchor, alias or merge.
func (w *yamlWalker) key(k *yaml.Node, ptr string) (string, *modelgate.Error) {
	if k.Kind == yaml.AliasNode {
		return "", w.fail(k, ptr, "yaml-alias", "aliases are not allowed")
	}
	if k.Kind != yaml.ScalarNode {
		return "", w.fail(k, ptr, "yaml-key", "mapping keys must be scalars")
	}
	if k.Anchor != "" {
		return "", w.fail(k, ptr, "yaml-anchor", "anchors are not allowed")
	}
	if k.Tag == "!!merge" || (k.Value == "<<" && k.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0) {
		return "", w.fail(k, ptr, "yaml-merge-key", "merge keys (<<) are not allowed")
	}
	if k.Style&yaml.TaggedStyle != 0 && k.Tag != "!!str" {
		return "", w.fail(k, ptr, "yaml-tag", "mapping keys must be strings")
	}
	return k.Value, nil
}

func (w *yamlWalker) sequence(n *yaml.Node, ptr string, depth int) *modelgate.Error {
	if err := w.enc.WriteToken(jsontext.BeginArray); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert: %v", err)
	}
	for i, c := range n.Content {
		if err := w.node(c, fmt.Sprintf("%s/%d", ptr, i), depth+1); err != nil {
			return err
		}
	}
	if err := w.enc.WriteToken(jsontext.EndArray); err != nil {
		return w.fail(n, ptr, "yaml-syntax", "cannot convert: %v", err)
	}
	return nil
}

// countSeparators counts the bytes that can precede a new YAML node: line
// breaks, flow separators, flow collection starts, mapping values, sequence
// entries and explicit keys. A document has at most this many nodes plus one.
func countSeparators(data []byte) int {
	n := 0
	for _, b := range data {
		switch b {
		case '\n', '\r', ',', '[', '{', ':', '-', '?':
			n++
		}
	}
	return n
}
