package nn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// nn2Params is an in-memory params for constructor tests.
type nn2Params map[string][]float32

func (p nn2Params) get(name string) []float32 { return p[name] }

// nn2Rand returns n values uniform in [-scale, scale].
func nn2Rand(rng *rand.Rand, n int, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((rng.Float64()*2 - 1) * scale)
	}
	return v
}

// nn2Rec describes one recurrent test case.
type nn2Rec struct {
	kind         recKind
	t, f, h, n   int
	retSeq, init bool
	act          spec.Act // RNN only
}

func (c nn2Rec) String() string {
	return fmt.Sprintf("kind%d/T%d/F%d/H%d/N%d/seq=%v/init=%v/%s", c.kind, c.t, c.f, c.h, c.n, c.retSeq, c.init, c.act.Activation)
}

// nn2RecParams makes random parameters for c.
func nn2RecParams(rng *rand.Rand, c nn2Rec) nn2Params {
	g, hg := recGates(c.kind)
	p := nn2Params{
		"weight_ih": nn2Rand(rng, g*c.h*c.f, 0.6),
		"weight_hh": nn2Rand(rng, hg*c.h*c.h, 0.6),
		"bias":      nn2Rand(rng, g*c.h, 0.3),
	}
	if c.kind == recGRUv3 {
		p["weight_hn"] = nn2Rand(rng, c.h*c.h, 0.6)
	}
	if c.init {
		p["h0"] = nn2Rand(rng, c.h, 0.9)
		if c.kind == recLSTM {
			p["c0"] = nn2Rand(rng, c.h, 1.5)
		}
	}
	return p
}

// nn2Build binds c through the public constructors.
func nn2Build(c nn2Rec, p nn2Params) (op, error) {
	out := spec.Shape{c.h}
	if c.retSeq {
		out = spec.Shape{c.t, c.h}
	}
	li := spec.LayerInfo{Pointer: "/layers/0", Prefix: "layers.0.", In: spec.Shape{c.t, c.f}, Out: out}
	switch c.kind {
	case recRNN:
		return newRNN(&spec.RNN{Hidden: c.h, ReturnSequences: c.retSeq, InitialState: c.init, Act: c.act}, li, p)
	case recLSTM:
		return newLSTM(&spec.LSTM{Hidden: c.h, ReturnSequences: c.retSeq, InitialState: c.init}, li, p)
	case recGRUv1:
		return newGRU(&spec.GRU{Hidden: c.h, ReturnSequences: c.retSeq, InitialState: c.init, Variant: "v1"}, li, p)
	default:
		return newGRU(&spec.GRU{Hidden: c.h, ReturnSequences: c.retSeq, InitialState: c.init, Variant: "v3"}, li, p)
	}
}

// nn2RefRecurrent is the naive reference: one sample, scalar loops over
// time, gates and units, straight from the Flux formulas, in float64.
func nn2RefRecurrent(c nn2Rec, p nn2Params, x []float32) []float64 {
	H, F := c.h, c.f
	w := func(name string, row, col, cols int) float64 { return float64(p[name][row*cols+col]) }
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	h := make([]float64, H)
	cs := make([]float64, H)
	if c.init {
		for j := range H {
			h[j] = float64(p["h0"][j])
			if c.kind == recLSTM {
				cs[j] = float64(p["c0"][j])
			}
		}
	}
	// pre returns W_ih[q] x_t + b[q] and W_hh[q] h for gate q, unit j.
	pre := func(t, q, j int) (float64, float64) {
		xi := float64(p["bias"][q*H+j])
		for k := range F {
			xi += w("weight_ih", q*H+j, k, F) * float64(x[t*F+k])
		}
		hh := 0.0
		if !(c.kind == recGRUv3 && q == 2) {
			for k := range H {
				hh += w("weight_hh", q*H+j, k, H) * h[k]
			}
		}
		return xi, hh
	}
	var seq []float64
	for t := range c.t {
		nh := make([]float64, H)
		for j := range H {
			switch c.kind {
			case recRNN:
				a, b := pre(t, 0, j)
				nh[j] = nn2RefAct(c.act, a+b)
			case recLSTM:
				ia, ib := pre(t, 0, j)
				fa, fb := pre(t, 1, j)
				ga, gb := pre(t, 2, j)
				oa, ob := pre(t, 3, j)
				cs[j] = sig(fa+fb)*cs[j] + sig(ia+ib)*math.Tanh(ga+gb)
				nh[j] = sig(oa+ob) * math.Tanh(cs[j])
			case recGRUv1:
				ra, rb := pre(t, 0, j)
				za, zb := pre(t, 1, j)
				na, nb := pre(t, 2, j)
				r, z := sig(ra+rb), sig(za+zb)
				n := math.Tanh(na + r*nb)
				nh[j] = (1-z)*n + z*h[j]
			case recGRUv3:
				za, zb := pre(t, 1, j)
				na, _ := pre(t, 2, j)
				hn := 0.0
				for k := range H { // weight_hn · (r ⊙ h), r of unit k
					ra, rb := pre(t, 0, k)
					hn += w("weight_hn", j, k, H) * sig(ra+rb) * h[k]
				}
				z := sig(za + zb)
				nh[j] = (1-z)*math.Tanh(na+hn) + z*h[j]
			}
		}
		h = nh
		seq = append(seq, h...)
	}
	if c.retSeq {
		return seq
	}
	return h
}

