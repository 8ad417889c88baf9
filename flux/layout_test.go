package flux

import (
	"context"
	"math"
	"math/rand"
	"testing"

	"github.com/modelgate/modelgate/bson"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/spec"
)

// run converts data and predicts one sample x (row-major, spec input shape).
func run(t *testing.T, data []byte, opt Options, x []float32) ([]float32, *Result) {
	t.Helper()
	res := convert(t, data, opt)
	p := mustOpen(t, res)
	out, err := p.Predict(context.Background(), nn.Tensor{Shape: append([]int{1}, p.Spec.Input.Shape...), Data: x})
	if err != nil {
		t.Fatal(err)
	}
	return out.Data, res
}

func close(t *testing.T, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > tol*math.Max(1, math.Abs(want[i])) {
			t.Fatalf("value %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// naiveConv is Flux's Conv on one WHC image in Julia indexing: x[w, h, c],
// weight[kw, kh, ci, co], a true convolution (the kernel is flipped) unless
// cross, with pad (loW, hiW, loH, hiH), stride (sW, sH), dilation (dW, dH).
// It returns y[w, h, co] in column-major order and its dims.
func naiveConv(x jarr, w jarr, b []float64, pad [4]int, stride, dil [2]int, cross bool, act func(float64) float64) jarr {
	W, H, C := int(x.dims[0]), int(x.dims[1]), int(x.dims[2])
	kW, kH, Co := int(w.dims[0]), int(w.dims[1]), int(w.dims[3])
	oW := (W+pad[0]+pad[1]-dil[0]*(kW-1)-1)/stride[0] + 1
	oH := (H+pad[2]+pad[3]-dil[1]*(kH-1)-1)/stride[1] + 1
	y := jarr{dims: []int64{int64(oW), int64(oH), int64(Co)}, v: make([]float64, oW*oH*Co)}
	for co := 0; co < Co; co++ {
		for oh := 0; oh < oH; oh++ {
			for ow := 0; ow < oW; ow++ {
				s := b[co]
				for ci := 0; ci < C; ci++ {
					for kh := 0; kh < kH; kh++ {
						for kw := 0; kw < kW; kw++ {
							iw, ih := ow*stride[0]-pad[0]+kw*dil[0], oh*stride[1]-pad[2]+kh*dil[1]
							if iw < 0 || iw >= W || ih < 0 || ih >= H {
								continue
							}
							fw, fh := kW-1-kw, kH-1-kh
							if cross {
								fw, fh = kw, kh
							}
							s += w.at(fw, fh, ci, co) * x.at(iw, ih, ci)
						}
					}
				}
				y.v[ow+oW*(oh+oH*co)] = act(s)
			}
		}
	}
	return y
}

func TestConvLayouts(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	x := randArr(r, 7, 5, 2) // W=7, H=5, C=2: row-major [2, 5, 7], the same bytes
	w := randArr(r, 3, 2, 2, 3)
	b := randArr(r, 3)
	for _, tc := range []struct {
		name   string
		cross  bool
		pad    bson.D
		pads   [4]int
		stride [2]int
		dil    [2]int
	}{
		{"conv-asym-pad", false, jints(2, 0, 1, 0), [4]int{2, 0, 1, 0}, [2]int{1, 1}, [2]int{1, 1}},
		{"conv-sym-pad-stride", false, jints(1, 0), [4]int{1, 1, 0, 0}, [2]int{2, 1}, [2]int{1, 1}},
		{"crosscor-dilated", true, jints(0, 0, 0, 0), [4]int{}, [2]int{1, 1}, [2]int{2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "Conv"
			if tc.cross {
				name = "CrossCor"
			}
			layer := st(dt("Flux", name), fn("NNlib", "#relu"), w.bson(), b.bson(),
				jints(int64(tc.stride[0]), int64(tc.stride[1])), tc.pad, jints(int64(tc.dil[0]), int64(tc.dil[1])))
			data := encFile(t, "model", chainOf(layer, fn("Flux", "#flatten")))
			xs := make([]float32, len(x.v))
			for i, v := range x.v {
				xs[i] = float32(v)
			}
			got, _ := run(t, data, Options{InputShape: []int{2, 5, 7}}, xs)
			want := naiveConv(x, w, b.v, tc.pads, tc.stride, tc.dil, tc.cross, relu)
			close(t, got, want.v, 1e-5)
		})
	}
}

func TestDenseVersionsAndBias(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(2))
	w := randArr(r, 3, 4) // out 3, in 4
	bias := randArr(r, 3)
	x := []float32{0.5, -1, 2, 0.25}
	want := func(withBias bool) []float64 {
		out := make([]float64, 3)
		for o := 0; o < 3; o++ {
			s := 0.0
			if withBias {
				s = bias.v[o]
			}
			for i := 0; i < 4; i++ {
				s += w.at(o, i) * float64(x[i])
			}
			out[o] = math.Tanh(s)
		}
		return out
	}
	w64 := w
	w64.f64 = true
	for _, tc := range []struct {
		name string
		b    any
		w    jarr
		has  bool
	}{
		{"bias", bias.bson(), w, true},
		{"float64", bias.bson(), w64, true},
		{"false-0.13", false, w, false},
		{"zeros-singleton-0.12", st(dt("Flux", "Zeros")), w, false},
		{"zeros-size-0.11", st(dt("Flux", "Zeros"), jints(3)), w, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := st(dt("Flux", "Dense"), tc.w.bson(), tc.b, fn("Base", "#tanh"))
			for _, c := range []struct {
				name  string
				chain any
			}{
				{"tuple", chainOf(d)},
				{"vector-0.6", st(dt("Flux", "Chain"), bson.A{d})},
				{"bare", d},
			} {
				got, res := run(t, encFile(t, "m", c.chain), Options{}, x)
				close(t, got, want(tc.has), 1e-5)
				if l := res.Spec.Layers[0].(*spec.Dense); l.Bias != tc.has {
					t.Fatalf("%s: bias = %v", c.name, l.Bias)
				}
			}
		})
	}
}

func TestBatchNormVersions(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(3))
	beta, gamma, mu := randArr(r, 2), randArr(r, 2), randArr(r, 2)
	v2 := jarr{dims: []int64{2}, v: []float64{0.5, 2}}
	x := []float32{1, -2}
	want := make([]float64, 2)
	for c := range want {
		want[c] = relu(gamma.v[c]*(float64(x[c])-mu.v[c])/math.Sqrt(v2.v[c]+1e-3) + beta.v[c])
	}
	base := []any{fn("NNlib", "#relu"), beta.bson(), gamma.bson(), mu.bson(), v2.bson(), f32s(1e-3), f32s(0.1)}
	for _, tc := range []struct {
		name  string
		extra []any
	}{
		{"7-fields-0.10.0", nil},
		{"8-fields-0.10.2", []any{false}},
		{"11-fields-0.12", []any{true, true, nil, int64(2)}},
		{"11-fields-active-true", []any{true, true, true, int64(2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bn := st(dt("Flux", "BatchNorm"), append(append([]any{}, base...), tc.extra...)...)
			d := denseL(jarr{dims: []int64{2, 2}, v: []float64{1, 0, 0, 1}}, jarr{dims: []int64{2}, v: []float64{0, 0}}, "#relu")
			_ = d
			got, _ := run(t, encFile(t, "model", chainOf(bn)), Options{InputShape: []int{2}}, x)
			close(t, got, want, 1e-4)
		})
	}
}

// naiveLSTM runs one Flux LSTM step from (h, c) over x: Wi (4H, in), Wh
// (4H, H), gates i, f, g, o.
func naiveLSTM(wi, wh, b jarr, h, c []float64, x []float64) ([]float64, []float64) {
	H := len(h)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	g := make([]float64, 4*H)
	for r := 0; r < 4*H; r++ {
		s := b.v[r]
		for i := range x {
			s += wi.at(r, i) * x[i]
		}
		for j := 0; j < H; j++ {
			s += wh.at(r, j) * h[j]
		}
		g[r] = s
	}
	h2, c2 := make([]float64, H), make([]float64, H)
	for j := 0; j < H; j++ {
		c2[j] = sig(g[H+j])*c[j] + sig(g[j])*math.Tanh(g[2*H+j])
		h2[j] = sig(g[3*H+j]) * math.Tanh(c2[j])
	}
	return h2, c2
}

func TestLSTMGenerations(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(4))
	const H, In = 2, 3
	wi, wh, b := randArr(r, 4*H, In), randArr(r, 4*H, H), randArr(r, 4*H)
	h0, c0 := randArr(r, H), randArr(r, H)
	x := []float32{0.3, -0.7, 1.1, 0.2, 0.1, -0.4} // T = 2
	want := func(h, c []float64) []float64 {
		var out []float64
		for step := 0; step < 2; step++ {
			xs := []float64{float64(x[3*step]), float64(x[3*step+1]), float64(x[3*step+2])}
			h, c = naiveLSTM(wi, wh, b, h, c, xs)
			out = append(out, h...)
		}
		return out
	}
	zero := []float64{0, 0}
	for _, tc := range []struct {
		name   string
		layer  bson.D
		h0, c0 []float64
	}{
		{"recur3-0.11", st(dt("Flux", "Recur"), st(dt("Flux", "LSTMCell"), wi.bson(), wh.bson(), b.bson(), h0.bson(), c0.bson()),
			tup(h0.bson(), c0.bson()), tup(h0.bson(), c0.bson())), h0.v, c0.v},
		{"recur2-0.12", st(dt("Flux", "Recur"), st(dt("Flux", "LSTMCell"), wi.bson(), wh.bson(), b.bson(),
			tup(jarr{dims: []int64{H, 1}, v: h0.v}.bson(), jarr{dims: []int64{H, 1}, v: c0.v}.bson())),
			tup(randArr(r, H, 5).bson(), randArr(r, H, 5).bson())), h0.v, c0.v},
		{"wrapper-0.15", st(dt("Flux", "LSTM"), st(dt("Flux", "LSTMCell"), wi.bson(), wh.bson(), b.bson())), zero, zero},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := run(t, encFile(t, "model", chainOf(tc.layer)), Options{InputShape: []int{2, In}}, x)
			close(t, got, want(tc.h0, tc.c0), 1e-5)
		})
	}
}

