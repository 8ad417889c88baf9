package nn

import (
	"context"

	"github.com/modelgate/modelgate/nn/gemm"
)

// recState is the per-call scratch of a recurrentOp.
type recState struct {
	xw []float32 // [n, tc, gates*h]: Wi·x + b for one chunk of time steps
	hw []float32 // [n, hgates*h]: Wh·h for the current step
	h  []float32 // [n, h]: hidden state
	c  []float32 // [n, h]: LSTM cell state
	rh []float32 // [n, h]: GRU v3 r ⊙ h
	tc int       // time steps per chunk
	n  int       // batch size the buffers are sized for
	// threads is the goroutines of this call's matrix products and cells.
	threads int
}

// forward runs the layer over the batch. in is [n, T, F]; out is [n, T, H]
// with ReturnSequences, else [n, H] (the last state).
func (o *recurrentOp) forward(ctx context.Context, n int, in, out []float32) error {
	if _, err := ewBatchLen2(o.where, n, o.t*o.f, o.outPer(), len(in), len(out)); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tc := o.chunkSteps(n)
	if w := min(o.threads, n/recMinGroup); w > 1 {
		// Independent sequences: each goroutine runs whole groups of at
		// least recMinGroup samples through every time step (one hand-off
		// per call, not per step). Per-sample arithmetic is unchanged: the
		// products keep >= 2 rows (the same GEMM path) and the same chunks.
		return parallelFor(ctx, w, w, n*o.t*o.gates*o.h*(o.h+o.f), func(ctx context.Context, lo, hi int) error {
			s0, s1 := lo*n/w, hi*n/w
			return o.run(ctx, s1-s0, in[s0*o.t*o.f:s1*o.t*o.f], out[s0*o.outPer():s1*o.outPer()], tc, 1)
		})
	}
	return o.run(ctx, n, in, out, tc, o.threads)
}

// recMinGroup is the least number of samples a goroutine takes when a
// batch is split (so no product degenerates to a single row).
const recMinGroup = 2

// chunkSteps is how many time steps are projected at once for a batch of n.
func (o *recurrentOp) chunkSteps(n int) int {
	return max(1, min(o.t, o.xwBudget/max(1, n*o.gates*o.h)))
}

// run is forward for n samples with tc steps per chunk and the given
// goroutines per product.
func (o *recurrentOp) run(ctx context.Context, n int, in, out []float32, tc, threads int) error {
	st := o.getState(n, tc)
	defer o.pool.Put(st)
	st.threads = threads
	every := o.checkEvery(n)
	for t0 := 0; t0 < o.t; t0 += st.tc {
		steps := min(st.tc, o.t-t0)
		o.project(n, in, t0, steps, st)
		for k := range steps {
			if (t0+k)%every == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			o.step(n, k, st)
			if o.retSeq {
				for s := range n {
					copy(out[(s*o.t+t0+k)*o.h:(s*o.t+t0+k+1)*o.h], st.h[s*o.h:(s+1)*o.h])
				}
			}
		}
	}
	if !o.retSeq {
		copy(out, st.h)
	}
	return nil
}

// getState returns scratch for a batch of n, from the pool when a state of
// that batch size is there, with the initial states set (h0 and c0
// broadcast over the batch, or zeros).
func (o *recurrentOp) getState(n, tc int) *recState {
	st, ok := o.pool.Get().(*recState)
	if !ok || st.n != n || st.tc != tc {
		st = o.newState(n, tc)
	}
	recInit(st.h, o.h0, o.h)
	if st.c != nil {
		recInit(st.c, o.c0, o.h)
	}
	return st
}

// newState allocates the scratch for a batch of n, tc steps per chunk.
func (o *recurrentOp) newState(n, tc int) *recState {
	gh := o.gates * o.h
	st := &recState{
		xw: make([]float32, n*tc*gh),
		hw: make([]float32, n*o.hgates*o.h),
		h:  make([]float32, n*o.h),
		tc: tc,
		n:  n,
	}
	if o.kind == recLSTM {
		st.c = make([]float32, n*o.h)
	}
	if o.kind == recGRUv3 {
		st.rh = make([]float32, n*o.h)
	}
	return st
}

