package flux

import (
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/spec"
)

// cellLayout says where a recurrent cell's fields are.
type cellLayout struct {
	act        int // RNNCell activation, else -1
	wi, wh, b  int
	whh        int // GRUv3 Wh_h̃, else -1
	h, c       int // initial state fields (h, c separate), else -1
	stateTuple int // state0 field holding (h, c) (LSTM 0.12-0.14), else -1
}

// cellLayouts maps (cell type, field count) to its layout
// (reference table §4: Recur <= 0.11, 0.12-0.14, wrappers >= 0.15).
var cellLayouts = map[string]map[int]cellLayout{
	"Flux.RNNCell": {
		5: {act: 0, wi: 1, wh: 2, b: 3, whh: -1, h: 4, c: -1, stateTuple: -1},
		4: {act: 0, wi: 1, wh: 2, b: 3, whh: -1, h: -1, c: -1, stateTuple: -1},
	},
	"Flux.LSTMCell": {
		5: {act: -1, wi: 0, wh: 1, b: 2, whh: -1, h: 3, c: 4, stateTuple: -1},
		4: {act: -1, wi: 0, wh: 1, b: 2, whh: -1, h: -1, c: -1, stateTuple: 3},
		3: {act: -1, wi: 0, wh: 1, b: 2, whh: -1, h: -1, c: -1, stateTuple: -1},
	},
	"Flux.GRUCell": {
		4: {act: -1, wi: 0, wh: 1, b: 2, whh: -1, h: 3, c: -1, stateTuple: -1},
		3: {act: -1, wi: 0, wh: 1, b: 2, whh: -1, h: -1, c: -1, stateTuple: -1},
	},
	"Flux.GRUv3Cell": {
		5: {act: -1, wi: 0, wh: 1, b: 2, whh: 3, h: 4, c: -1, stateTuple: -1},
		4: {act: -1, wi: 0, wh: 1, b: 2, whh: 3, h: -1, c: -1, stateTuple: -1},
	},
}

// gatesOf is the number of gate blocks in Wi per cell type.
var gatesOf = map[string]int64{"Flux.RNNCell": 1, "Flux.LSTMCell": 4, "Flux.GRUCell": 3, "Flux.GRUv3Cell": 3}

// recurrent converts Recur [cell, init, state] / [cell, state] and the
// >= 0.15 wrappers [cell]. The layer runs over [T, F] and returns every
// step ([T, H]), as Flux applied step by step; the initial state is the
// cell's stored initial state (state0, or h/c for Flux <= 0.11) when it is
// not zero.
func (c *converter) recurrent(st *juliabson.Struct, name string, f []juliabson.Value) (spec.Layer, []*param, error) {
	if len(f) < 1 || len(f) > 3 {
		return nil, nil, layoutErr(st, "%s with %d fields", name, len(f))
	}
	cell, ok := juliabson.Deref(f[0]).(*juliabson.Struct)
	if !ok || cell.IsBits() {
		return nil, nil, layoutErr(f[0], "%s cell is not a struct", name)
	}
	cn := cell.TypeName()
	lay, ok := cellLayouts[cn][len(cell.Fields)]
	if !ok {
		return nil, nil, layoutErr(cell, "%s with %d fields is not a known recurrent cell", cn, len(cell.Fields))
	}
	cf := cell.Fields
	wi, wid, err := c.floats(cf[lay.wi], "Wi")
	if err != nil {
		return nil, nil, err
	}
	wh, whd, err := c.floats(cf[lay.wh], "Wh")
	if err != nil {
		return nil, nil, err
	}
	if err := dims(cf[lay.wi], wid, "Wi", -1, -1); err != nil {
		return nil, nil, err
	}
	gates := gatesOf[cn]
	rows, in := wid[0], wid[1]
	h := rows / gates
	whRows := rows
	if cn == "Flux.GRUv3Cell" {
		whRows = 2 * h
	}
	if rows%gates != 0 || h < 1 {
		return nil, nil, layoutErr(cf[lay.wi], "Wi has %d rows, not a multiple of %d", rows, gates)
	}
	if err := dims(cf[lay.wh], whd, "Wh", whRows, h); err != nil {
		return nil, nil, err
	}
	ps := []*param{
		{shape: []int64{rows, in}, data: transpose(wi, int(rows), int(in))},
		{shape: []int64{whRows, h}, data: transpose(wh, int(whRows), int(h))},
	}
	b, hasBias, err := c.bias(cf[lay.b], rows)
	if err != nil {
		return nil, nil, err
	}
	if !hasBias {
		b = zeros(rows)
	}
	ps = append(ps, b)
	if lay.whh >= 0 {
		whh, hd, err := c.floats(cf[lay.whh], "Wh_h̃")
		if err != nil {
			return nil, nil, err
		}
		if err := dims(cf[lay.whh], hd, "Wh_h̃", h, h); err != nil {
			return nil, nil, err
		}
		ps = append(ps, &param{shape: []int64{h, h}, data: transpose(whh, int(h), int(h))})
	}
	state, err := c.initialState(cell, lay, cn, h)
	if err != nil {
		return nil, nil, err
	}
	ps = append(ps, state...)
	initial := len(state) > 0
	c.infer(1, int(in))
	if initial {
		c.note("%s starts from the initial state stored in the file", cn)
	}
	switch cn {
	case "Flux.RNNCell":
		act, err := c.actOf(cf[lay.act])
		if err != nil {
			return nil, nil, err
		}
		return &spec.RNN{Hidden: int(h), ReturnSequences: true, InitialState: initial, Act: act}, ps, nil
	case "Flux.LSTMCell":
		return &spec.LSTM{Hidden: int(h), ReturnSequences: true, InitialState: initial}, ps, nil
	case "Flux.GRUCell":
		return &spec.GRU{Hidden: int(h), ReturnSequences: true, InitialState: initial, Variant: "v1"}, ps, nil
	}
	return &spec.GRU{Hidden: int(h), ReturnSequences: true, InitialState: initial, Variant: "v3"}, ps, nil
}

// initialState returns h0 (and c0 for LSTM) when the stored initial state
// is not all zeros; none otherwise.
func (c *converter) initialState(cell *juliabson.Struct, lay cellLayout, cn string, h int64) ([]*param, error) {
	var hv, cv juliabson.Value
	switch {
	case lay.stateTuple >= 0:
		tup, ok := juliabson.Deref(cell.Fields[lay.stateTuple]).(*juliabson.Tuple)
		if !ok || len(tup.Elems) != 2 {
			return nil, layoutErr(cell.Fields[lay.stateTuple], "LSTM state0 is not a tuple (h, c)")
		}
		hv, cv = tup.Elems[0], tup.Elems[1]
	case lay.h >= 0:
		hv = cell.Fields[lay.h]
		if lay.c >= 0 {
			cv = cell.Fields[lay.c]
		}
	default:
		return nil, nil
	}
	h0, nzH, err := c.firstColumn(hv, h, "initial h")
	if err != nil {
		return nil, err
	}
	out := []*param{{shape: []int64{h}, data: h0}}
	nz := nzH
	if cn == "Flux.LSTMCell" {
		c0, nzC, err := c.firstColumn(cv, h, "initial c")
		if err != nil {
			return nil, err
		}
		out = append(out, &param{shape: []int64{h}, data: c0})
		nz = nz || nzC
	}
	if !nz {
		return nil, nil
	}
	return out, nil
}