func TestEmbeddingSkipParallelLayerNorm(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(5))
	emb := randArr(r, 3, 4) // embed 3, vocab 4
	got, _ := run(t, encFile(t, "model", chainOf(st(dt("Flux", "Embedding"), emb.bson()))), Options{InputShape: []int{2}}, []float32{2, 0})
	close(t, got, []float64{emb.at(0, 2), emb.at(1, 2), emb.at(2, 2), emb.at(0, 0), emb.at(1, 0), emb.at(2, 0)}, 0)

	w := randArr(r, 2, 2)
	d := st(dt("Flux", "Dense"), w.bson(), false, fn("Base", "#identity"))
	x := []float32{0.5, -1.5}
	y := []float64{w.at(0, 0)*0.5 + w.at(0, 1)*-1.5, w.at(1, 0)*0.5 + w.at(1, 1)*-1.5}
	skip := st(dt("Flux", "SkipConnection"), d, fn("Base", "#+"))
	got, _ = run(t, encFile(t, "model", chainOf(d, skip)), Options{InputShape: []int{2}}, x)
	y2 := []float64{w.at(0, 0)*y[0] + w.at(0, 1)*y[1] + y[0], w.at(1, 0)*y[0] + w.at(1, 1)*y[1] + y[1]}
	close(t, got, y2, 1e-5)

	par := st(dt("Flux", "Parallel"), fn("Base", "#vcat"), tup(d, fn("Base", "#identity")))
	got, _ = run(t, encFile(t, "model", chainOf(par)), Options{InputShape: []int{2}}, x)
	close(t, got, []float64{y[0], y[1], 0.5, -1.5}, 1e-5)

	scale, bias := randArr(r, 2), randArr(r, 2)
	ln := st(dt("Flux", "LayerNorm"), fn("Base", "#identity"), st(dt("Flux", "Scale"), scale.bson(), bias.bson(), fn("Base", "#identity")),
		f32s(1e-5), jints(2), true)
	got, _ = run(t, encFile(t, "model", chainOf(ln)), Options{InputShape: []int{2}}, x)
	mean, va := -0.5, 1.0
	close(t, got, []float64{scale.v[0]*(0.5-mean)/math.Sqrt(va+1e-5) + bias.v[0], scale.v[1]*(-1.5-mean)/math.Sqrt(va+1e-5) + bias.v[1]}, 1e-4)
}