// recInit sets every h-sized row of dst to init, or to zeros when init is
// nil.
func recInit(dst, init []float32, h int) {
	if init == nil {
		clear(dst)
		return
	}
	for r := 0; r+h <= len(dst); r += h {
		copy(dst[r:r+h], init)
	}
}

// checkEvery returns how many time steps run between two context checks:
// about a million multiply-adds' worth, at most 64 steps.
func (o *recurrentOp) checkEvery(n int) int {
	work := int64(n) * int64(o.gates*o.h) * int64(o.h+o.f)
	if work <= 0 {
		return 1
	}
	return int(max(1, min(64, (1<<20)/work)))
}

// project computes xw = in·W_ihᵀ + b for time steps t0..t0+steps of every
// sample: one product over the whole batch when the chunk covers the
// sequence, else one per sample.
func (o *recurrentOp) project(n int, in []float32, t0, steps int, st *recState) {
	gh := o.gates * o.h
	// Rows start as the bias; the product is accumulated onto them (beta
	// 1), which rounds exactly like adding the bias afterwards.
	for s := range n {
		for k := range steps {
			copy(st.xw[(s*st.tc+k)*gh:(s*st.tc+k+1)*gh], o.bias)
		}
	}
	if steps == o.t {
		gemm.SgemmPacked(st.threads, false, n*o.t, 1, in, o.f, o.wihP, 1, st.xw, gh)
		return
	}
	for s := range n {
		a := in[(s*o.t+t0)*o.f : (s*o.t+t0+steps)*o.f]
		gemm.SgemmPacked(st.threads, false, steps, 1, a, o.f, o.wihP, 1, st.xw[s*st.tc*gh:], gh)
	}
}

// step advances every sample's state by time step k of the current chunk.
func (o *recurrentOp) step(n, k int, st *recState) {
	hg := o.hgates * o.h
	gh := o.gates * o.h
	if o.kind == recLSTM {
		// Gates = xw + h·Whh accumulated in place (beta 1): no separate
		// product buffer and no add pass.
		gemm.SgemmPacked(st.threads, false, n, 1, st.h, o.h, o.whhP, 1, st.xw[k*gh:], st.tc*gh)
		if st.threads <= 1 || n < 2 {
			o.lstmCells(st, k, 0, n)
			return
		}
		// The cells of different samples are independent: split them (the
		// gate nonlinearities are a large share of a step). The work
		// estimate counts a transcendental as ~8 element operations.
		_ = parallelFor(context.Background(), st.threads, n, n*gh*8, func(_ context.Context, lo, hi int) error {
			o.lstmCells(st, k, lo, hi)
			return nil
		})
		return
	}
	gemm.SgemmPacked(st.threads, false, n, 1, st.h, o.h, o.whhP, 0, st.hw, hg)
	for s := range n {
		g := st.xw[(s*st.tc+k)*gh : (s*st.tc+k+1)*gh]
		w := st.hw[s*hg : (s+1)*hg]
		h := st.h[s*o.h : (s+1)*o.h]
		switch o.kind {
		case recRNN:
			o.rnnCell(g, w, h)
		case recLSTM:
			o.lstmCell(g, w, h, st.c[s*o.h:(s+1)*o.h])
		case recGRUv1:
			o.gru1Cell(g, w, h)
		case recGRUv3:
			o.gru3Gates(g, w, h, st.rh[s*o.h:(s+1)*o.h])
		}
	}
	if o.kind != recGRUv3 {
		return
	}
	// n-gate of GRU v3: weight_hn·(r ⊙ h) for the whole batch, into hw.
	gemm.SgemmPacked(st.threads, false, n, 1, st.rh, o.h, o.whnP, 0, st.hw, o.h)
	for s := range n {
		g := st.xw[(s*st.tc+k)*gh : (s*st.tc+k+1)*gh]
		o.gru3Cell(g, st.hw[s*o.h:(s+1)*o.h], st.h[s*o.h:(s+1)*o.h])
	}
}

