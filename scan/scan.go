package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/magic"
)

// Options tunes [File].
type Options struct {
	// Limits bounds parsing; zero fields take juliabson's defaults.
	Limits juliabson.Limits
	// AllowKnownLambdas accepts exactly the anonymous flatten function
	// x -> reshape(x, :, size(x, N)), matched as data over its whole
	// lowered IR (see [KnownLambda]). It is then a note, not a finding.
	AllowKnownLambdas bool
	// Key, when set, scopes the refusal to one top-level key: critical
	// and high findings in values not reachable from it are reported as
	// warnings ("outside the key"), since only that key is converted.
	// The default judges the whole file.
	Key string
	// Progress, when set, is called with the number of nodes judged so far
	// and the total, at most a few hundred times per file.
	Progress func(done, total int)
}

// Rules lists every rule id a finding can carry, with its severity.
var Rules = map[string]Severity{
	"serialized-code":      Critical,
	"gadget":               Critical,
	"pointer":              Critical,
	"opaque-bits":          Critical,
	"fix-not-allowed":      Critical,
	"tracker-call":         Critical,
	"type-not-allowed":     High,
	"user-type":            High,
	"function-not-allowed": High,
	"ref-not-allowed":      High,
	"gpu-array":            High,
	"field-count":          High,
	"too-many-findings":    High,
	"batchnorm-active":     Warning,
	"extra-key":            Warning,
	"no-model":             Warning,
	"known-lambda":         Note,
	"optimiser-state":      Note,
	"mixed-versions":       Warning,
	"parse-error":          High,
	"backref-cycle":        High,
}

// SHA256 returns the lowercase hex SHA-256 of data.
func SHA256(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// File scans one file held in memory. It returns the report and, when the
// file cannot be parsed safely (unsupported format, malformed, truncated,
// over a budget), an error (a *modelgate.Error) as well; the report's
// Err() then says nothing about the content.
func File(ctx context.Context, data []byte, opt Options) (*Report, error) {
	r := &Report{Format: magic.Detect(data), Bytes: int64(len(data)), Findings: []Finding{}}
	g, err := Parse(ctx, data, r.Format, opt.Limits)
	if err != nil {
		r.Error = err.Error()
		return r, err
	}
	if err := scanGraph(ctx, r, g, opt); err != nil {
		r.Error = err.Error()
		return r, err
	}
	return r, nil
}

// Parse checks the detected format and parses a BSON.jl file into its
// graph. Formats other than BSON, plain BSON that BSON.jl did not write
// (no Julia value anywhere, but nested documents or Int32 values: a Keras
// config, a MongoDB dump) are refused as EUNSUPPORTED.
func Parse(ctx context.Context, data []byte, f magic.Format, lim juliabson.Limits) (*juliabson.Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f != magic.BSON {
		return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, "byte 0", "format-unsupported",
			"the file is %s (detected from its first bytes), not a BSON.jl file", describeFormat(f))
	}
	g, err := juliabson.Parse(data, lim)
	if err != nil {
		var me *modelgate.Error
		if errors.As(err, &me) {
			return nil, err
		}
		return nil, modelgate.Errorf(modelgate.EINVALID, "byte 0", "malformed", "%v", err)
	}
	if plain, where := plainBSON(g); plain {
		return nil, modelgate.Errorf(modelgate.EUNSUPPORTED, where, "not-bsonjl",
			"plain BSON holding no Julia value (no BSON.jl tag anywhere): not written by BSON.jl from a Flux model")
	}
	return g, nil
}

func describeFormat(f magic.Format) string {
	switch f {
	case magic.JuliaSerialization:
		return "a Julia Serialization stream (\"7JL\")"
	case magic.Empty:
		return "empty"
	case magic.Unknown:
		return "of an unknown format"
	}
	return "a " + string(f) + " file"
}

// plainBSON reports whether the graph holds no tagged BSON.jl value but
// untagged nested documents or Int32 values, and where the first is.
func plainBSON(g *juliabson.Graph) (bool, string) {
	tagged, where := false, ""
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		switch x := v.(type) {
		case *juliabson.Dict, *juliabson.Vector, *juliabson.Nothing, *juliabson.Bool, *juliabson.Float,
			*juliabson.String, *juliabson.Bytes:
			if _, ok := v.(*juliabson.Dict); ok && where == "" {
				where = at.String()
			}
		case *juliabson.Int:
			if x.Is32 && where == "" {
				where = at.String()
			}
		default:
			tagged = true
			return false
		}
		return !tagged
	})
	return !tagged && where != "", where
}

