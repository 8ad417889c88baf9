package onnx

import (
	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// Gate block orders: ONNX block i is the spec's (Flux's) block order[i].
var (
	lstmOrder = []int{0, 3, 1, 2} // ONNX i, o, f, c from Flux i, f, c, o
	gruOrder  = []int{1, 0, 2}    // ONNX z, r, h from Flux r, z, n
)

// reorder returns the blocks of v (each size elements) in order.
func reorder(v []float32, size int, order []int) []float32 {
	out := make([]float32, 0, len(v))
	for _, o := range order {
		out = append(out, v[o*size:(o+1)*size]...)
	}
	return out
}

// recurrence is one ONNX RNN, LSTM or GRU node to emit.
type recurrence struct {
	op        string
	hidden    int
	retSeq    bool
	initState bool
	w, r, bw  []float32 // W, R and Wb in ONNX gate order
	attrs     []attr
}

func (b *builder) rnn(l *spec.RNN, li spec.LayerInfo, x string) (string, error) {
	name, alpha, beta, ok := rnnAct(l.Act)
	if !ok {
		return "", unsupported(li.Pointer+"/activation", "ONNX RNN cannot use activation %q", l.Activation)
	}
	rc := recurrence{op: "RNN", hidden: l.Hidden, retSeq: l.ReturnSequences, initState: l.InitialState,
		attrs: []attr{attrStringList("activations", name)}}
	if alpha != nil {
		rc.attrs = append(rc.attrs, attrFloatList("activation_alpha", alpha))
	}
	if beta != nil {
		rc.attrs = append(rc.attrs, attrFloatList("activation_beta", beta))
	}
	return b.recurrent(rc, li, x, []int{0})
}

func (b *builder) lstm(l *spec.LSTM, li spec.LayerInfo, x string) (string, error) {
	rc := recurrence{op: "LSTM", hidden: l.Hidden, retSeq: l.ReturnSequences, initState: l.InitialState}
	return b.recurrent(rc, li, x, lstmOrder)
}

func (b *builder) gru(l *spec.GRU, li spec.LayerInfo, x string) (string, error) {
	rc := recurrence{op: "GRU", hidden: l.Hidden, retSeq: l.ReturnSequences, initState: l.InitialState}
	switch l.Variant {
	case "v1", "":
		rc.attrs = []attr{attrInt("linear_before_reset", 1)}
	case "v3":
		rc.attrs = []attr{attrInt("linear_before_reset", 0)}
	default:
		return "", unsupported(li.Pointer+"/variant", "GRU variant %q has no ONNX mapping", l.Variant)
	}
	return b.recurrent(rc, li, x, gruOrder)
}

// recurrent reads the layer's weights into ONNX order and emits the node
// with the transposes between batch-first and ONNX's time-first layout.
func (b *builder) recurrent(rc recurrence, li spec.LayerInfo, x string, order []int) (string, error) {
	if len(li.In) != 2 {
		return "", modelgate.Errorf(modelgate.EINVALID, li.Pointer, "analysis-mismatch", "recurrent input %v is not [T, F]", li.In)
	}
	h, f := rc.hidden, li.In[1]
	g := len(order)
	wih, _, err := b.param(li, "weight_ih")
	if err != nil {
		return "", err
	}
	whh, _, err := b.param(li, "weight_hh")
	if err != nil {
		return "", err
	}
	bias, _, err := b.param(li, "bias")
	if err != nil {
		return "", err
	}
	rc.w = reorder(wih, h*f, order)
	rc.bw = reorder(bias, h, order)
	if rc.op == "GRU" && len(whh) == 2*h*h { // v3: r, z from weight_hh, then weight_hn
		whn, _, err := b.param(li, "weight_hn")
		if err != nil {
			return "", err
		}
		rc.r = reorder(append(whh, whn...), h*h, order)
	} else {
		rc.r = reorder(whh, h*h, order)
	}
	gh := int64(g * h)
	bb := append(rc.bw, make([]float32, g*h)...)
	in := []string{
		b.add("Transpose", []string{x}, attrIntList("perm", []int64{1, 0, 2})),
		b.addInit(tensor{name: li.Prefix + "onnx.W", dims: []int64{1, gh, int64(f)}, dtype: dtFloat, f32: rc.w}),
		b.addInit(tensor{name: li.Prefix + "onnx.R", dims: []int64{1, gh, int64(h)}, dtype: dtFloat, f32: rc.r}),
		b.addInit(tensor{name: li.Prefix + "onnx.B", dims: []int64{1, 2 * gh}, dtype: dtFloat, f32: bb}),
	}
	if rc.initState {
		in = append(in, "")
		states := []string{"h0"}
		if rc.op == "LSTM" {
			states = append(states, "c0")
		}
		shape := b.add("Concat", []string{b.constI(1), b.add("Shape", []string{x}, attrInt("start", 0), attrInt("end", 1)), b.constI(int64(h))}, attrInt("axis", 0))
		for _, s := range states {
			data, _, err := b.param(li, s)
			if err != nil {
				return "", err
			}
			init := b.addInit(tensor{name: li.Prefix + s, dims: []int64{1, 1, int64(h)}, dtype: dtFloat, f32: data})
			in = append(in, b.add("Expand", []string{init, shape}))
		}
	}
	attrs := append([]attr{attrInt("hidden_size", int64(h))}, rc.attrs...)
	y := b.fresh()
	outs := []string{y}
	if !rc.retSeq {
		outs = []string{"", y}
	}
	b.nodes = append(b.nodes, node{op: rc.op, in: in, out: outs, attrs: attrs})
	if !rc.retSeq { // Y_h [1, N, H] -> [N, H]
		return b.add("Squeeze", []string{y, b.constI(0)}), nil
	}
	// Y [T, 1, N, H] -> [T, N, H] -> [N, T, H]
	y = b.add("Squeeze", []string{y, b.constI(1)})
	return b.add("Transpose", []string{y}, attrIntList("perm", []int64{1, 0, 2})), nil
}