// lstmCells runs the LSTM cells of samples [lo, hi) at step k of the chunk.
func (o *recurrentOp) lstmCells(st *recState, k, lo, hi int) {
	gh, hg := o.gates*o.h, o.hgates*o.h
	for s := lo; s < hi; s++ {
		g := st.xw[(s*st.tc+k)*gh : (s*st.tc+k+1)*gh]
		o.lstmCell(g, st.hw[s*hg:(s+1)*hg], st.h[s*o.h:(s+1)*o.h], st.c[s*o.h:(s+1)*o.h])
	}
}

// rnnCell: h = act(g + w), g = Wi x + b, w = Wh h.
func (o *recurrentOp) rnnCell(g, w, h []float32) {
	w = w[:len(h)]
	g = g[:len(h)]
	for j := range h {
		h[j] = g[j] + w[j]
	}
	if o.act != nil {
		o.act(h)
	}
}

// lstmCell: with gates [i, f, c̃, o] = g (already Wi·x + b + Wh·h),
// c = σ(f)c + σ(i)tanh(c̃); h = σ(o)tanh(c). w is scratch.
func (o *recurrentOp) lstmCell(g, w, h, c []float32) {
	H := len(h)
	g = g[:4*H]
	actSigmoid(g[:2*H])
	actTanh(g[2*H : 3*H])
	actSigmoid(g[3*H:])
	gi, gf, gc, gout := g[:H], g[H:2*H], g[2*H:3*H], g[3*H:4*H]
	c = c[:H]
	tmp := w[:H]
	for j := range c {
		c[j] = gf[j]*c[j] + gi[j]*gc[j]
		tmp[j] = c[j]
	}
	actTanh(tmp)
	for j := range h {
		h[j] = gout[j] * tmp[j]
	}
}

// gru1Cell (Flux GRU): r = σ(g_r + w_r), z = σ(g_z + w_z),
// n = tanh(g_n + r ⊙ w_n), h = (1-z) ⊙ n + z ⊙ h.
func (o *recurrentOp) gru1Cell(g, w, h []float32) {
	H := len(h)
	g = g[:3*H]
	w = w[:3*H]
	for j := range 2 * H {
		g[j] += w[j]
	}
	actSigmoid(g[:2*H])
	r, z, nv := g[:H], g[H:2*H], g[2*H:3*H]
	wn := w[2*H : 3*H]
	for j := range nv {
		nv[j] += r[j] * wn[j]
	}
	actTanh(nv)
	gruMix(z, nv, h)
}

// gru3Gates (Flux GRUv3), first half: r and z into g, rh = r ⊙ h.
func (o *recurrentOp) gru3Gates(g, w, h, rh []float32) {
	H := len(h)
	g = g[:2*H]
	w = w[:2*H]
	for j := range g {
		g[j] += w[j]
	}
	actSigmoid(g)
	r := g[:H]
	rh = rh[:H]
	for j := range rh {
		rh[j] = r[j] * h[j]
	}
}

// gru3Cell (Flux GRUv3), second half: n = tanh(g_n + hn) with
// hn = weight_hn·(r ⊙ h); h = (1-z) ⊙ n + z ⊙ h.
func (o *recurrentOp) gru3Cell(g, hn, h []float32) {
	H := len(h)
	z, nv := g[H:2*H], g[2*H:3*H]
	hn = hn[:H]
	for j := range nv {
		nv[j] += hn[j]
	}
	actTanh(nv)
	gruMix(z, nv, h)
}

// gruMix sets h = (1-z) ⊙ n + z ⊙ h, as Flux writes it.
func gruMix(z, n, h []float32) {
	z = z[:len(h)]
	n = n[:len(h)]
	for j := range h {
		h[j] = (1-z[j])*n[j] + z[j]*h[j]
	}
}
