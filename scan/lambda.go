package scan

import (
	"bytes"
	"sort"
	"strings"

	"github.com/modelgate/modelgate/juliabson"
)

// KnownLambda reports whether a is exactly the anonymous function
// x -> reshape(x, :, size(x, N)) and returns N. The whole function is
// matched as data, never run:
//
//   - a has no type parameters (a closure would capture values) and its
//     TypeName holds exactly one Method of one argument whose signature is
//     Tuple{<this function>, Any}, and exactly one CodeInfo;
//   - everything outside the code is inert: strings, symbols, numbers,
//     empty svecs, line-info records, refs to Main (or Main.X, Base) as the
//     defining module, null pointers, and only the types Core.Function,
//     Core.Any and Core.Tuple;
//   - the code evaluates, statement by statement and symbolically, to
//     reshape(x, :, size(x, N)) with x the argument (slot 2): every
//     statement is GlobalRef(:), size(x, N), reshape(x, :, %k) or the
//     return, every GlobalRef is Main/Base size, reshape or (:), each
//     value is used exactly once and nothing else is there.
//
// Any other lambda, or any deviation, is not matched.
func KnownLambda(a *juliabson.Anonymous) (int, bool) {
	return knownLambda(a, 0)
}

// knownLambda matches a; at depth 0 the method signature may name a
// byte-identical copy of the function (a BSON.jl writer quirk), which must
// match too, with the same N.
func knownLambda(a *juliabson.Anonymous, depth int) (int, bool) {
	if a == nil || len(a.Params) != 0 {
		return 0, false
	}
	root, ok := juliabson.Deref(a.TypeName).(*juliabson.Struct)
	if !ok || root.TypeName() != "Core.TypeName" || root.IsBits() {
		return 0, false
	}
	m := &lambdaMatch{root: root, depth: depth}
	if !m.wrapper() || m.methods != 1 || m.infos != 1 || m.code == nil {
		return 0, false
	}
	n, ok := matchCode(m.code)
	if !ok {
		return 0, false
	}
	for _, c := range m.copies {
		if cn, ok := knownLambda(c, depth+1); !ok || cn != n {
			return 0, false
		}
	}
	return n, true
}

type lambdaMatch struct {
	root    *juliabson.Struct
	depth   int
	copies  []*juliabson.Anonymous
	methods int
	infos   int
	code    *juliabson.Vector
}

