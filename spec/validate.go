package spec

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/modelgate/modelgate"
)

// Text limits of spec v1.
const (
	MaxNameLen        = 128     // bytes of Spec.Name, metadata keys and short source strings
	MaxDescriptionLen = 4096    // bytes of Spec.Description and of each metadata value
	MaxMetadata       = 64      // metadata entries
	MaxNotes          = 64      // Source.Notes entries
	MaxNoteLen        = 1024    // bytes of one note
	MaxKernel         = 1 << 16 // kernel size per axis
	MaxStride         = 1 << 16 // stride, dilation and output_padding per axis
	MaxUpsample       = 64      // upsample scale per axis
)

// Weights dtypes allowed in WeightsRef.DType.
var weightDTypes = []string{"float32", "float16", "bfloat16", "float64"}

// checker collects problems.
type checker struct {
	lim    modelgate.Limits
	p      modelgate.Problems
	layers int // layers seen, nested included
}

func (c *checker) add(code, where, rule, format string, args ...any) {
	c.p = append(c.p, modelgate.Errorf(code, where, rule, format, args...))
}

func (c *checker) invalid(where, rule, format string, args ...any) {
	c.add(modelgate.EINVALID, where, rule, format, args...)
}

// Validate checks every documented range of s and returns all problems
// found, or nil. It checks what can be checked without shapes; [Analyze]
// checks shapes, channel divisibility and budgets. s should be resolved
// (see [Resolve]); [ParseJSON] does that.
//
// Besides the ranges documented on each field, Validate enforces the
// no-paths-no-URLs rule: the name, metadata keys and values, and every
// source string must not contain '/', '\\' or "://", and the description must
// not contain "://". Text fields must not contain control characters (the
// description and metadata values may contain tab and newline).
func Validate(s *Spec, lim modelgate.Limits) modelgate.Problems {
	c := &checker{lim: lim.OrDefault()}
	if s == nil {
		c.invalid("", "nil-spec", "nil spec")
		return c.p
	}
	c.header(s)
	c.input(s.Input)
	c.weights(s.Weights)
	c.metadata(s.Metadata)
	if s.Source != nil {
		c.source(s.Source)
	}
	if len(s.Layers) == 0 {
		c.invalid("/layers", "no-layers", "a spec needs at least one layer")
	}
	c.layerList(s.Layers, "/layers", 0)
	if c.layers > c.lim.Layers {
		c.add(modelgate.ELIMIT, "/layers", "too-many-layers", "%d layers (nested included), limit %d", c.layers, c.lim.Layers)
	}
	return c.p
}

func (c *checker) header(s *Spec) {
	if s.Format != FormatV1 {
		c.add(modelgate.EUNSUPPORTED, "/format", "unsupported-format", "format %q is not %q", clip(s.Format), FormatV1)
	}
	if !validName(s.Name) {
		c.invalid("/name", "bad-name", "name must be 1..%d characters of [A-Za-z0-9._-] starting with a letter or digit", MaxNameLen)
	}
	if len(s.Description) > MaxDescriptionLen {
		c.invalid("/description", "too-long", "description is %d bytes, limit %d", len(s.Description), MaxDescriptionLen)
	} else {
		c.text("/description", s.Description, true, false)
	}
}

func (c *checker) input(in Input) {
	if len(in.Shape) < 1 || len(in.Shape) > modelgate.MaxRank {
		c.invalid("/input/shape", "bad-rank", "input rank must be 1..%d, got %d", modelgate.MaxRank, len(in.Shape))
	}
	for i, d := range in.Shape {
		if d < 1 || d > modelgate.MaxDim {
			c.invalid(fmt.Sprintf("/input/shape/%d", i), "bad-dim", "dimension must be 1..%d, got %d", modelgate.MaxDim, d)
		}
	}
	if in.DType != "float32" {
		c.add(modelgate.EUNSUPPORTED, "/input/dtype", "bad-dtype", "input dtype must be \"float32\", got %q", clip(in.DType))
	}
}