// scanGraph walks the whole graph and fills r.
func scanGraph(ctx context.Context, r *Report, g *juliabson.Graph, opt Options) error {
	r.Keys, r.Nodes = g.Keys(), g.Nodes
	s := &scanner{r: r, opt: opt, version: All, total: g.Nodes}
	var ctxErr error
	var scoped map[juliabson.Value]bool
	fn := func(at *juliabson.Path, val juliabson.Value) bool {
		if ctxErr != nil || (s.outside && scoped[val]) {
			return false
		}
		if scoped != nil && !s.outside {
			scoped[val] = true
		}
		s.done++
		if s.done%4096 == 0 {
			if ctxErr = ctx.Err(); ctxErr != nil {
				return false
			}
			if opt.Progress != nil {
				opt.Progress(s.done, s.total)
			}
		}
		return s.visit(at, val)
	}
	if root, ok := g.Lookup(opt.Key); ok && opt.Key != "" {
		scoped = map[juliabson.Value]bool{}
		juliabson.Walk(root, juliabson.Root(opt.Key), fn)
		s.outside = true
	}
	g.Walk(fn)
	if ctxErr != nil {
		return ctxErr
	}
	s.cycles(g)
	s.classifyKeys(g)
	if !s.mixed {
		r.FluxVersion = s.version.String()
		if r.FluxVersion == "any" {
			r.FluxVersion = ""
		}
	}
	if opt.Progress != nil {
		opt.Progress(s.total, s.total)
	}
	return nil
}

type scanner struct {
	r           *Report
	opt         Options
	version     Range
	mixed       bool
	done, total int
	covered     map[juliabson.Value]bool // nodes of recognised known lambdas
	lambdas     int                      // recognised known lambdas
	outside     bool                     // judging values outside Options.Key
}

// add records a finding; outside the scoped key, blocking findings become
// warnings.
func (s *scanner) add(sev Severity, rule, subject, path, format string, args ...any) {
	if s.outside && sev.Blocking() {
		s.r.add(Warning, rule, "outside:"+subject, path, "outside the key "+strconvQuote(s.opt.Key)+" (not converted): "+format, args...)
		return
	}
	s.r.add(sev, rule, subject, path, format, args...)
}

func strconvQuote(k string) string { return fmt.Sprintf("%q", k) }

// cover marks every node reachable from v as judged (a recognised lambda).
func (s *scanner) cover(v juliabson.Value) {
	s.lambdas++
	if s.covered == nil {
		s.covered = map[juliabson.Value]bool{}
	}
	stack := []juliabson.Value{v}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == nil || s.covered[x] {
			continue
		}
		s.covered[x] = true
		if b, ok := x.(*juliabson.Backref); ok {
			stack = append(stack, b.Target)
			continue
		}
		for _, c := range juliabson.Children(x) {
			stack = append(stack, c.Value)
		}
	}
}

// label renders a path for a finding: the walk path with the type name of
// the node appended.
func label(at *juliabson.Path, name string) string {
	p := at.String()
	if name != "" {
		p += "/" + name
	}
	return p
}

// visit judges one node and says whether to descend.
func (s *scanner) visit(at *juliabson.Path, val juliabson.Value) bool {
	if s.covered[val] {
		return false
	}
	switch x := val.(type) {
	case *juliabson.Struct:
		return s.structNode(at, x)
	case *juliabson.DataType:
		s.datatype(at, x)
		return true
	case *juliabson.Anonymous:
		s.anonymous(at, x)
		return false
	case *juliabson.Ref:
		s.ref(at, x)
		return false
	}
	return true
}

// datatype judges a type wherever it appears.
func (s *scanner) datatype(at *juliabson.Path, t *juliabson.DataType) {
	name := t.Name()
	if allowedType(name) {
		return
	}
	if codeTypes[name] && s.lambdas > 0 {
		return // a bare IR type left over by a recognised lambda (BSON.jl writes duplicates); instances are judged as structs
	}
	s.unknown(label(at, name), name, "type")
}

