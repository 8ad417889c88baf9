package nn

import (
	"context"
	"sync"
)

// bufPool recycles per-call float32 scratch buffers. It is safe for
// concurrent use; a buffer is owned by one call between get and put.
type bufPool struct{ p sync.Pool }

// get returns a buffer of exactly n elements (contents undefined).
func (b *bufPool) get(n int) *[]float32 {
	if v, ok := b.p.Get().(*[]float32); ok && cap(*v) >= n {
		*v = (*v)[:n]
		return v
	}
	s := make([]float32, n)
	return &s
}

// put returns a buffer to the pool.
func (b *bufPool) put(v *[]float32) { b.p.Put(v) }

// seqOp runs a list of ops in order, passing activations through two
// ping-pong buffers sized at bind time from the static shapes.
type seqOp struct {
	ops    []op
	outLen []int // per-sample output elements of each op
	inLen  int   // per-sample input elements
	maxMid int   // largest per-sample intermediate (every output but the last)
	bufs   bufPool
}

var _ op = (*seqOp)(nil)

// forward runs every op, checking ctx between them. An empty sequence is
// the identity.
func (s *seqOp) forward(ctx context.Context, n int, in, out []float32) error {
	if len(s.ops) == 0 {
		copy(out, in[:n*s.inLen])
		return nil
	}
	var pp *[]float32
	if len(s.ops) > 1 {
		pp = s.bufs.get(2 * n * s.maxMid)
		defer s.bufs.put(pp)
	}
	src := in[:n*s.inLen]
	cur := 1 // half of pp holding src (the input counts as half 1)
	for i, o := range s.ops {
		if err := ctx.Err(); err != nil {
			return err
		}
		last := i == len(s.ops)-1
		if _, ok := o.(*copyOp); ok && !last {
			continue // flatten/reshape/dropout: the next op reads src as is
		}
		var dst []float32
		if last {
			dst = out[:n*s.outLen[i]]
		} else {
			cur = 1 - cur
			half := (*pp)[cur*n*s.maxMid:]
			dst = half[:n*s.outLen[i]]
		}
		if err := o.forward(ctx, n, src, dst); err != nil {
			return err
		}
		src = dst
	}
	return nil
}

// combiner merges the per-sample outputs of several paths (each [n, len_i])
// into out, as add, multiply or concatenation along an axis.
type combiner struct {
	mode   string // "add", "multiply" or "concat"
	outer  int    // concat: product of the dims before the axis
	chunks []int  // concat: per path, product of the dims from the axis on
	lens   []int  // per path, per-sample elements
}

// combine writes the combination of parts into out for n samples. parts are
// combined in order (left to right), so the result is deterministic.
func (c *combiner) combine(n int, parts [][]float32, out []float32) {
	switch c.mode {
	case "add", "multiply":
		total := n * c.lens[0]
		copy(out[:total], parts[0][:total])
		for _, p := range parts[1:] {
			p = p[:total]
			o := out[:total]
			if c.mode == "add" {
				for i, v := range p {
					o[i] += v
				}
			} else {
				for i, v := range p {
					o[i] *= v
				}
			}
		}
	default:
		pos := 0
		for s := 0; s < n; s++ {
			for o := 0; o < c.outer; o++ {
				for j, p := range parts {
					ch := c.chunks[j]
					start := s*c.lens[j] + o*ch
					pos += copy(out[pos:pos+ch], p[start:start+ch])
				}
			}
		}
	}
}

// skipOp is Flux's SkipConnection: combine(inner(x), x).
type skipOp struct {
	inner    *seqOp
	innerLen int // per-sample output elements of inner
	comb     combiner
	relu     bool // a following ReLU layer fused into the add (see fuseAddReLU)
	bufs     bufPool
}

var _ op = (*skipOp)(nil)

func (s *skipOp) forward(ctx context.Context, n int, in, out []float32) error {
	if s.comb.mode == "add" {
		// inner(x) straight into out, then x added in place (and ReLU):
		// the same operations in the same order as combine.
		if err := s.inner.forward(ctx, n, in, out); err != nil {
			return err
		}
		total := n * s.innerLen
		addInto(out[:total], in[:total], s.relu)
		return nil
	}
	tmp := s.bufs.get(n * s.innerLen)
	defer s.bufs.put(tmp)
	if err := s.inner.forward(ctx, n, in, *tmp); err != nil {
		return err
	}
	s.comb.combine(n, [][]float32{*tmp, in}, out)
	return nil
}

// parallelOp is Flux's Parallel: combine(branch_1(x), branch_2(x), ...).
type parallelOp struct {
	branches []*seqOp
	comb     combiner
	total    int  // sum of the branches' per-sample output elements
	relu     bool // a following ReLU layer fused into the add (see fuseAddReLU)
	bufs     bufPool
}

var _ op = (*parallelOp)(nil)

func (p *parallelOp) forward(ctx context.Context, n int, in, out []float32) error {
	if p.comb.mode == "add" {
		return p.forwardAdd(ctx, n, in, out)
	}
	tmp := p.bufs.get(n * p.total)
	defer p.bufs.put(tmp)
	var small [8][]float32 // usual branch counts need no allocation
	parts := small[:0]
	if len(p.branches) > len(small) {
		parts = make([][]float32, 0, len(p.branches))
	}
	parts = parts[:len(p.branches)]
	off := 0
	for i, b := range p.branches {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := n * p.comb.lens[i]
		parts[i] = (*tmp)[off : off+l]
		off += l
		if err := b.forward(ctx, n, in, parts[i]); err != nil {
			return err
		}
	}
	p.comb.combine(n, parts, out)
	return nil
}

// forwardAdd runs an add-combined parallel layer: branch 0 writes straight
// into out, every other branch into scratch and is then added in order
// (the last add also applies a fused ReLU), as combine would.
func (p *parallelOp) forwardAdd(ctx context.Context, n int, in, out []float32) error {
	total := n * p.comb.lens[0]
	if err := p.branches[0].forward(ctx, n, in, out); err != nil {
		return err
	}
	if len(p.branches) == 1 {
		if p.relu {
			actReLU(out[:total])
		}
		return nil
	}
	tmp := p.bufs.get(total)
	defer p.bufs.put(tmp)
	for i, b := range p.branches[1:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.forward(ctx, n, in, *tmp); err != nil {
			return err
		}
		addInto(out[:total], (*tmp)[:total], p.relu && i == len(p.branches)-2)
	}
	return nil
}

// addInto sets y[i] += x[i], then ReLU when relu.
func addInto(y, x []float32, relu bool) {
	if relu {
		addBiasReLU(y, x)
		return
	}
	x = x[:len(y)]
	for i, v := range x {
		y[i] += v
	}
}

// fuseAddReLU folds s.ops[i+1], a ReLU activation layer, into s.ops[i],
// an add-combined skip or parallel layer, and reports whether it did.
func (s *seqOp) fuseAddReLU(i int) bool {
	a, ok := s.ops[i+1].(*activationOp)
	if !ok || !a.relu {
		return false
	}
	switch o := s.ops[i].(type) {
	case *skipOp:
		if o.comb.mode != "add" || o.relu {
			return false
		}
		o.relu = true
	case *parallelOp:
		if o.comb.mode != "add" || o.relu {
			return false
		}
		o.relu = true
	default:
		return false
	}
	s.outLen[i] = s.outLen[i+1]
	s.ops = append(s.ops[:i+1], s.ops[i+2:]...)
	s.outLen = append(s.outLen[:i+1], s.outLen[i+2:]...)
	return true
}
