package bson

// chunk is the number of elements per scratch chunk.
const chunk = 512

// scratch is a stack of elements stored in fixed-size chunks, so that
// growing it never copies and leaves no garbage: the elements of open
// documents live here until their document closes and they are copied
// into an exactly sized slice.
type scratch struct {
	chunks [][]Element
	n      int
}

// push appends e.
func (s *scratch) push(e Element) {
	c := s.n / chunk
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, make([]Element, chunk))
	}
	s.chunks[c][s.n%chunk] = e
	s.n++
}

// at returns element i.
func (s *scratch) at(i int) *Element { return &s.chunks[i/chunk][i%chunk] }

// popFrom removes the elements from start on and returns them in a new
// slice (nil when there are none).
func (s *scratch) popFrom(start int) []Element {
	if start >= s.n {
		return nil
	}
	out := make([]Element, s.n-start)
	for i := range out {
		e := s.at(start + i)
		out[i] = *e
		*e = Element{}
	}
	s.n = start
	return out
}