// unknown records a name outside the allow-list with the right severity.
func (s *scanner) unknown(path, name, what string) {
	fn, singleton := funcName(name)
	switch {
	case codeTypes[name]:
		s.add(Critical, "serialized-code", name, path, "%s is serialized code (lowered IR); it would be installed and run", name)
	case gadgetTypes[name]:
		s.add(Critical, "gadget", name, path, "%s is a known load-time gadget type (BSON.jl #50 family): building it can run code or touch memory", name)
	case gadgetFuncs[fn] && (singleton || what == "ref"):
		s.add(Critical, "gadget", name, path, "%s names a function that runs commands, evaluates code or touches files or memory", name)
	case hasGPUPrefix(name):
		s.add(High, "gpu-array", name, path, "%s is a GPU type: the file holds device pointers, not weights (save with cpu(model))", name)
	case strings.HasPrefix(name, "Main."):
		s.add(High, "user-type", name, path, "%s is a user-defined %s under Main: modelgate cannot represent code it does not know", name, kindWord(singleton))
	case singleton:
		s.add(High, "function-not-allowed", name, path, "function %s is not in the allow-list", name)
	case what == "ref":
		s.add(High, "ref-not-allowed", name, path, "reference to the global %s is not allowed", name)
	default:
		s.add(High, "type-not-allowed", name, path, "type %s is not in the allow-list", name)
	}
}

func kindWord(singleton bool) string {
	if singleton {
		return "function"
	}
	return "type"
}

