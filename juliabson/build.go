package juliabson

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
)

// Default limits. See [Limits].
const (
	MaxNodes = 1 << 20 // nodes in a graph (~200 MiB at most)
	MaxRank  = 32      // dimensions of one array
)

// Limits bounds what [Build] and [Parse] accept. Zero fields mean the
// defaults.
type Limits struct {
	BSON     bson.Limits // limits of the BSON layer, used by Parse
	MaxNodes int         // nodes built, decoded type parameters included
	MaxRank  int         // dimensions of one array
	// RefuseCycles makes a cycle through _backrefs an error (rule
	// "backref-cycle") instead of a fact listed in Graph.Cycles.
	RefuseCycles bool
}

// DefaultLimits returns the documented defaults (bson.DefaultLimits for the
// BSON layer, cycles represented rather than refused).
func DefaultLimits() Limits {
	return Limits{BSON: bson.DefaultLimits(), MaxNodes: MaxNodes, MaxRank: MaxRank}
}

func (l Limits) orDefault() Limits {
	if l.MaxNodes <= 0 {
		l.MaxNodes = MaxNodes
	}
	if l.MaxRank <= 0 {
		l.MaxRank = MaxRank
	}
	return l
}

// Parse parses data with bson.Parse under lim.BSON and builds its graph.
func Parse(data []byte, lim Limits) (*Graph, error) {
	doc, err := bson.Parse(data, lim.BSON)
	if err != nil {
		return nil, err
	}
	return Build(doc, lim)
}

// tagFields lists, for each BSON.jl tag, the keys its document has besides
// "tag". Documents must have exactly these keys.
var tagFields = map[string][]string{
	"symbol":         {"name"},
	"tuple":          {"data"},
	"svec":           {"data"},
	"ref":            {"path"},
	"datatype":       {"name", "params"},
	"unionall":       {"body", "var"},
	"jl_bottom_type": {},
	"array":          {"type", "size", "data"},
	"struct":         {"type", "data"},
	"backref":        {"ref"},
	"jl_anonymous":   {"typename", "params"},
}

// task is a BSON value waiting to become a node stored in *slot.
type task struct {
	v     bson.Value
	path  *Path
	slot  *Value
	owner int // 1-based _backrefs entry the value lies in; 0 outside _backrefs
}

// frame is a pending part of the build: either one value (single) or the
// elements of a BSON document or array, built one at a time into out. The
// stack of frames grows with the nesting depth, not with the number of
// children.
type frame struct {
	single bool
	one    task           // the value, when single
	elems  []bson.Element // the children otherwise
	i      int            // next child
	path   *Path          // the container's path
	out    []Value        // destination of child i
	keyed  bool           // segments are escaped keys (Dict), not indexes
	refs   bool           // the _backrefs array: 1-based segments, child i owned by i+1
	owner  int
}

// ownedBackref is a backref node and the _backrefs entry holding it.
type ownedBackref struct {
	b     *Backref
	owner int
}

// builder holds the state of one Build call.
type builder struct {
	lim      Limits
	nodes    int
	stack    []frame
	backrefs []ownedBackref
	structs  []*Struct
	arrays   []*Array
	blobs    []*DataType
}

// Build interprets a parsed BSON.jl document as an inert graph under the
// rules in the package documentation. Errors are *modelgate.Error values
// whose Where is "path (byte N)".
func Build(doc *bson.Document, lim Limits) (*Graph, error) {
	b := &builder{lim: lim.orDefault()}
	g := &Graph{}
	if v, ok := doc.Lookup("tag"); ok {
		// BSON.jl would raise the whole top-level document as a tagged value
		// (a ref, a struct...) while we would list its keys: refuse.
		return nil, errAt(modelgate.EUNSUPPORTED, Root("tag"), v.Offset, "top-level-tag", "the top-level document has a tag key")
	}
	var refs *bson.Document
	for _, e := range doc.Elements {
		if e.Key == "_backrefs" {
			d, ok := e.Value.Doc()
			if !ok || !d.IsArray {
				return nil, errAt(modelgate.EINVALID, Root("_backrefs"), e.Value.Offset, "bad-backrefs", "_backrefs is a %v, not an array", e.Value.Kind)
			}
			refs = d
			continue
		}
		g.Top = append(g.Top, Entry{Key: e.Key})
	}
	if refs != nil {
		g.Backrefs = make([]Value, len(refs.Elements))
		b.stack = append(b.stack, frame{elems: refs.Elements, path: Root("_backrefs"), out: g.Backrefs, refs: true})
	}
	i := 0
	for _, e := range doc.Elements {
		if e.Key != "_backrefs" {
			b.pushOne(task{v: e.Value, path: Root(escape(e.Key)), slot: &g.Top[i].Value})
			i++
		}
	}
	if err := b.run(); err != nil {
		return nil, err
	}
	if err := b.link(g); err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	g.Nodes = b.nodes
	return g, nil
}

