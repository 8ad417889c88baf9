package spec

import (
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
)

// hostileJSON is the table of hostile JSON documents; the fuzz targets seed
// from it too.
var hostileJSON = []struct {
	name  string
	input string
	rule  string
	where string
}{
	{"empty", ``, "syntax", ""},
	{"not object", `[1]`, "not-object", ""},
	{"scalar", `"x"`, "not-object", ""},
	{"unknown top", strings.Replace(string(doc(`[1]`, `{"type":"flatten"}`)), `"name"`, `"nom":1,"name"`, 1), "unknown-member", "/nom"},
	{"wrong case top", strings.Replace(string(doc(`[1]`, `{"type":"flatten"}`)), `"name"`, `"Name"`, 1), "unknown-member", "/Name"},
	{"empty dilation", string(doc(`[1, 10]`, `{"type":"conv","filters":1,"kernel":[1],"dilation":[]}`)), "empty-list", "/layers/0/dilation"},
	{"empty stride", string(doc(`[1, 10]`, `{"type":"conv","filters":1,"kernel":[1],"stride":[]}`)), "empty-list", "/layers/0/stride"},
	{"empty padding", string(doc(`[1, 10]`, `{"type":"max_pool","kernel":[2],"padding":[]}`)), "empty-list", "/layers/0/padding"},
	{"empty pool stride", string(doc(`[1, 10]`, `{"type":"mean_pool","kernel":[2],"stride":[]}`)), "empty-list", "/layers/0/stride"},
	{"empty output_padding", string(doc(`[1, 4, 4]`, `{"type":"conv_transpose","filters":1,"kernel":[1,1],"output_padding":[]}`)), "empty-list", "/layers/0/output_padding"},
	{"empty list nested", string(doc(`[1, 10]`, `{"type":"skip","layers":[{"type":"conv","filters":1,"kernel":[1],"padding":[]}]}`)), "empty-list", "/layers/0/layers/0/padding"},
	{"wrong case layer", string(doc(`[4]`, `{"type":"dense","Units":3}`)), "unknown-member", "/layers/0/Units"},
	{"unknown layer member", string(doc(`[4]`, `{"type":"dense","units":3,"kernel":[3]}`)), "unknown-member", "/layers/0/kernel"},
	{"unknown nested member", string(doc(`[4]`, `{"type":"skip","combine":"add","layers":[{"type":"dense","units":4,"filters":2}]}`)), "unknown-member", "/layers/0/layers/0/filters"},
	{"unknown branch member", string(doc(`[4]`, `{"type":"parallel","combine":"add","branches":[[],[{"type":"flatten","x":1}]]}`)), "unknown-member", "/layers/0/branches/1/0/x"},
	{"duplicate top", `{"name":"a","name":"b"}`, "duplicate-key", "/name"},
	{"duplicate nested", string(doc(`[4]`, `{"type":"dense","units":3,"units":4}`)), "duplicate-key", "/layers/0/units"},
	{"duplicate deep", string(doc(`[4]`, `{"type":"skip","combine":"add","layers":[{"type":"dense","units":4,"bias":true,"bias":false}]}`)), "duplicate-key", "/layers/0/layers/0/bias"},
	{"duplicate type", string(doc(`[4]`, `{"type":"dense","type":"flatten","units":3}`)), "duplicate-key", "/layers/0/type"},
	{"duplicate escaped", `{"name":"a","n\u0061me":"b"}`, "duplicate-key", ""},
	{"invalid utf8", "{\"name\":\"\xff\"}", "invalid-utf8", "byte 9"},
	{"invalid utf8 key", "{\"\xc3\x28\":1}", "invalid-utf8", ""},
	{"trailing data", string(doc(`[1]`, `{"type":"flatten"}`)) + ` {}`, "trailing-data", ""},
	{"trailing garbage", string(doc(`[1]`, `{"type":"flatten"}`)) + `x`, "trailing-data", ""},
	{"two objects", `{}{}`, "trailing-data", ""},
	{"truncated", `{"format":"modelgate/v1"`, "syntax", ""},
	{"comment", `{"format":"modelgate/v1" /* hi */}`, "syntax", ""},
	{"single quotes", `{'format':1}`, "syntax", ""},
	{"nan literal", `{"x":NaN}`, "syntax", ""},
	{"bom", "\ufeff{}", "syntax", ""},
	{"null top member", strings.Replace(string(doc(`[1]`, `{"type":"flatten"}`)), `"name":"t"`, `"name":null`, 1), "null-value", "/name"},
	{"null layer member", string(doc(`[4]`, `{"type":"dense","units":3,"bias":null}`)), "null-value", "/layers/0/bias"},
	{"deep arrays", `{"a":` + nested("[", "]", 100000) + `}`, "too-deep", ""},
	{"deep objects", `{"a":` + strings.Repeat(`{"a":`, 100000) + `1` + strings.Repeat(`}`, 100001), "too-deep", ""},
	{"deep layers", string(doc(`[4]`, strings.Repeat(`{"type":"skip","combine":"add","layers":[`, 40)+strings.Repeat(`]}`, 40))), "too-deep", ""},
	{"many containers", `{"a":[` + strings.TrimSuffix(strings.Repeat(`[],`, 40000), ",") + `]}`, "too-many-values", ""},
	{"huge number", `{"a":1` + strings.Repeat("0", 400) + `}`, "number-too-long", "/a"},
	{"overflow float", `{"a":1e999}`, "number-out-of-range", "/a"},
	{"int as float", string(doc(`[4]`, `{"type":"dense","units":3.5}`)), "type-mismatch", "/layers/0/units"},
	{"int as 3.0", string(doc(`[4]`, `{"type":"dense","units":3.0}`)), "type-mismatch", "/layers/0/units"},
	{"int as 1e3", string(doc(`[4]`, `{"type":"dense","units":1e3}`)), "type-mismatch", "/layers/0/units"},
	{"int as string", string(doc(`[4]`, `{"type":"dense","units":"3"}`)), "type-mismatch", "/layers/0/units"},
	{"int as bool", string(doc(`[4]`, `{"type":"dense","units":true}`)), "type-mismatch", "/layers/0/units"},
	{"int overflow", string(doc(`[4]`, `{"type":"dense","units":99999999999999999999}`)), "type-mismatch", "/layers/0/units"},
	{"bool as string", string(doc(`[4]`, `{"type":"dense","units":3,"bias":"yes"}`)), "type-mismatch", "/layers/0/bias"},
	{"bool as int", string(doc(`[4]`, `{"type":"dense","units":3,"bias":1}`)), "type-mismatch", "/layers/0/bias"},
	{"shape as object", string(doc(`{"a":1}`, `{"type":"flatten"}`)), "type-mismatch", "/input/shape"},
	{"layers as object", strings.Replace(string(doc(`[1]`, `{"type":"flatten"}`)), `"layers":[{"type":"flatten"}]`, `"layers":{"type":"flatten"}`, 1), "type-mismatch", "/layers"},
	{"layer as array", string(doc(`[4]`, `[]`)), "type-mismatch", "/layers/0"},
	{"missing type", string(doc(`[4]`, `{"units":3}`)), "missing-type", "/layers/0"},
	{"unknown type", string(doc(`[4]`, `{"type":"lambda","code":"run(\"rm -rf\")"}`)), "unknown-layer-type", "/layers/0/type"},
	{"wrong case type", string(doc(`[4]`, `{"type":"Dense","units":3}`)), "unknown-layer-type", "/layers/0/type"},
	{"type not string", string(doc(`[4]`, `{"type":1}`)), "type-mismatch", "/layers/0/type"},
	{"nested unknown type", string(doc(`[4]`, `{"type":"skip","combine":"add","layers":[{"type":"eval"}]}`)), "unknown-layer-type", "/layers/0/layers/0/type"},
	{"unknown activation", string(doc(`[4]`, `{"type":"dense","units":3,"activation":"exec"}`)), "unknown-activation", "/layers/0/activation"},
	{"too large", `{"a":"` + strings.Repeat("x", modelgate.MaxSpecBytes) + `"}`, "spec-too-large", ""},
}

