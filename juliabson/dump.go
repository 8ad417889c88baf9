package juliabson

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes one line per node of g, in [Graph.Walk] order: the walk
// path, the kind and a short description ("datatype Flux.Dense",
// "array Float32 [42 13]", "int 3", "backref 5"). Long strings are
// shortened. It is meant for debugging, golden tests and an inspect
// command; it stops at the first write error.
func (g *Graph) Dump(w io.Writer) error {
	bw := bufio.NewWriter(w)
	g.Walk(func(at *Path, v Value) bool {
		_, err := fmt.Fprintf(bw, "%s %s\n", at, Describe(v))
		return err == nil
	})
	return bw.Flush()
}

// Describe returns a one-line description of a node: its kind name and
// the detail that identifies it (a type name, a value, dimensions).
func Describe(v Value) string {
	k := kindName(v)
	switch v := v.(type) {
	case *Bool:
		return k + " " + strconv.FormatBool(v.V)
	case *Int:
		if v.Is32 {
			return k + " " + strconv.FormatInt(v.V, 10) + " (int32)"
		}
		return k + " " + strconv.FormatInt(v.V, 10)
	case *Float:
		return k + " " + strconv.FormatFloat(v.V, 'g', -1, 64)
	case *String:
		return k + " " + short(strconv.Quote(v.V))
	case *Bytes:
		return k + " " + strconv.Itoa(len(v.V))
	case *Symbol:
		return k + " " + short(strconv.Quote(v.Name))
	case *Dict:
		return k + " " + strconv.Itoa(len(v.Keys))
	case *Vector:
		return k + " " + strconv.Itoa(len(v.Elems))
	case *Tuple:
		return k + " " + strconv.Itoa(len(v.Elems))
	case *SVec:
		return k + " " + strconv.Itoa(len(v.Elems))
	case *Ref:
		return k + " " + short(v.Name())
	case *DataType:
		return k + " " + short(v.Name())
	case *Struct:
		return k + " " + describeStruct(v)
	case *Array:
		if v.Elem != nil {
			return fmt.Sprintf("%s %s %v", k, v.Elem.Name, v.Dims)
		}
		return fmt.Sprintf("%s boxed %v", k, v.Dims)
	case *Backref:
		return k + " " + strconv.Itoa(v.Ref)
	}
	return k
}

func describeStruct(s *Struct) string {
	name := s.TypeName()
	if name == "" {
		name = "<" + kindName(Deref(s.Type)) + ">"
	}
	switch {
	case s.Prim != nil:
		if f, ok := AsFloat(s); ok {
			return short(name) + " = " + strconv.FormatFloat(f, 'g', -1, 64)
		}
		return short(name) + fmt.Sprintf(" = 0x%x", s.Bits)
	case s.IsBits():
		return short(name) + " bytes " + strconv.Itoa(len(s.Bits))
	}
	return short(name) + " fields " + strconv.Itoa(len(s.Fields))
}

// short cuts a description part to 80 bytes on a rune boundary.
func short(s string) string {
	if len(s) <= 80 {
		return s
	}
	cut := 77
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return strings.ToValidUTF8(s[:cut], "") + "..."
}

func isRuneStart(b byte) bool { return b&0xc0 != 0x80 }