// next pops the next task off the frame stack.
func (b *builder) next() (task, bool) {
	for len(b.stack) > 0 {
		f := &b.stack[len(b.stack)-1]
		if f.single {
			t := f.one
			b.stack = b.stack[:len(b.stack)-1]
			return t, true
		}
		if f.i == len(f.elems) {
			b.stack = b.stack[:len(b.stack)-1]
			continue
		}
		i := f.i
		f.i++
		t := task{v: f.elems[i].Value, slot: &f.out[i], owner: f.owner}
		switch {
		case f.keyed:
			t.path = f.path.Child(escape(f.elems[i].Key))
		case f.refs:
			t.path, t.owner = f.path.Index(i+1), i+1
		default:
			t.path = f.path.Index(i)
		}
		return t, true
	}
	return task{}, false
}

// run builds nodes until no task is left. It never recurses.
func (b *builder) run() error {
	for {
		t, ok := b.next()
		if !ok {
			return nil
		}
		b.nodes++
		if b.nodes > b.lim.MaxNodes {
			return errAt(modelgate.ELIMIT, t.path, t.v.Offset, "too-many-nodes", "more than %d nodes", b.lim.MaxNodes)
		}
		v, err := b.node(t)
		if err != nil {
			return err
		}
		*t.slot = v
	}
}

// push queues the children of a BSON array as elements of out.
func (b *builder) push(d *bson.Document, path *Path, out []Value, owner int) {
	if len(d.Elements) > 0 {
		b.stack = append(b.stack, frame{elems: d.Elements, path: path, out: out, owner: owner})
	}
}

// pushOne queues a single value.
func (b *builder) pushOne(t task) {
	b.stack = append(b.stack, frame{single: true, one: t})
}

// node builds the node for one BSON value and queues its children.
func (b *builder) node(t task) (Value, error) {
	n := Node{Loc: t.path, Raw: t.v}
	v := t.v
	switch v.Kind {
	case bson.KindNull:
		return &Nothing{n}, nil
	case bson.KindBool:
		x, _ := v.Boolean()
		return &Bool{n, x}, nil
	case bson.KindInt32, bson.KindInt64:
		x, _ := v.Int()
		return &Int{n, x, v.Kind == bson.KindInt32}, nil
	case bson.KindDouble:
		x, _ := v.Float64()
		return &Float{n, x}, nil
	case bson.KindString:
		x, _ := v.Str()
		return &String{n, x}, nil
	case bson.KindBinary:
		x, _ := v.Bytes()
		return &Bytes{n, x}, nil
	case bson.KindArray:
		d, _ := v.Doc()
		vec := &Vector{Node: n, Elems: make([]Value, len(d.Elements))}
		b.push(d, t.path, vec.Elems, t.owner)
		return vec, nil
	}
	d, _ := v.Doc()
	tagv, tagged := d.Lookup("tag")
	if !tagged {
		return b.dict(n, d, t.owner), nil
	}
	tag, ok := tagv.Str()
	if _, known := tagFields[tag]; !ok || !known {
		return nil, errAt(modelgate.EUNSUPPORTED, t.path, v.Offset, "unknown-tag", "document tag %s is not one BSON.jl writes", describeTag(tagv))
	}
	if err := checkFields(d, tag, t.path); err != nil {
		return nil, err
	}
	return b.tagged(n, d, tag, t.owner)
}

// dict builds an untagged document (Dict{Symbol,Any}).
func (b *builder) dict(n Node, d *bson.Document, owner int) *Dict {
	x := &Dict{Node: n, Keys: d.Keys(), Values: make([]Value, len(d.Elements))}
	if len(d.Elements) > 0 {
		b.stack = append(b.stack, frame{elems: d.Elements, path: n.Loc, out: x.Values, keyed: true, owner: owner})
	}
	return x
}

