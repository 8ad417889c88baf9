package juliabson

import (
	"math/bits"
	"slices"

	"github.com/modelgate/modelgate"
)

// link resolves backrefs and finds cycles.
func (b *builder) link(g *Graph) error {
	for i, v := range g.Backrefs {
		if br, ok := v.(*Backref); ok {
			return errAt(modelgate.EINVALID, br.Loc, br.Raw.Offset, "backref-chain", "_backrefs entry %d is itself a backref", i+1)
		}
	}
	for _, ob := range b.backrefs {
		br := ob.b
		if br.Ref < 1 || br.Ref > len(g.Backrefs) {
			return errAt(modelgate.EINVALID, br.Loc, br.Raw.Offset, "backref-range", "backref %d outside _backrefs[1:%d]", br.Ref, len(g.Backrefs))
		}
		br.Target = g.Backrefs[br.Ref-1]
	}
	g.Cycles = b.cycles(len(g.Backrefs))
	if len(g.Cycles) > 0 && b.lim.RefuseCycles {
		br := g.Backrefs[g.Cycles[0]-1].Meta()
		return errAt(modelgate.EUNSUPPORTED, br.Loc, br.Raw.Offset, "backref-cycle", "_backrefs entry %d refers back to itself", g.Cycles[0])
	}
	return nil
}

// cycles returns the sorted 1-based numbers of the _backrefs entries that
// lie on a cycle (a strongly connected component with more than one entry,
// or an entry referring to itself). Tarjan's algorithm, iterative.
func (b *builder) cycles(n int) []int {
	adj := make([][]int, n+1) // adj[owner] = referenced entries; owner 0 = outside
	self := make([]bool, n+1)
	for _, ob := range b.backrefs {
		if ob.owner > 0 {
			adj[ob.owner] = append(adj[ob.owner], ob.b.Ref)
			if ob.owner == ob.b.Ref {
				self[ob.owner] = true
			}
		}
	}
	index := make([]int, n+1) // 0 = unvisited, else visit order + 1
	low := make([]int, n+1)
	onStack := make([]bool, n+1)
	var stack, out []int
	type frame struct{ v, next int }
	counter := 0
	for root := 1; root <= n; root++ {
		if index[root] != 0 {
			continue
		}
		call := []frame{{root, 0}}
		counter++
		index[root], low[root] = counter, counter
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.next < len(adj[f.v]) {
				w := adj[f.v][f.next]
				f.next++
				switch {
				case index[w] == 0:
					counter++
					index[w], low[w] = counter, counter
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			start := len(stack) - 1
			for stack[start] != v {
				start--
			}
			comp := stack[start:]
			if len(comp) > 1 || self[v] {
				out = append(out, comp...)
			}
			for _, w := range comp {
				onStack[w] = false
			}
			stack = stack[:start]
		}
	}
	slices.Sort(out)
	return out
}

// check runs the checks that need resolved types: struct types, primitive
// widths, array element types and sizes, and datatype parameter blobs.
func (b *builder) check() error {
	for _, s := range b.structs {
		if err := checkStruct(s); err != nil {
			return err
		}
	}
	for _, a := range b.arrays {
		if err := checkArray(a); err != nil {
			return err
		}
	}
	for _, t := range b.blobs {
		if err := b.decodeParams(t); err != nil {
			return err
		}
	}
	return nil
}

// checkStruct checks a struct's type and, for primitive data, its width.
func checkStruct(s *Struct) error {
	switch t := Deref(s.Type).(type) {
	case *DataType:
		prim := primitiveOf(t, len(s.Bits))
		switch {
		case s.Fields != nil && prim != nil:
			return errAt(modelgate.EINVALID, s.Loc, s.Raw.Offset, "primitive-width", "%s value stored as fields, not bytes", t.Name())
		case s.Fields != nil:
		case prim == nil && t.Name() == "Base.Complex":
			return errAt(modelgate.EINVALID, s.Loc, s.Raw.Offset, "primitive-width", "%s is not a primitive type but is stored as bytes", t.Name())
		case prim != nil && len(s.Bits) != prim.Width:
			return errAt(modelgate.EINVALID, s.Loc, s.Raw.Offset, "primitive-width", "%s value of %d bytes, want %d", t.Name(), len(s.Bits), prim.Width)
		}
		s.Prim = prim
	case *Anonymous:
		if s.Fields == nil {
			return errAt(modelgate.EINVALID, s.Loc, s.Raw.Offset, "primitive-width", "function value stored as bytes")
		}
	default:
		return errAt(modelgate.EINVALID, s.Loc.Child("type"), s.Raw.Offset, "struct-type", "struct type is a %s, not a datatype", kindName(t))
	}
	return nil
}

// checkArray checks a bits array's element type and byte length, and that
// a boxed array's element type is not a bits type.
func checkArray(a *Array) error {
	elem := arrayElemOf(a.Type)
	if a.Elems != nil { // boxed
		if elem != nil {
			return errAt(modelgate.EINVALID, a.Loc, a.Raw.Offset, "array-data", "array of %s holds boxed values, not bytes", elem.Name)
		}
		return nil
	}
	if elem == nil {
		return errAt(modelgate.EUNSUPPORTED, a.Loc.Child("type"), a.Raw.Offset, "array-elem-type", "bits array of %s: not an allowed element type", typeLabel(a.Type))
	}
	hi, lo := bits.Mul64(uint64(a.Len()), uint64(elem.Width))
	if hi != 0 || lo != uint64(len(a.Data)) {
		return errAt(modelgate.EINVALID, a.Loc, a.Raw.Offset, "array-size", "dimensions %v of %s need %d bytes, data has %d", a.Dims, elem.Name, lo, len(a.Data))
	}
	a.Elem = elem
	return nil
}

// decodeParams turns an array-tagged params blob into parameter values.
func (b *builder) decodeParams(t *DataType) error {
	a, ok := t.blob.(*Array)
	t.blob = nil
	if !ok || a.Elem == nil || len(a.Dims) != 1 {
		return errAt(modelgate.EINVALID, t.Loc, t.Raw.Offset, "datatype-params", "datatype params blob is not a vector of bits values")
	}
	vals, err := a.Int64s()
	if err != nil {
		return errAt(modelgate.EUNSUPPORTED, a.Loc, a.Raw.Offset, "datatype-params", "datatype params blob of %s, want integers", a.Elem.Name)
	}
	b.nodes += len(vals)
	if b.nodes > b.lim.MaxNodes {
		return errAt(modelgate.ELIMIT, a.Loc, a.Raw.Offset, "too-many-nodes", "more than %d nodes", b.lim.MaxNodes)
	}
	t.ParamsArray = a
	t.Params = make([]Value, len(vals))
	for i, v := range vals {
		t.Params[i] = &Int{Node: Node{Loc: a.Loc.Index(i), Raw: a.Raw}, V: v}
	}
	return nil
}

// typeLabel names a type value for a message.
func typeLabel(v Value) string {
	if t, ok := Deref(v).(*DataType); ok {
		return t.Name()
	}
	return kindName(Deref(v))
}