func TestWeightsOnlyShapeMismatch(t *testing.T) {
	t.Parallel()
	arch := &spec.Spec{Format: spec.FormatV1, Name: "a", Input: spec.Input{Shape: []int{4}},
		Layers: spec.Layers{&spec.Dense{Units: 3, Bias: true, Act: spec.Act{Activation: spec.ActIdentity}}}}
	r := rand.New(rand.NewSource(6))
	good := encFile(t, "params", bson.A{randArr(r, 3, 4).bson(), randArr(r, 3).bson()})
	if _, err := Convert(context.Background(), good, Options{Arch: arch}); err != nil {
		t.Fatalf("good weights: %v", err)
	}
	for name, data := range map[string][]byte{
		"transposed": encFile(t, "params", bson.A{randArr(r, 4, 3).bson(), randArr(r, 3).bson()}),
		"missing":    encFile(t, "params", bson.A{randArr(r, 3, 4).bson()}),
		"extra":      encFile(t, "params", bson.A{randArr(r, 3, 4).bson(), randArr(r, 3).bson(), randArr(r, 3).bson()}),
	} {
		if _, err := Convert(context.Background(), data, Options{Arch: arch}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestUpsampleNearest(t *testing.T) {
	t.Parallel()
	up := doc("tag", "datatype", "name", strs("Flux", "Upsample"), "params", bson.A{doc("tag", "symbol", "name", "nearest")})
	for _, scale := range []any{jints(3, 2), int64(2)} {
		data := encFile(t, "model", chainOf(st(up, scale, nil)))
		got, res := run(t, data, Options{InputShape: []int{1, 1, 2}}, []float32{1, 2})
		l := res.Spec.Layers[0].(*spec.Upsample)
		want := []float64{}
		for h := 0; h < l.Scale[0]; h++ {
			for w := 0; w < 2*l.Scale[1]; w++ {
				want = append(want, float64(1+w/l.Scale[1]))
			}
		}
		close(t, got, want, 0)
	}
}

// TestSwapHWEquivalence checks that SwapHW on the upright image equals
// the plain conversion on the transposed image, with non-square inputs,
// asymmetric padding, unequal strides and pools.
func TestSwapHWEquivalence(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(7))
	w, b := randArr(r, 3, 2, 2, 3), randArr(r, 3)
	conv := st(dt("Flux", "Conv"), fn("NNlib", "#relu"), w.bson(), b.bson(), jints(2, 1), jints(2, 0, 1, 0), jints(1, 1), int64(1))
	pool := st(dt("Flux", "MaxPool"), jints(2, 1), jints(0, 0, 0, 0), jints(2, 1))
	// orig model input (Julia): W=6, H=5, C=2 -> conv (W: (6+2-3)/2+1=3, H: 5+1-2+1=5) -> pool (1, 5) -> 3*1*5 = 15
	dense := st(dt("Flux", "Dense"), randArr(r, 4, 15).bson(), randArr(r, 4).bson(), fn("Base", "#identity"))
	data := encFile(t, "model", chainOf(conv, pool, fn("Flux", "#flatten"), dense))
	// Upright image [C=2, H=6, W=5]: the trained model saw it transposed, [2, 5, 6] row-major.
	x := make([]float32, 2*6*5)
	for i := range x {
		x[i] = float32(r.Float64())
	}
	xt := make([]float32, len(x))
	for c := 0; c < 2; c++ {
		for h := 0; h < 6; h++ {
			for ww := 0; ww < 5; ww++ {
				xt[c*30+ww*6+h] = x[c*30+h*5+ww]
			}
		}
	}
	plain, _ := run(t, data, Options{InputShape: []int{2, 5, 6}}, xt)
	swapped, _ := run(t, data, Options{InputShape: []int{2, 6, 5}, SwapHW: true}, x)
	want := make([]float64, len(plain))
	for i, v := range plain {
		want[i] = float64(v)
	}
	close(t, swapped, want, 1e-5)
}