// checkFields checks that a tagged document has exactly its tag's keys.
func checkFields(d *bson.Document, tag string, path *Path) error {
	want := tagFields[tag]
	ok := d.Len() == len(want)+1
	for _, k := range want {
		if _, has := d.Lookup(k); !has {
			ok = false
		}
	}
	if !ok {
		return errAt(modelgate.EINVALID, path, d.Offset, "tag-fields", "%q document has keys %v, want tag and %v", tag, d.Keys(), want)
	}
	return nil
}

// field returns a field of a tagged document (present: checkFields ran).
func field(d *bson.Document, key string) bson.Value {
	v, _ := d.Lookup(key)
	return v
}

// arrayField returns a field that must be a BSON array.
func arrayField(d *bson.Document, key string, path *Path) (*bson.Document, error) {
	v := field(d, key)
	if sub, ok := v.Doc(); ok && sub.IsArray {
		return sub, nil
	}
	return nil, errAt(modelgate.EINVALID, path.Child(key), v.Offset, "field-kind", "%s is a %v, want an array", key, v.Kind)
}

// tagged builds the node of a tagged document.
func (b *builder) tagged(n Node, d *bson.Document, tag string, owner int) (Value, error) {
	p := n.Loc
	switch tag {
	case "symbol":
		name, ok := field(d, "name").Str()
		if !ok {
			return nil, errAt(modelgate.EINVALID, p.Child("name"), field(d, "name").Offset, "field-kind", "symbol name is not a string")
		}
		return &Symbol{n, name}, nil
	case "tuple", "svec":
		data, err := arrayField(d, "data", p)
		if err != nil {
			return nil, err
		}
		elems := make([]Value, len(data.Elements))
		b.push(data, p, elems, owner)
		if tag == "svec" {
			return &SVec{n, elems}, nil
		}
		return &Tuple{n, elems}, nil
	case "ref":
		raw, err := stringsField(d, "path", p)
		if err != nil {
			return nil, err
		}
		return &Ref{Node: n, Names: normalize(raw), RawNames: raw}, nil
	case "datatype":
		return b.datatype(n, d, owner)
	case "unionall":
		u := &UnionAll{Node: n}
		b.pushOne(task{v: field(d, "body"), path: p.Child("body"), slot: &u.Body, owner: owner})
		b.pushOne(task{v: field(d, "var"), path: p.Child("var"), slot: &u.Var, owner: owner})
		return u, nil
	case "jl_bottom_type":
		return &Bottom{n}, nil
	case "array":
		return b.array(n, d, owner)
	case "struct":
		return b.structNode(n, d, owner)
	case "backref":
		r, ok := field(d, "ref").Int()
		if !ok {
			return nil, errAt(modelgate.EINVALID, p.Child("ref"), field(d, "ref").Offset, "field-kind", "backref number is not an integer")
		}
		br := &Backref{Node: n, Ref: int(max(min(r, 1<<31), -1))}
		b.backrefs = append(b.backrefs, ownedBackref{br, owner})
		return br, nil
	}
	// jl_anonymous
	params, err := arrayField(d, "params", p)
	if err != nil {
		return nil, err
	}
	a := &Anonymous{Node: n, Params: make([]Value, len(params.Elements))}
	b.push(params, p.Child("params"), a.Params, owner)
	b.pushOne(task{v: field(d, "typename"), path: p.Child("typename"), slot: &a.TypeName, owner: owner})
	return a, nil
}

// normalize drops a leading "Main" before "Base" or "Core".
func normalize(raw []string) []string {
	if len(raw) >= 2 && raw[0] == "Main" && (raw[1] == "Base" || raw[1] == "Core") {
		return raw[1:]
	}
	return raw
}

// escape makes a key a path segment, JSON-pointer style.
func escape(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

func describeTag(v bson.Value) string {
	if s, ok := v.Str(); ok {
		if len(s) > 64 {
			s = s[:64] + "..."
		}
		return strconv.Quote(s)
	}
	return "of kind " + v.Kind.String()
}

func where(path *Path, off int64) string {
	return fmt.Sprintf("%s (byte %d)", path, off)
}

func errAt(code string, path *Path, off int64, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(code, where(path, off), rule, format, args...)
}