func (c *checker) weights(w WeightsRef) {
	if !isSHA256(w.SHA256) {
		c.invalid("/weights/sha256", "bad-sha256", "sha256 must be 64 lowercase hex digits")
	}
	if w.Bytes < 8 || w.Bytes > c.lim.WeightsBytes {
		code := modelgate.EINVALID
		if w.Bytes > c.lim.WeightsBytes {
			code = modelgate.ELIMIT
		}
		c.add(code, "/weights/bytes", "bad-weights-size", "weights size must be 8..%d bytes, got %d", c.lim.WeightsBytes, w.Bytes)
	}
	if !oneOf(w.DType, weightDTypes) {
		c.add(modelgate.EUNSUPPORTED, "/weights/dtype", "bad-dtype", "weights dtype must be one of %s, got %q",
			strings.Join(weightDTypes, ", "), clip(w.DType))
	}
}

func (c *checker) metadata(m map[string]string) {
	if len(m) > MaxMetadata {
		c.invalid("/metadata", "too-many-entries", "%d metadata entries, limit %d", len(m), MaxMetadata)
		return
	}
	for k, v := range sortedEntries(m) {
		where := "/metadata/" + escapePointer(k)
		if !validKey(k) {
			c.invalid(where, "bad-key", "metadata keys must be 1..%d characters of [A-Za-z0-9._-] starting with a letter or digit", MaxNameLen)
			continue
		}
		if len(v) > MaxDescriptionLen {
			c.invalid(where, "too-long", "metadata value is %d bytes, limit %d", len(v), MaxDescriptionLen)
			continue
		}
		c.text(where, v, true, true)
	}
}

func (c *checker) source(src *Source) {
	if src.Format != "flux-bson" {
		c.add(modelgate.EUNSUPPORTED, "/source/format", "bad-source-format", "source format must be \"flux-bson\", got %q", clip(src.Format))
	}
	if !isSHA256(src.SHA256) {
		c.invalid("/source/sha256", "bad-sha256", "sha256 must be 64 lowercase hex digits")
	}
	if src.Bytes < 1 {
		c.invalid("/source/bytes", "bad-source-size", "source size must be >= 1, got %d", src.Bytes)
	}
	for _, f := range []struct{ name, v string }{{"key", src.Key}, {"flux_version", src.FluxVersion}, {"converter", src.Converter}} {
		name, v := f.name, f.v
		if len(v) > MaxNameLen {
			c.invalid("/source/"+name, "too-long", "%d bytes, limit %d", len(v), MaxNameLen)
			continue
		}
		c.text("/source/"+name, v, false, true)
	}
	if len(src.Notes) > MaxNotes {
		c.invalid("/source/notes", "too-many-entries", "%d notes, limit %d", len(src.Notes), MaxNotes)
		return
	}
	for i, n := range src.Notes {
		where := fmt.Sprintf("/source/notes/%d", i)
		if len(n) > MaxNoteLen {
			c.invalid(where, "too-long", "note is %d bytes, limit %d", len(n), MaxNoteLen)
			continue
		}
		c.text(where, n, false, true)
	}
}

// text checks a free-text string: valid UTF-8, no control characters (tab
// and newline allowed when multiline), no URL, and no path separator when
// noPath.
func (c *checker) text(where, s string, multiline, noPath bool) {
	if !utf8.ValidString(s) {
		c.invalid(where, "invalid-utf8", "invalid UTF-8")
		return
	}
	for _, r := range s {
		if r < 0x20 && !(multiline && (r == '\t' || r == '\n')) || r == 0x7f {
			c.invalid(where, "control-character", "control character U+%04X", r)
			return
		}
	}
	if strings.Contains(s, "://") {
		c.invalid(where, "no-urls", "a spec must not contain URLs")
		return
	}
	if noPath && strings.ContainsAny(s, `/\`) {
		c.invalid(where, "no-paths", "a spec must not contain file paths ('/' and '\\' are refused here)")
	}
}

func validName(s string) bool {
	if len(s) < 1 || len(s) > MaxNameLen || !isAlnum(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !isAlnum(b) && b != '.' && b != '_' && b != '-' {
			return false
		}
	}
	return true
}

// validKey is the rule for metadata keys; the same charset as names.
func validKey(s string) bool { return validName(s) }

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f') {
			return false
		}
	}
	return true
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// escapePointer escapes one JSON pointer reference token (RFC 6901).
func escapePointer(s string) string {
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// sortedEntries iterates over m in key order, so problems come out in a
// stable order.
func sortedEntries(m map[string]string) iter.Seq2[string, string] {
	keys := slices.Sorted(maps.Keys(m))
	return func(yield func(string, string) bool) {
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
