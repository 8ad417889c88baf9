package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/kernels"
	"github.com/modelgate/modelgate/spec"
)

// copyOp copies its input: dropout at inference, flatten and reshape (the
// row-major bytes do not change).
type copyOp struct{ per int }

var _ op = (*copyOp)(nil)

// newCopy checks the output shape of dropout, flatten or reshape.
func newCopy(l spec.Layer, li spec.LayerInfo) (op, error) {
	in := li.In.Elements()
	var want spec.Shape
	switch l := l.(type) {
	case *spec.Dropout:
		if !(l.Rate >= 0 && l.Rate < 1) {
			return nil, errLayer(li, "bad-rate", "dropout rate %v outside [0, 1)", l.Rate)
		}
		want = li.In
	case *spec.Flatten:
		want = spec.Shape{int(in)}
	case *spec.Reshape:
		var ok bool
		if want, ok = reshapeTarget(l.Shape, in); !ok {
			return nil, errLayer(li, "bad-reshape", "cannot reshape %v to %v", li.In, l.Shape)
		}
	}
	if err := checkOut(li, want); err != nil {
		return nil, err
	}
	return &copyOp{per: int(in)}, nil
}

// reshapeTarget resolves a single -1 in shape so that it has n elements.
func reshapeTarget(shape []int, n int64) (spec.Shape, bool) {
	out := append(spec.Shape{}, shape...)
	hole := -1
	known := int64(1)
	for i, d := range out {
		switch {
		case d == -1 && hole < 0:
			hole = i
		case d >= 1 && d <= 1<<31:
			known *= int64(d)
			if known > n {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if hole >= 0 {
		if n%known != 0 || n/known < 1 {
			return nil, false
		}
		out[hole] = int(n / known)
		known = n
	}
	return out, known == n && len(out) >= 1
}

func (c *copyOp) forward(ctx context.Context, n int, in, out []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	copy(out[:n*c.per], in[:n*c.per])
	return nil
}

// softmaxOp is softmax or log-softmax along one axis of the sample.
type softmaxOp struct {
	outer, len, inner int
	log               bool
	threads           int
}

var _ op = (*softmaxOp)(nil)

func newSoftmax(li spec.LayerInfo, axis int, log bool, threads int) (op, error) {
	r := len(li.In)
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return nil, errLayer(li, "bad-axis", "axis outside rank %d", r)
	}
	if err := checkOut(li, li.In); err != nil {
		return nil, err
	}
	return &softmaxOp{
		outer:   int(li.In[:axis].Elements()),
		len:     li.In[axis],
		inner:   int(li.In[axis+1:].Elements()),
		log:     log,
		threads: threads,
	}, nil
}

// forward normalises every [len, inner] block (one per sample and outer
// index); blocks are independent.
func (s *softmaxOp) forward(ctx context.Context, n int, in, out []float32) error {
	blk := s.len * s.inner
	return runUnits(ctx, s.threads, n*s.outer, blk, s, in, out, softmaxUnits)
}

// softmaxUnits normalises blocks [lo, hi).
func softmaxUnits(s *softmaxOp, in, out []float32, lo, hi int) {
	blk := s.len * s.inner
	kernels.Softmax(in[lo*blk:hi*blk], out[lo*blk:hi*blk], hi-lo, s.len, s.inner, s.log)
}