// nn2RunRec checks one case against the reference for a batch of c.n.
func nn2RunRec(t *testing.T, rng *rand.Rand, c nn2Rec, budget int) {
	t.Helper()
	p := nn2RecParams(rng, c)
	o, err := nn2Build(c, p)
	if err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	if budget > 0 {
		o.(*recurrentOp).xwBudget = budget
	}
	inPer := c.t * c.f
	outPer := c.h
	if c.retSeq {
		outPer *= c.t
	}
	x := nn2Rand(rng, c.n*inPer, 1.5)
	out := make([]float32, c.n*outPer)
	for i := range out {
		out[i] = float32(math.NaN()) // must be overwritten
	}
	if err := o.forward(context.Background(), c.n, x, out); err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	for s := range c.n {
		want := nn2RefRecurrent(c, p, x[s*inPer:(s+1)*inPer])
		for i, wv := range want {
			if g := out[s*outPer+i]; !nn2Close(g, wv, 1e-5, 1e-5) {
				t.Fatalf("%v: sample %d out[%d] = %v, want %v", c, s, i, g, wv)
			}
		}
	}
}

// TestRecurrentReference runs every cell type over odd sizes against the
// naive reference: T 1, 5; F 3, 7; H 1, 4, 9; batch 1, 3; with and without
// return_sequences and initial state.
func TestRecurrentReference(t *testing.T) {
	t.Parallel()
	kinds := []recKind{recRNN, recLSTM, recGRUv1, recGRUv3}
	for _, kind := range kinds {
		t.Run(fmt.Sprint("kind", kind), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(kind), 99))
			for _, T := range []int{1, 5} {
				for _, F := range []int{3, 7} {
					for _, H := range []int{1, 4, 9} {
						for _, n := range []int{1, 3} {
							for _, seq := range []bool{false, true} {
								for _, init := range []bool{false, true} {
									c := nn2Rec{kind, T, F, H, n, seq, init, spec.Act{Activation: spec.ActTanh}}
									nn2RunRec(t, rng, c, 0)
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestRecurrentChunked forces the input projection to run chunk by chunk
// (scratch budgets smaller than the sequence) and other RNN activations.
func TestRecurrentChunked(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, kind := range []recKind{recRNN, recLSTM, recGRUv1, recGRUv3} {
		for _, budget := range []int{1, 50, 200} {
			c := nn2Rec{kind, 13, 5, 4, 3, true, true, spec.Act{Activation: spec.ActTanh}}
			nn2RunRec(t, rng, c, budget)
			c.retSeq = false
			nn2RunRec(t, rng, c, budget)
		}
	}
	for _, a := range []spec.Act{{Activation: spec.ActReLU}, {Activation: spec.ActIdentity}, {Activation: spec.ActSigmoid}, {Activation: spec.ActLeakyReLU, Alpha: 0.1}} {
		nn2RunRec(t, rng, nn2Rec{recRNN, 6, 3, 5, 2, true, true, a}, 0)
	}
}

// TestRecurrentHand checks one step computed by hand: F = H = 1, x = 1,
// h0 = 0.5 (and c0 = 1 for the LSTM).
func TestRecurrentHand(t *testing.T) {
	t.Parallel()
	one := func(c nn2Rec, p nn2Params) float32 {
		o, err := nn2Build(c, p)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float32, 1)
		if err := o.forward(context.Background(), 1, []float32{1}, out); err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	// LSTM: pre-activations i 0.5+0.05 = 0.55, f -0.5+0.1+0.1 = -0.3,
	// g 1+0.15 = 1.15, o 2+0.2-0.1 = 2.1; c = σ(-0.3)·1 + σ(0.55)·tanh(1.15)
	// = 0.9441244487235219; h = σ(2.1)·tanh(c) = 0.6566949642524232.
	lstm := nn2Params{
		"weight_ih": {0.5, -0.5, 1, 2}, "weight_hh": {0.1, 0.2, 0.3, 0.4},
		"bias": {0, 0.1, 0, -0.1}, "h0": {0.5}, "c0": {1},
	}
	if got := one(nn2Rec{recLSTM, 1, 1, 1, 1, false, true, spec.Act{}}, lstm); !nn2Close(got, 0.6566949642524232, 1e-6, 0) {
		t.Errorf("lstm h = %v", got)
	}
	// GRU: r = σ(0.55), z = σ(-0.3), n = tanh(1-0.2+r·0.15),
	// h = (1-z)n + z·0.5 = 0.622881045768522 (v1 and v3 agree when H = 1).
	gru := nn2Params{"weight_ih": {0.5, -0.5, 1}, "weight_hh": {0.1, 0.2, 0.3}, "bias": {0, 0.1, -0.2}, "h0": {0.5}}
	if got := one(nn2Rec{recGRUv1, 1, 1, 1, 1, false, true, spec.Act{}}, gru); !nn2Close(got, 0.622881045768522, 1e-6, 0) {
		t.Errorf("gru v1 h = %v", got)
	}
	gru3 := nn2Params{"weight_ih": {0.5, -0.5, 1}, "weight_hh": {0.1, 0.2}, "weight_hn": {0.3}, "bias": {0, 0.1, -0.2}, "h0": {0.5}}
	if got := one(nn2Rec{recGRUv3, 1, 1, 1, 1, false, true, spec.Act{}}, gru3); !nn2Close(got, 0.622881045768522, 1e-6, 0) {
		t.Errorf("gru v3 h = %v", got)
	}
	// RNN: h = tanh(2·1 + 0.5·0.5 - 0.25) = tanh(2).
	rnn := nn2Params{"weight_ih": {2}, "weight_hh": {0.5}, "bias": {-0.25}, "h0": {0.5}}
	if got := one(nn2Rec{recRNN, 1, 1, 1, 1, false, true, spec.Act{Activation: spec.ActTanh}}, rnn); !nn2Close(got, math.Tanh(2), 1e-6, 0) {
		t.Errorf("rnn h = %v", got)
	}
}

// TestRecurrentErrors checks constructor refusals and forward's checks.
func TestRecurrentErrors(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	base := nn2Rec{recLSTM, 4, 3, 2, 1, false, true, spec.Act{}}
	p := nn2RecParams(rng, base)
	o, err := nn2Build(base, p)
	if err != nil {
		t.Fatal(err)
	}
	nn2CheckOpErrors(t, o, 12, 2)

	li := spec.LayerInfo{Pointer: "/layers/1", Prefix: "layers.1.", In: spec.Shape{4, 3}, Out: spec.Shape{2}}
	lstm := &spec.LSTM{Hidden: 2, InitialState: true}
	short := nn2Params{}
	for k, v := range p {
		short[k] = v
	}
	short["c0"] = short["c0"][:1]
	cases := []struct {
		name string
		li   spec.LayerInfo
		l    *spec.LSTM
		p    params
		code string
	}{
		{"short c0", li, lstm, short, modelgate.EINVALID},
		{"missing", li, lstm, nn2Params{}, modelgate.EINVALID},
		{"nil params", li, lstm, nil, modelgate.EINTERNAL},
		{"nil layer", li, nil, p, modelgate.EINTERNAL},
		{"rank 1 input", spec.LayerInfo{In: spec.Shape{12}, Out: spec.Shape{2}}, lstm, p, modelgate.EINVALID},
		{"rank 3 input", spec.LayerInfo{In: spec.Shape{4, 3, 1}, Out: spec.Shape{2}}, lstm, p, modelgate.EINVALID},
		{"wrong out", spec.LayerInfo{In: spec.Shape{4, 3}, Out: spec.Shape{4, 2}}, lstm, p, modelgate.EINVALID},
		{"zero hidden", li, &spec.LSTM{Hidden: 0}, p, modelgate.EINVALID},
		{"negative T", spec.LayerInfo{In: spec.Shape{-4, 3}, Out: spec.Shape{2}}, lstm, p, modelgate.EINVALID},
		{"huge T", spec.LayerInfo{In: spec.Shape{1 << 40, 3}, Out: spec.Shape{2}}, lstm, p, modelgate.EINVALID},
		{"huge hidden", spec.LayerInfo{In: spec.Shape{4, 3}, Out: spec.Shape{1 << 23}}, &spec.LSTM{Hidden: 1 << 23}, p, modelgate.ELIMIT},
	}
	for _, c := range cases {
		_, err := newLSTM(c.l, c.li, c.p)
		if got := modelgate.ErrorCode(err); got != c.code {
			t.Errorf("%s: code %q, want %q (%v)", c.name, got, c.code, err)
		}
	}
	if _, err := newGRU(&spec.GRU{Hidden: 2, Variant: "v2"}, li, p); modelgate.ErrorCode(err) != modelgate.EUNSUPPORTED {
		t.Errorf("GRU v2: %v", err)
	}
	if _, err := newRNN(&spec.RNN{Hidden: 2, Act: spec.Act{Activation: "nope"}}, li, p); modelgate.ErrorCode(err) != modelgate.EUNSUPPORTED {
		t.Errorf("RNN with unknown activation: %v", err)
	}
}

// nn2BenchRec benchmarks a recurrent op at T=50, F=128, H=256, batch 16,
// with one goroutine per product and with GOMAXPROCS.
func nn2BenchRec(b *testing.B, kind recKind) {
	for _, threads := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprint("threads=", threads), func(b *testing.B) { nn2BenchRecT(b, kind, threads) })
	}
}

func nn2BenchRecT(b *testing.B, kind recKind, threads int) {
	c := nn2Rec{kind, 50, 128, 256, 16, true, false, spec.Act{Activation: spec.ActTanh}}
	rng := rand.New(rand.NewPCG(1, 1))
	o, err := nn2Build(c, nn2RecParams(rng, c))
	if err != nil {
		b.Fatal(err)
	}
	o.(*recurrentOp).setThreads(threads)
	x := nn2Rand(rng, c.n*c.t*c.f, 1)
	out := make([]float32, c.n*c.t*c.h)
	g, hg := recGates(kind)
	flops := 2 * float64(c.n*c.t) * float64(g*c.h*c.f+hg*c.h*c.h)
	if kind == recGRUv3 {
		flops += 2 * float64(c.n*c.t*c.h*c.h)
	}
	ctx := context.Background()
	for b.Loop() {
		if err := o.forward(ctx, c.n, x, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkLSTM(b *testing.B)  { nn2BenchRec(b, recLSTM) }
func BenchmarkGRU(b *testing.B)   { nn2BenchRec(b, recGRUv1) }
func BenchmarkGRUv3(b *testing.B) { nn2BenchRec(b, recGRUv3) }
func BenchmarkRNN(b *testing.B)   { nn2BenchRec(b, recRNN) }

// TestRecurrentReuse runs one op repeatedly with changing batch sizes (the
// scratch comes from a pool): results must be bitwise identical to the
// first run of the same batch size, so no state leaks between calls.
func TestRecurrentReuse(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(21, 22))
	for _, kind := range []recKind{recRNN, recLSTM, recGRUv1, recGRUv3} {
		for _, init := range []bool{false, true} {
			c := nn2Rec{kind, 4, 3, 5, 3, true, init, spec.Act{Activation: spec.ActTanh}}
			o, err := nn2Build(c, nn2RecParams(rng, c))
			if err != nil {
				t.Fatal(err)
			}
			x := nn2Rand(rng, 3*12, 1)
			run := func(n int) []float32 {
				out := make([]float32, n*20)
				if err := o.forward(context.Background(), n, x[:n*12], out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			// gemm may sum in another order for another m, so results
			// are compared between runs of the same batch size.
			first := map[int][]float32{}
			for _, n := range []int{3, 1, 3, 2, 1, 3, 2} {
				got := run(n)
				if first[n] == nil {
					first[n] = got
					continue
				}
				for i := range got {
					if got[i] != first[n][i] {
						t.Fatalf("%v: batch %d run differs at %d: %v vs %v", c, n, i, got[i], first[n][i])
					}
				}
			}
		}
	}
}

// FuzzRecurrent builds recurrent layers from fuzzed geometry (including
// parameter tensors of the wrong length): construction must fail cleanly
// or produce an op that matches the naive reference.
func FuzzRecurrent(f *testing.F) {
	seeds := [][6]uint8{{1, 1, 3, 1, 1, 0}, {0, 5, 7, 9, 3, 3}, {2, 1, 3, 4, 1, 1}, {3, 5, 3, 9, 3, 2}, {3, 0, 0, 0, 0, 255}, {255, 255, 255, 255, 255, 255}}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, kind, steps, feat, hid, batch, flags uint8) {
		c := nn2Rec{recKind(kind % 4), int(steps % 9), int(feat % 9), int(hid % 9), int(batch%4) + 1,
			flags&1 != 0, flags&2 != 0, spec.Act{Activation: spec.ActTanh}}
		rng := rand.New(rand.NewPCG(uint64(flags), 1))
		p := nn2RecParams(rng, c)
		if flags&4 != 0 { // a truncated parameter must be refused
			p["bias"] = p["bias"][:len(p["bias"])/2]
		}
		o, err := nn2Build(c, p)
		if err != nil {
			if modelgate.ErrorCode(err) == modelgate.EINTERNAL {
				t.Fatalf("%v: internal error %v", c, err)
			}
			return
		}
		if c.t < 1 || c.f < 1 || c.h < 1 || flags&4 != 0 {
			t.Fatalf("%v: accepted", c)
		}
		x := nn2Rand(rng, c.n*c.t*c.f, 2)
		outPer := c.h
		if c.retSeq {
			outPer *= c.t
		}
		out := make([]float32, c.n*outPer)
		if err := o.forward(context.Background(), c.n, x, out); err != nil {
			t.Fatal(err)
		}
		for s := range c.n {
			want := nn2RefRecurrent(c, p, x[s*c.t*c.f:(s+1)*c.t*c.f])
			for i, wv := range want {
				if !nn2Close(out[s*outPer+i], wv, 1e-5, 1e-5) {
					t.Fatalf("%v: sample %d out[%d] = %v, want %v", c, s, i, out[s*outPer+i], wv)
				}
			}
		}
	})
}

// TestRecurrentThreads checks that results are bitwise identical for one
// and several goroutines per product.
func TestRecurrentThreads(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(31, 32))
	for _, kind := range []recKind{recRNN, recLSTM, recGRUv1, recGRUv3} {
		c := nn2Rec{kind, 7, 33, 70, 5, true, true, spec.Act{Activation: spec.ActTanh}}
		p := nn2RecParams(rng, c)
		x := nn2Rand(rng, c.n*c.t*c.f, 1)
		var outs [][]float32
		for _, threads := range []int{1, 2, 3} {
			o, err := nn2Build(c, p)
			if err != nil {
				t.Fatal(err)
			}
			o.(*recurrentOp).setThreads(threads)
			out := make([]float32, c.n*c.t*c.h)
			if err := o.forward(context.Background(), c.n, x, out); err != nil {
				t.Fatal(err)
			}
			outs = append(outs, out)
		}
		for i := 1; i < len(outs); i++ {
			for j := range outs[0] {
				if outs[i][j] != outs[0][j] {
					t.Fatalf("%v: thread counts differ at %d: %v vs %v", c, j, outs[i][j], outs[0][j])
				}
			}
		}
	}
}

// nn2LateCtx is a context whose Err turns to Canceled after ok calls.
type nn2LateCtx struct {
	context.Context
	ok    int
	calls int
}

func (c *nn2LateCtx) Err() error {
	c.calls++
	if c.calls > c.ok {
		return context.Canceled
	}
	return nil
}

// TestRecurrentCancelMidway cancels during the time loop: forward must stop
// with context.Canceled rather than finish the sequence.
func TestRecurrentCancelMidway(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(41, 42))
	c := nn2Rec{recLSTM, 300, 2, 3, 1, false, false, spec.Act{}}
	o, err := nn2Build(c, nn2RecParams(rng, c))
	if err != nil {
		t.Fatal(err)
	}
	ctx := &nn2LateCtx{Context: context.Background(), ok: 2}
	err = o.forward(ctx, 1, nn2Rand(rng, 600, 1), make([]float32, 3))
	if !errors.Is(err, context.Canceled) || ctx.calls != 3 {
		t.Fatalf("err %v after %d checks", err, ctx.calls)
	}
}