// wrapper walks everything reachable from the TypeName except the code
// vector and accepts only inert values.
func (m *lambdaMatch) wrapper() bool {
	seen := map[juliabson.Value]bool{}
	stack := []juliabson.Value{m.root}
	for n := 0; len(stack) > 0; n++ {
		if n > 4096 {
			return false
		}
		v := juliabson.Deref(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		if v == nil || seen[v] {
			continue
		}
		seen[v] = true
		if !m.inert(v) {
			return false
		}
		if st, ok := v.(*juliabson.Struct); ok && st.TypeName() == "Core.CodeInfo" {
			code, ok := juliabson.Deref(st.Fields[0]).(*juliabson.Vector)
			if !ok {
				return false
			}
			m.code = code
			for _, f := range st.Fields[1:] {
				stack = append(stack, f)
			}
			stack = append(stack, st.Type)
			continue
		}
		if an, ok := v.(*juliabson.Anonymous); ok {
			if len(an.Params) != 0 {
				return false
			}
			if juliabson.Deref(an.TypeName) != juliabson.Value(m.root) {
				if m.depth > 0 {
					return false
				}
				m.copies = append(m.copies, an)
			}
			continue
		}
		for _, c := range juliabson.Children(v) {
			stack = append(stack, c.Value)
		}
	}
	return true
}

// lambdaTypes are the datatypes allowed in the wrapper of a known lambda.
var lambdaTypes = map[string]bool{
	"Core.Function": true, "Core.Any": true, "Core.Tuple": true, "Core.TypeName": true,
	"Core.Method": true, "Core.CodeInfo": true, "Core.LineInfoNode": true, "Core.Nothing": true,
	"Core.Ptr": true, "Core.Int32": true, "Core.Int64": true, "Core.UInt8": true, "Core.UInt16": true,
	"Core.UInt32": true, "Core.UInt64": true, "Core.Bool": true,
}

func (m *lambdaMatch) inert(v juliabson.Value) bool {
	switch x := v.(type) {
	case *juliabson.String, *juliabson.Symbol, *juliabson.Bool, *juliabson.Int, *juliabson.Float,
		*juliabson.Nothing, *juliabson.Bytes, *juliabson.Vector, *juliabson.SVec, *juliabson.Anonymous:
		return true
	case *juliabson.Ref:
		return moduleRef(x.Names)
	case *juliabson.DataType:
		return lambdaTypes[x.Name()]
	case *juliabson.Array:
		return x.Elem != nil && (x.Elem.Kind == juliabson.KindSigned || x.Elem.Kind == juliabson.KindUnsigned)
	case *juliabson.Struct:
		return m.inertStruct(x)
	}
	return false
}

func (m *lambdaMatch) inertStruct(x *juliabson.Struct) bool {
	name := x.TypeName()
	if x.IsBits() {
		if x.Prim == nil {
			return false
		}
		if x.Prim.IsPointer() {
			return !bytes.ContainsFunc(x.Bits, func(r rune) bool { return r != 0 })
		}
		return true
	}
	switch name {
	case "Core.TypeName":
		return x == m.root
	case "Core.Method":
		m.methods++
		return methodOfOneArg(x)
	case "Core.CodeInfo":
		m.infos++
		return len(x.Fields) > 0
	case "Core.LineInfoNode":
		return true
	}
	return false
}

// methodOfOneArg checks that the method's signature is
// Tuple{<root's function>, Any}.
func methodOfOneArg(x *juliabson.Struct) bool {
	for _, f := range x.Fields {
		t, ok := juliabson.Deref(f).(*juliabson.DataType)
		if !ok || t.Name() != "Core.Tuple" {
			continue
		}
		if len(t.Params) != 2 {
			return false
		}
		an, ok := juliabson.Deref(t.Params[0]).(*juliabson.Anonymous)
		arg, ok2 := juliabson.Deref(t.Params[1]).(*juliabson.DataType)
		return ok && ok2 && len(an.Params) == 0 && arg.Name() == "Core.Any" && len(arg.Params) == 0
	}
	return false
}

// moduleRef accepts Main, Main.X... and Base as a module path.
func moduleRef(names []string) bool {
	return (len(names) >= 1 && names[0] == "Main") || (len(names) == 1 && names[0] == "Base")
}

// sym is a symbolic IR value.
type sym struct {
	kind string // "x", "colon", "int", "size", "reshape", "fn:size", "fn:reshape"
	n    int64
}

// matchCode evaluates the statements symbolically.
func matchCode(code *juliabson.Vector) (int, bool) {
	if len(code.Elems) < 3 || len(code.Elems) > 4 {
		return 0, false
	}
	vals := make([]sym, len(code.Elems))
	used := make([]int, len(code.Elems))
	var ret *sym
	for i, st := range code.Elems {
		if ret != nil {
			return 0, false // statements after the return
		}
		if g, ok := globalRef(st); ok {
			if g != ":" {
				return 0, false
			}
			vals[i] = sym{kind: "colon"}
			continue
		}
		head, args, ok := exprOf(st)
		if !ok {
			return 0, false
		}
		operands := make([]sym, len(args))
		for j, a := range args {
			o, ok := operand(a, i, vals, used, j == 0 && head == "call")
			if !ok {
				return 0, false
			}
			operands[j] = o
		}
		switch {
		case head == "return" && len(operands) == 1:
			r := operands[0]
			ret = &r
		case head == "call":
			v, ok := apply(operands)
			if !ok {
				return 0, false
			}
			vals[i] = v
		default:
			return 0, false
		}
	}
	if ret == nil || ret.kind != "reshape" {
		return 0, false
	}
	for i := range vals {
		if vals[i].kind != "" && used[i] != 1 {
			return 0, false
		}
	}
	return int(ret.n), true
}

// apply evaluates a call symbolically.
func apply(ops []sym) (sym, bool) {
	switch {
	case len(ops) == 3 && ops[0].kind == "fn:size" && ops[1].kind == "x" && ops[2].kind == "int":
		return sym{kind: "size", n: ops[2].n}, ops[2].n >= 1 && ops[2].n <= 8
	case len(ops) == 4 && ops[0].kind == "fn:reshape" && ops[1].kind == "x" && ops[2].kind == "colon" && ops[3].kind == "size":
		return sym{kind: "reshape", n: ops[3].n}, true
	}
	return sym{}, false
}

// operand turns one argument into a symbolic value.
func operand(a juliabson.Value, at int, vals []sym, used []int, callee bool) (sym, bool) {
	if g, ok := globalRef(a); ok {
		switch {
		case callee && (g == "size" || g == "reshape"):
			return sym{kind: "fn:" + g}, true
		case !callee && g == ":":
			return sym{kind: "colon"}, true
		}
		return sym{}, false
	}
	if callee {
		return sym{}, false
	}
	if n, ok := irRef(a, "Core.SlotNumber"); ok {
		return sym{kind: "x"}, n == 2
	}
	if n, ok := irRef(a, "Core.SSAValue"); ok {
		k := int(n) - 1
		if k < 0 || k >= at || vals[k].kind == "" {
			return sym{}, false
		}
		used[k]++
		return vals[k], true
	}
	if i, ok := juliabson.Deref(a).(*juliabson.Int); ok {
		return sym{kind: "int", n: i.V}, true
	}
	return sym{}, false
}

// exprOf reads an Expr(head, args) or a ReturnNode(val) as ("return", [val]).
func exprOf(v juliabson.Value) (string, []juliabson.Value, bool) {
	st, ok := juliabson.Deref(v).(*juliabson.Struct)
	if !ok || st.IsBits() {
		return "", nil, false
	}
	switch st.TypeName() {
	case "Core.ReturnNode":
		if len(st.Fields) != 1 {
			return "", nil, false
		}
		return "return", st.Fields, true
	case "Core.Expr":
		if len(st.Fields) != 2 {
			return "", nil, false
		}
		head, ok := juliabson.AsSymbol(st.Fields[0])
		args, ok2 := juliabson.Deref(st.Fields[1]).(*juliabson.Vector)
		if !ok || !ok2 {
			return "", nil, false
		}
		return head, args.Elems, true
	}
	return "", nil, false
}

// globalRef reads a GlobalRef(module, name[, binding]) to Main/Base.
func globalRef(v juliabson.Value) (string, bool) {
	st, ok := juliabson.Deref(v).(*juliabson.Struct)
	if !ok || st.IsBits() || st.TypeName() != "Core.GlobalRef" || len(st.Fields) < 2 || len(st.Fields) > 3 {
		return "", false
	}
	mod, ok := juliabson.Deref(st.Fields[0]).(*juliabson.Ref)
	name, ok2 := juliabson.AsSymbol(st.Fields[1])
	if !ok || !ok2 || !moduleRef(mod.Names) {
		return "", false
	}
	if len(st.Fields) == 3 {
		switch b := juliabson.Deref(st.Fields[2]).(type) {
		case *juliabson.Nothing:
		case *juliabson.Struct:
			if b.Prim == nil || !b.Prim.IsPointer() || bytes.ContainsFunc(b.Bits, func(r rune) bool { return r != 0 }) {
				return "", false
			}
		default:
			return "", false
		}
	}
	return name, true
}

// irRef reads a SlotNumber or SSAValue (one integer field).
func irRef(v juliabson.Value, typ string) (int64, bool) {
	st, ok := juliabson.Deref(v).(*juliabson.Struct)
	if !ok || st.IsBits() || st.TypeName() != typ || len(st.Fields) != 1 {
		return 0, false
	}
	n, ok := juliabson.Deref(st.Fields[0]).(*juliabson.Int)
	if !ok {
		return 0, false
	}
	return n.V, true
}

// irCalls lists the globals an anonymous function's IR refers to, for the
// finding's message (at most 12, sorted).
func irCalls(a *juliabson.Anonymous) []string {
	set := map[string]bool{}
	seen := map[juliabson.Value]bool{}
	stack := []juliabson.Value{a}
	for n := 0; len(stack) > 0 && n < 100000; n++ {
		v := juliabson.Deref(stack[len(stack)-1])
		stack = stack[:len(stack)-1]
		if v == nil || seen[v] {
			continue
		}
		seen[v] = true
		if st, ok := v.(*juliabson.Struct); ok && st.TypeName() == "Core.GlobalRef" && len(st.Fields) >= 2 {
			mod, _ := juliabson.Deref(st.Fields[0]).(*juliabson.Ref)
			name, _ := juliabson.AsSymbol(st.Fields[1])
			if mod != nil {
				set[mod.Name()+"."+name] = true
			}
		}
		for _, c := range juliabson.Children(v) {
			stack = append(stack, c.Value)
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, strings.TrimPrefix(k, "Main."))
	}
	sort.Strings(out)
	if len(out) > 12 {
		out = append(out[:12], "...")
	}
	return out
}