func hasGPUPrefix(name string) bool {
	for _, p := range gpuPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ref judges a ref node: a module or global binding by path.
func (s *scanner) ref(at *juliabson.Path, r *juliabson.Ref) {
	s.unknown(label(at, "ref "+r.Name()), r.Name(), "ref")
}

// anonymous judges an anonymous function type: serialized code unless it
// is the known flatten lambda and the caller allows it.
func (s *scanner) anonymous(at *juliabson.Path, a *juliabson.Anonymous) {
	if s.opt.AllowKnownLambdas {
		if n, ok := KnownLambda(a); ok {
			s.cover(a)
			s.add(Note, "known-lambda", fmt.Sprint("flatten", n), at.String(),
				"anonymous function x -> reshape(x, :, size(x, %d)) recognised from its whole lowered IR: converted to a flatten layer, never run", n)
			return
		}
	}
	calls := irCalls(a)
	msg := "anonymous function with serialized lowered IR: BSON.load would install it as a method and model(x) would run it"
	if len(calls) > 0 {
		msg += "; it calls " + strings.Join(calls, ", ")
	}
	s.add(Critical, "serialized-code", "anon:"+at.String(), at.String()+"/<anonymous function>", "%s", msg)
	for _, c := range calls {
		if fn, _ := funcName(c); gadgetFuncs[fn] {
			s.add(Critical, "gadget", c, at.String()+"/<anonymous function>", "serialized code calls %s", c)
		}
	}
}

// structNode judges a struct value and says whether to descend.
func (s *scanner) structNode(at *juliabson.Path, x *juliabson.Struct) bool {
	switch t := juliabson.Deref(x.Type).(type) {
	case *juliabson.Anonymous:
		s.anonymous(at, t)
		return false
	case *juliabson.DataType:
		return s.typedStruct(at, x, t)
	}
	return true
}

func (s *scanner) typedStruct(at *juliabson.Path, x *juliabson.Struct, t *juliabson.DataType) bool {
	name := t.Name()
	path := label(at, name)
	if x.IsBits() {
		return s.bitsStruct(path, x, name)
	}
	if name == "Base.Fix1" {
		if !fix1Allowed(x) {
			s.add(Critical, "fix-not-allowed", name, path, "Base.Fix1 over a function outside the allow-list: calling it would run that function")
			return false
		}
	}
	if name == "Tracker.Call" || name == "Flux.Tracker.Call" {
		if !emptyCall(x) {
			s.add(Critical, "tracker-call", name, path, "%s with a function or arguments: a recorded call, not plain weights", name)
			return false
		}
	}
	if name == "Core.TypeName" && s.opt.AllowKnownLambdas {
		if n, ok := KnownLambda(&juliabson.Anonymous{TypeName: x}); ok {
			s.cover(x)
			s.add(Note, "known-lambda", fmt.Sprint("flatten", n), at.String(),
				"a copy of the function x -> reshape(x, :, size(x, %d)) recognised from its whole lowered IR; never run", n)
			return false
		}
	}
	rule, ok := lookupStruct(name)
	if !ok {
		s.unknown(path, name, "struct")
		return !codeTypes[name] // do not flood with the IR's inner nodes
	}
	if name == "Core.NamedTuple" {
		return true
	}
	s.fieldCount(path, name, rule, len(x.Fields))
	if rule.Kind == KindLayer && t.TypeName() == "BatchNorm" {
		s.batchNormActive(path, x)
	}
	return true
}

// bitsStruct judges a struct stored as raw bytes.
func (s *scanner) bitsStruct(path string, x *juliabson.Struct, name string) bool {
	switch {
	case x.Prim != nil && x.Prim.IsPointer():
		s.add(Critical, "pointer", name, path, "a raw pointer value (%s): forged pointers break memory safety when loaded", name)
	case x.Prim == nil && hasGPUPrefix(name):
		s.add(High, "gpu-array", name, path, "%s is a GPU device pointer: the file holds no weights (save with cpu(model))", name)
	case x.Prim == nil:
		s.add(Critical, "opaque-bits", name, path, "raw bytes of the unknown primitive type %s", name)
	case !primitiveStructs[name]:
		s.unknown(path, name, "struct")
	}
	return true
}

// fieldCount checks the field count against the layouts and narrows the
// version range.
func (s *scanner) fieldCount(path, name string, rule StructRule, n int) {
	if rule.Layouts == nil {
		return
	}
	var counts []string
	for _, l := range rule.Layouts {
		if l.Fields == n {
			if l.Versions == All {
				return
			}
			nv, ok := s.version.intersect(l.Versions)
			if !ok && !s.mixed {
				s.mixed = true
				s.add(Warning, "mixed-versions", name, path, "%s with %d fields is from Flux %s, which does not fit the other layouts (%s)", name, n, l.Versions, s.version)
			}
			s.version = nv
			return
		}
		counts = append(counts, fmt.Sprint(l.Fields))
	}
	s.add(High, "field-count", fmt.Sprint(name, n), path, "%s with %d fields: no Flux version wrote that (known: %s)", name, n, strings.Join(counts, ", "))
}

// batchNormActive warns about a BatchNorm saved in training mode.
func (s *scanner) batchNormActive(path string, x *juliabson.Struct) {
	idx := -1
	switch len(x.Fields) {
	case 8:
		idx = 7
	case 11:
		idx = 9
	}
	if idx < 0 {
		return
	}
	if b, ok := juliabson.AsBool(x.Fields[idx]); ok && b {
		s.add(Warning, "batchnorm-active", "bn", path, "BatchNorm saved with active = true (training mode): Flux would use batch statistics; converted with its running statistics")
	}
}

// fix1Allowed accepts only Base.Fix1(broadcast, activation), LayerNorm's
// affine-less diag in Flux >= 0.13.
func fix1Allowed(x *juliabson.Struct) bool {
	if len(x.Fields) != 2 {
		return false
	}
	f, g := juliabson.TypeOf(x.Fields[0]), juliabson.TypeOf(x.Fields[1])
	return f != nil && g != nil && f.Name() == "Base.#broadcast" && isActivation(g.Name())
}

// emptyCall accepts a Tracker.Call with no function and no arguments
// (the Call{Nothing,Tuple{}} of a parameter leaf).
func emptyCall(x *juliabson.Struct) bool {
	if len(x.Fields) != 2 {
		return false
	}
	_, isNothing := juliabson.Deref(x.Fields[0]).(*juliabson.Nothing)
	tup, isTuple := juliabson.Deref(x.Fields[1]).(*juliabson.Tuple)
	return isNothing && isTuple && len(tup.Elems) == 0
}

// cycles reports backref cycles that are not part of a recognised known
// lambda: Flux models never hold them (only functions' TypeNames do), and
// BSON.jl rebuilding one could loop or build invariant-free objects.
func (s *scanner) cycles(g *juliabson.Graph) {
	for _, n := range g.Cycles {
		if n < 1 || n > len(g.Backrefs) {
			continue
		}
		v := g.Backrefs[n-1]
		if s.covered[v] {
			continue
		}
		s.add(High, "backref-cycle", "cycle", "_backrefs/"+fmt.Sprint(n), "_backrefs entry %d refers back to itself (a cyclic object graph); no Flux model has one", n)
	}
}
