package nn

import (
	"context"
	"fmt"
	"math"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// embeddingOp maps whole-number float32 indices in [0, vocab) to rows of
// weight [vocab, dim]. The per-sample input has any shape S (the spec uses
// [T]); the output is [S..., dim].
type embeddingOp struct {
	vocab  int
	dim    int
	count  int       // indices per sample: prod(S)
	weight []float32 // [vocab, dim]
	where  string
}

var _ op = (*embeddingOp)(nil)

// newEmbedding binds an embedding layer: li.Out must be li.In with dim
// appended, and the parameter "weight" must have vocab*dim values.
func newEmbedding(l *spec.Embedding, li spec.LayerInfo, p params) (op, error) {
	if l == nil || p == nil {
		return nil, modelgate.Errorf(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil embedding layer or parameters")
	}
	const maxDim = modelgate.MaxActivationBytes / 4
	if l.Vocab < 1 || l.Vocab > maxDim || l.Dim < 1 || l.Dim > maxDim {
		return nil, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape",
			"vocab %d or dim %d outside 1..%d", l.Vocab, l.Dim, maxDim)
	}
	if int64(l.Vocab)*int64(l.Dim) > modelgate.MaxParams {
		return nil, modelgate.Errorf(modelgate.ELIMIT, li.Pointer, "params-limit", "embedding of %d×%d exceeds the parameter budget", l.Vocab, l.Dim)
	}
	count, err := ewElems(li.Pointer, li.In)
	if err != nil {
		return nil, err
	}
	outElems, err := ewElems(li.Pointer, li.Out)
	if err != nil {
		return nil, err
	}
	if len(li.Out) != len(li.In)+1 || li.Out[len(li.In)] != l.Dim || int64(outElems) != int64(count)*int64(l.Dim) {
		return nil, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape",
			"embedding output %v, want %v with %d appended", li.Out, li.In, l.Dim)
	}
	for i := range li.In {
		if li.Out[i] != li.In[i] {
			return nil, modelgate.Errorf(modelgate.EINVALID, li.Pointer, "layer-shape",
				"embedding output %v, want %v with %d appended", li.Out, li.In, l.Dim)
		}
	}
	w, err := exactParam(li, p, "weight", []int{l.Vocab, l.Dim})
	if err != nil {
		return nil, err
	}
	return &embeddingOp{vocab: l.Vocab, dim: l.Dim, count: count, weight: w, where: li.Pointer}, nil
}

// forward looks up every index. A value that is not a whole number in
// [0, vocab) (negative, too large, fractional, NaN or infinite) is an
// EINVALID error with rule "embedding-index".
func (o *embeddingOp) forward(ctx context.Context, n int, in, out []float32) error {
	total, err := ewBatchLen2(o.where, n, o.count, o.count*o.dim, len(in), len(out))
	if err != nil {
		return err
	}
	for i, v := range in[:total] {
		if i%(ewChunk/8) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		f := float64(v)
		if !(f >= 0 && f < float64(o.vocab)) || f != math.Trunc(f) {
			return &modelgate.Error{Code: modelgate.EINVALID, Where: o.where, Rule: "embedding-index",
				Message: embIndexMsg(i/o.count, i%o.count, v, o.vocab)}
		}
		idx := int(f)
		copy(out[i*o.dim:(i+1)*o.dim], o.weight[idx*o.dim:(idx+1)*o.dim])
	}
	return nil
}

// embIndexMsg describes a bad index.
func embIndexMsg(sample, pos int, v float32, vocab int) string {
	return fmt.Sprintf("sample %d, position %d: value %v is not a whole number in [0, %d)", sample, pos, v, vocab)
}
