package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/gemm"
	"github.com/modelgate/modelgate/spec"
)

// denseOp is y = act(x·Wᵀ + b) over the last axis of any rank.
type denseOp struct {
	in, units int
	rows      int           // per-sample rows: product of the leading axes
	w         []float32     // [units, in]
	packed    *gemm.PackedB // Wᵀ packed once at bind for the GEMM
	bias      []float32     // [units] or nil
	act       func([]float32)
	relu      bool // act is ReLU: fused with the bias in one pass
	threads   int
}

var _ op = (*denseOp)(nil)

func newDense(l *spec.Dense, li spec.LayerInfo, p params, threads int) (op, error) {
	r := len(li.In)
	if l.Units < 1 {
		return nil, errLayer(li, "bad-units", "units %d < 1", l.Units)
	}
	d := &denseOp{in: li.In[r-1], units: l.Units, rows: int(li.In[:r-1].Elements()), threads: threads}
	out := append(spec.Shape{}, li.In[:r-1]...)
	if err := checkOut(li, append(out, l.Units)); err != nil {
		return nil, err
	}
	var err error
	if d.w, err = getParam(li, p, "weight", d.units, d.in); err != nil {
		return nil, err
	}
	if l.Bias {
		if d.bias, err = getParam(li, p, "bias", d.units); err != nil {
			return nil, err
		}
	}
	if d.act, err = compileActAt(li, l.Act); err != nil {
		return nil, err
	}
	d.relu = l.Act.Activation == spec.ActReLU
	d.pack()
	return d, nil
}

// pack packs Wᵀ once for every later GEMM (single-row products still read
// W directly).
func (d *denseOp) pack() {
	d.packed = gemm.PackB(true, d.in, d.units, d.w, d.in)
}

// denseMACs is about how many multiply-adds one GEMM call of a dense layer
// does between two checks of the context (a few ms of work); a chunk has
// at least denseMinRows rows (GEMM efficiency) and at most denseMaxRows.
const (
	denseMACs    = 1 << 28
	denseMinRows = 64
	denseMaxRows = 4096
)

func (d *denseOp) forward(ctx context.Context, n int, in, out []float32) error {
	rows := n * d.rows
	chunk := min(max(denseMACs/(d.in*d.units), denseMinRows), denseMaxRows)
	for r0 := 0; r0 < rows; r0 += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := min(chunk, rows-r0)
		x := in[r0*d.in : (r0+m)*d.in]
		y := out[r0*d.units : (r0+m)*d.units]
		gemm.SgemmPacked(d.threads, false, m, 1, x, d.in, d.packed, 0, y, d.units)
		biasAct(y, d.units, d.bias, d.act, d.relu)
	}
	return nil
}

// biasAct adds bias (nil: none) to every row of width cols of y and
// applies act (nil: identity); relu says act is ReLU, which is then fused
// with the bias in one pass while each row is in cache.
func biasAct(y []float32, cols int, bias []float32, act func([]float32), relu bool) {
	for r := 0; r+cols <= len(y); r += cols {
		row := y[r : r+cols]
		switch {
		case relu && bias != nil:
			addBiasReLU(row, bias)
		case bias != nil:
			addBias(row, bias)
			if act != nil {
				act(row)
			}
		case act != nil:
			act(row)
		}
	}
}

// addBias adds b element-wise to y (len(y) == len(b)).
func addBias(y, b []float32) {
	y = y[:len(b)]
	for i, v := range b {
		y[i] += v
	}
}

// addChannelBias adds b[c] to each of the len(b) consecutive blocks of s
// elements of y.
func addChannelBias(y []float32, s int, b []float32) {
	for c, v := range b {
		blk := y[c*s : (c+1)*s]
		for i := range blk {
			blk[i] += v
		}
	}
}