func TestParseJSONHostile(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileJSON {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s, err := ParseJSON([]byte(tc.input), modelgate.DefaultLimits())
			if s != nil {
				t.Errorf("got a spec, want nil")
			}
			wantProblem(t, err, tc.rule, tc.where)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestParseJSONErrorCodes(t *testing.T) {
	t.Parallel()
	_, err := ParseJSON([]byte(`{"a":`+nested("[", "]", 1000)+`}`), modelgate.DefaultLimits())
	if got := modelgate.ErrorCode(err); got != modelgate.ELIMIT {
		t.Errorf("deep: code %q, want %q", got, modelgate.ELIMIT)
	}
	_, err = ParseJSON(doc(`[4]`, `{"type":"dense","unit":3}`), modelgate.DefaultLimits())
	if got := modelgate.ErrorCode(err); got != modelgate.EINVALID {
		t.Errorf("unknown member: code %q, want %q", got, modelgate.EINVALID)
	}
	e := firstProblem(t, err)
	if !strings.Contains(e.Message, `"unit"`) || !strings.Contains(e.Message, `"dense"`) {
		t.Errorf("message %q should name the member and the layer type", e.Message)
	}
	_, err = ParseJSON(doc(`[4]`, `{"type":"nope"}`), modelgate.DefaultLimits())
	if e := firstProblem(t, err); !strings.Contains(e.Message, "conv_transpose") {
		t.Errorf("message %q should list the allowed types", e.Message)
	}
}

func TestParseJSONTightLimits(t *testing.T) {
	t.Parallel()
	data := doc(`[4]`, `{"type":"dense","units":3}`)
	lim := modelgate.DefaultLimits()
	lim.SpecBytes = int64(len(data) - 1)
	_, err := ParseJSON(data, lim)
	wantProblem(t, err, "spec-too-large", "")
	lim = modelgate.DefaultLimits()
	lim.Depth = 2
	_, err = ParseJSON(data, lim)
	wantProblem(t, err, "too-deep", "")
	lim = modelgate.DefaultLimits()
	lim.Layers = 1
	_, err = ParseJSON(doc(`[4]`, `{"type":"skip","combine":"add","layers":[{"type":"flatten"}]}`), lim)
	wantProblem(t, err, "too-many-layers", "/layers")
}

func TestParseJSONDefaults(t *testing.T) {
	t.Parallel()
	s := mustParse(t, doc(`[3, 8, 8]`, `{"type":"conv","filters":4,"kernel":[3,3],"padding":[1,2]},
		{"type":"max_pool","kernel":[2,3]},
		{"type":"mean_pool","kernel":[2]},
		{"type":"flatten"},
		{"type":"dense","units":2,"activation":"leakyrelu"},
		{"type":"activation","activation":"elu"},
		{"type":"rnn","hidden":2}`))
	c := s.Layers[0].(*Conv)
	if !eqInts(c.Stride, 1, 1) || !eqInts(c.Dilation, 1, 1) || !eqInts(c.Padding, 1, 1, 2, 2) || c.Groups != 1 || !c.Bias || c.Activation != ActIdentity {
		t.Errorf("conv defaults: %+v", c)
	}
	if mp := s.Layers[1].(*MaxPool); !eqInts(mp.Stride, 2, 3) || !eqInts(mp.Padding, 0, 0, 0, 0) {
		t.Errorf("max_pool defaults: %+v", mp)
	}
	if mp := s.Layers[2].(*MeanPool); !eqInts(mp.Stride, 2) || !eqInts(mp.Padding, 0, 0) || !mp.CountPadding {
		t.Errorf("mean_pool defaults: %+v", mp)
	}
	if d := s.Layers[4].(*Dense); d.Alpha != 0.01 {
		t.Errorf("leakyrelu alpha %v", d.Alpha)
	}
	if a := s.Layers[5].(*ActivationLayer); a.Alpha != 1 {
		t.Errorf("elu alpha %v", a.Alpha)
	}
	if r := s.Layers[6].(*RNN); r.Activation != ActTanh {
		t.Errorf("rnn activation %v", r.Activation)
	}
	if s.Input.DType != "float32" || s.Weights.DType != "float32" {
		t.Errorf("dtypes %q %q", s.Input.DType, s.Weights.DType)
	}
}

func TestNewLayerDefaults(t *testing.T) {
	t.Parallel()
	for _, typ := range Types() {
		l, err := NewLayer(typ)
		if err != nil || l.LayerType() != typ {
			t.Errorf("NewLayer(%q) = %v, %v", typ, l, err)
		}
	}
	if _, err := NewLayer("lambda"); modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Errorf("NewLayer(lambda) error %v", err)
	}
	checks := map[Type]func(Layer) bool{
		TypeDense:        func(l Layer) bool { d := l.(*Dense); return d.Bias && d.Activation == ActIdentity },
		TypeConv:         func(l Layer) bool { c := l.(*Conv); return c.Groups == 1 && c.Bias },
		TypeMeanPool:     func(l Layer) bool { return l.(*MeanPool).CountPadding },
		TypeBatchNorm:    func(l Layer) bool { b := l.(*BatchNorm); return b.Eps == 1e-5 && b.Affine },
		TypeLayerNorm:    func(l Layer) bool { b := l.(*LayerNorm); return b.Dims == 1 && b.Affine },
		TypeInstanceNorm: func(l Layer) bool { return !l.(*InstanceNorm).Affine },
		TypeDropout:      func(l Layer) bool { return l.(*Dropout).Rate == 0.5 },
		TypeSoftmax:      func(l Layer) bool { return l.(*Softmax).Axis == -1 },
		TypeLogSoftmax:   func(l Layer) bool { return l.(*LogSoftmax).Axis == -1 },
		TypeUpsample:     func(l Layer) bool { return l.(*Upsample).Mode == "nearest" },
		TypeRNN:          func(l Layer) bool { return l.(*RNN).Activation == ActTanh },
		TypeGRU:          func(l Layer) bool { return l.(*GRU).Variant == "v1" },
	}
	for typ, ok := range checks {
		l, _ := NewLayer(typ)
		if !ok(l) {
			t.Errorf("NewLayer(%q) defaults wrong: %+v", typ, l)
		}
	}
}

func eqInts(got []int, want ...int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
