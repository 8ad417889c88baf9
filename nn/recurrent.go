package nn

import (
	"slices"
	"sync"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn/gemm"
	"github.com/modelgate/modelgate/spec"
)

// recKind selects the cell of a recurrentOp.
type recKind int

const (
	recRNN   recKind = iota // Elman: h' = act(Wi x + Wh h + b)
	recLSTM                 // Flux LSTM, gates i, f, g, o
	recGRUv1                // Flux GRU, gates r, z, n; r gates Wh_n h
	recGRUv3                // Flux GRUv3: r gates h before weight_hn
)

// recXWBudget caps the scratch holding the input projections Wi·x + b of
// one chunk of time steps, in float32 elements (16 MiB). Longer sequences
// are projected chunk by chunk.
const recXWBudget = 1 << 22

// recurrentOp runs an RNN, LSTM or GRU over per-sample input [T, F], with
// the batch's states advanced together: each time step is one matrix
// product of the [n, H] state by weight_hh.
type recurrentOp struct {
	kind   recKind
	t      int  // time steps
	f      int  // input features
	h      int  // hidden size
	gates  int  // rows of weight_ih and bias, in units of h: 1, 4 or 3
	hgates int  // rows of weight_hh in units of h: gates, or 2 for GRU v3
	retSeq bool // output [T, H] rather than [H]

	wih []float32 // weight_ih transposed: [f, gates*h]
	whh []float32 // weight_hh transposed: [h, hgates*h]
	whn []float32 // weight_hn transposed: [h, h], GRU v3 only
	// The transposed weights packed once for the GEMM (bitwise the same
	// products as the unpacked ones).
	wihP, whhP, whnP *gemm.PackedB
	bias             []float32       // [gates*h]
	h0               []float32       // [h] or nil (zeros)
	c0               []float32       // [h] or nil (zeros), LSTM only
	act              func([]float32) // RNN activation; nil is the identity

	where    string // JSON pointer of the layer
	xwBudget int    // scratch cap for input projections, in elements (recXWBudget; tests lower it)

	threads int       // goroutines per matrix product (see setThreads)
	pool    sync.Pool // *recState scratch, reused across calls
}

var _ op = (*recurrentOp)(nil)

