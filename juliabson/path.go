package juliabson

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Path is a location in the graph: a top-level key or "_backrefs", then one
// segment per step. Paths share their prefixes (each step stores only its
// own segment), so a graph of n nodes holds O(n) path data however deep or
// long-keyed the file is. The zero *Path (nil) is the empty path.
type Path struct {
	parent *Path
	seg    string
	depth  int
}

// Maximums used by [Path.String] to keep rendered paths short.
const (
	maxSegRunes = 64 // longer segments are shortened with "..."
	maxSegShown = 48 // deeper paths show the first and last 24 segments
)

// Root returns the one-segment path seg.
func Root(seg string) *Path { return (*Path)(nil).Child(seg) }

// Child returns p extended by seg.
func (p *Path) Child(seg string) *Path {
	return &Path{parent: p, seg: seg, depth: p.Depth() + 1}
}

// Index returns p extended by the decimal segment i.
func (p *Path) Index(i int) *Path { return p.Child(strconv.Itoa(i)) }

// Depth returns the number of segments.
func (p *Path) Depth() int {
	if p == nil {
		return 0
	}
	return p.depth
}

// Last returns the final segment ("" for the empty path).
func (p *Path) Last() string {
	if p == nil {
		return ""
	}
	return p.seg
}

// Parent returns p without its final segment.
func (p *Path) Parent() *Path {
	if p == nil {
		return nil
	}
	return p.parent
}

// Segments returns every segment, in full.
func (p *Path) Segments() []string {
	out := make([]string, p.Depth())
	for q := p; q != nil; q = q.parent {
		out[q.depth-1] = q.seg
	}
	return out
}

// String joins the segments with "/". To stay readable and cheap on
// hostile files it shortens segments longer than 64 runes and, for paths
// deeper than 48 segments, elides the middle ("/...(N more).../").
func (p *Path) String() string {
	segs := p.Segments()
	if len(segs) > maxSegShown {
		half := maxSegShown / 2
		mid := "...(" + strconv.Itoa(len(segs)-2*half) + " more)..."
		segs = append(append(segs[:half:half], mid), segs[len(segs)-half:]...)
	}
	for i, s := range segs {
		if utf8.RuneCountInString(s) > maxSegRunes {
			n := 0
			for j := range s {
				if n == maxSegRunes-3 {
					segs[i] = s[:j] + "..."
					break
				}
				n++
			}
		}
	}
	return strings.Join(segs, "/")
}