// newRNN binds an Elman RNN layer: h_t = act(W_ih x_t + W_hh h_{t-1} + b).
func newRNN(l *spec.RNN, li spec.LayerInfo, p params) (op, error) {
	if l == nil {
		return nil, recErr(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil rnn layer")
	}
	act, err := compileAct(l.Act)
	if err != nil {
		return nil, actAt(err, li.Pointer)
	}
	o, err := newRecurrent(recRNN, l.Hidden, l.ReturnSequences, l.InitialState, li, p)
	if err != nil {
		return nil, err
	}
	o.act = act
	return o, nil
}

// newLSTM binds an LSTM layer (Flux gate order i, f, g, o).
func newLSTM(l *spec.LSTM, li spec.LayerInfo, p params) (op, error) {
	if l == nil {
		return nil, recErr(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil lstm layer")
	}
	return newRecurrent(recLSTM, l.Hidden, l.ReturnSequences, l.InitialState, li, p)
}

// newGRU binds a GRU layer, variant "v1" (Flux GRU) or "v3" (Flux GRUv3).
func newGRU(l *spec.GRU, li spec.LayerInfo, p params) (op, error) {
	if l == nil {
		return nil, recErr(modelgate.EINTERNAL, li.Pointer, "nil-layer", "nil gru layer")
	}
	kind := recGRUv1
	switch l.Variant {
	case "v1", "":
	case "v3":
		kind = recGRUv3
	default:
		return nil, recErr(modelgate.EUNSUPPORTED, li.Pointer+"/variant", "gru-variant",
			"unknown GRU variant %q (want v1 or v3)", l.Variant)
	}
	return newRecurrent(kind, l.Hidden, l.ReturnSequences, l.InitialState, li, p)
}

// newRecurrent checks the shapes of li against the layer's settings and
// binds its parameters.
func newRecurrent(kind recKind, hidden int, retSeq, initState bool, li spec.LayerInfo, p params) (*recurrentOp, error) {
	o := &recurrentOp{kind: kind, h: hidden, retSeq: retSeq, where: li.Pointer, xwBudget: recXWBudget, threads: 1}
	o.gates, o.hgates = recGates(kind)
	if err := o.checkShapes(li); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, recErr(modelgate.EINTERNAL, li.Pointer, "nil-params", "no parameters")
	}
	gh := o.gates * o.h
	want := []recParam{
		{"weight_ih", &o.wih, []int{gh, o.f}},
		{"weight_hh", &o.whh, []int{o.hgates * o.h, o.h}},
		{"bias", &o.bias, []int{gh}},
	}
	if kind == recGRUv3 {
		want = append(want, recParam{"weight_hn", &o.whn, []int{o.h, o.h}})
	}
	if initState {
		want = append(want, recParam{"h0", &o.h0, []int{o.h}})
		if kind == recLSTM {
			want = append(want, recParam{"c0", &o.c0, []int{o.h}})
		}
	}
	for _, w := range want {
		d, err := exactParam(li, p, w.name, w.shape)
		if err != nil {
			return nil, err
		}
		*w.dst = d
	}
	// Products run on transposed copies: gemm packs a row-major [k, n]
	// right-hand side much faster than a transposed one, which matters for
	// the small-m product of every time step.
	o.wih = recTranspose(o.wih, gh, o.f)
	o.whh = recTranspose(o.whh, o.hgates*o.h, o.h)
	if o.whn != nil {
		o.whn = recTranspose(o.whn, o.h, o.h)
		o.whnP = gemm.PackB(false, o.h, o.h, o.whn, o.h)
	}
	o.wihP = gemm.PackB(false, o.f, gh, o.wih, gh)
	o.whhP = gemm.PackB(false, o.h, o.hgates*o.h, o.whh, o.hgates*o.h)
	return o, nil
}

// recTranspose returns a new [cols, rows] copy of the row-major [rows, cols]
// matrix m.
func recTranspose(m []float32, rows, cols int) []float32 {
	t := make([]float32, len(m))
	for i := range rows {
		for j, v := range m[i*cols : (i+1)*cols] {
			t[j*rows+i] = v
		}
	}
	return t
}

// setThreads lets the layer spread each matrix product over up to n
// goroutines (n < 1 means 1). Results do not depend on n:
// gemm.SgemmThreads is bitwise reproducible across thread counts. The
// constructors default to one goroutine; a builder that knows
// Options.Threads may call this right after construction, before the op
// is shared.
func (o *recurrentOp) setThreads(n int) { o.threads = max(1, n) }

// recParam is one parameter tensor a recurrent layer binds.
type recParam struct {
	name  string     // parameter name, e.g. "weight_ih"
	dst   *[]float32 // where to store it
	shape []int      // exact shape
}

// exactParam fetches a parameter and checks its element count and, when
// the builder knows it, its exact shape ("param-shape").
func exactParam(li spec.LayerInfo, p params, name string, shape []int) ([]float32, error) {
	d := p.get(name)
	want := spec.Shape(shape)
	if int64(len(d)) != want.Elements() {
		return nil, recErr(modelgate.EINVALID, li.Prefix+name, "param-shape",
			"parameter %s has %d values, want shape %v", name, len(d), want)
	}
	if lp, ok := p.(*layerParams); ok {
		if got := lp.b.shapes[li.Prefix+name]; !slices.Equal(got, want) {
			return nil, recErr(modelgate.EINVALID, li.Prefix+name, "param-shape",
				"parameter %s has shape %v, want %v", name, got, want)
		}
	}
	return d, nil
}

// recGates returns the gate counts of weight_ih and weight_hh.
func recGates(kind recKind) (gates, hgates int) {
	switch kind {
	case recLSTM:
		return 4, 4
	case recGRUv1:
		return 3, 3
	case recGRUv3:
		return 3, 2
	}
	return 1, 1
}

// checkShapes sets t and f from li.In = [T, F] and checks li.Out, the
// hidden size and every size derived from them against the budgets.
func (o *recurrentOp) checkShapes(li spec.LayerInfo) error {
	if len(li.In) != 2 {
		return recErr(modelgate.EINVALID, li.Pointer, "layer-shape", "recurrent input %v is not [T, F]", li.In)
	}
	o.t, o.f = li.In[0], li.In[1]
	if o.t < 1 || o.t > modelgate.MaxSequence {
		return recErr(modelgate.EINVALID, li.Pointer, "layer-shape", "sequence length %d outside 1..%d", o.t, modelgate.MaxSequence)
	}
	const maxUnits = 1 << 24
	if o.f < 1 || o.f > maxUnits || o.h < 1 || o.h > maxUnits {
		return recErr(modelgate.EINVALID, li.Pointer, "layer-shape", "features %d or hidden size %d outside 1..%d", o.f, o.h, maxUnits)
	}
	// Every size below is a product of at most three factors <= 2^24 and 4:
	// computed in int64 they cannot overflow.
	gh := int64(o.gates) * int64(o.h)
	for _, n := range []int64{gh * int64(o.f), int64(o.hgates) * int64(o.h) * int64(o.h),
		int64(o.t) * int64(o.f), int64(o.t) * int64(o.h), gh} {
		if n > modelgate.MaxParams {
			return recErr(modelgate.ELIMIT, li.Pointer, "params-limit", "recurrent layer sizes exceed the parameter budget")
		}
	}
	want := spec.Shape{o.h}
	if o.retSeq {
		want = spec.Shape{o.t, o.h}
	}
	if len(li.Out) != len(want) || li.Out[0] != want[0] || li.Out[len(li.Out)-1] != want[len(want)-1] {
		return recErr(modelgate.EINVALID, li.Pointer, "layer-shape", "recurrent output %v, want %v", li.Out, want)
	}
	return nil
}

// outPer returns the elements of one output sample.
func (o *recurrentOp) outPer() int {
	if o.retSeq {
		return o.t * o.h
	}
	return o.h
}

// recErr builds a *modelgate.Error.
func recErr(code, where, rule, format string, args ...any) *modelgate.Error {
	return modelgate.Errorf(code, where, rule, format, args...)
}
