package spec

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

var update = flag.Bool("update", false, "rewrite testdata/analyze/*.golden")

// formatAnalysis renders an Analysis as stable text for golden files.
func formatAnalysis(a *Analysis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %v\noutput %v\nparams %d\nflops %d\nactivation_bytes %d\n\nlayers:\n",
		a.Input, a.Output, a.TotalParams, a.TotalFLOPs, a.ActivationBytes)
	for _, l := range a.Layers {
		fmt.Fprintf(&b, "%s%s %s %q in=%v out=%v params=%d flops=%d\n",
			strings.Repeat("  ", l.Depth), l.Pointer, l.Layer.LayerType(), l.Prefix, l.In, l.Out, l.Params, l.FLOPs)
	}
	b.WriteString("\nparameters:\n")
	for _, p := range a.Params {
		fmt.Fprintf(&b, "%s %v %s\n", p.Name, p.Shape, p.Pointer)
	}
	return b.String()
}

func TestAnalyzeGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Analyze(mustParse(t, data), modelgate.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got := formatAnalysis(a)
			golden := filepath.Join("testdata", "analyze", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("analysis differs from %s:\n%s", golden, got)
			}
			checkConsistent(t, a)
		})
	}
}

// checkConsistent recomputes the totals from the parts.
func checkConsistent(t *testing.T, a *Analysis) {
	t.Helper()
	var params, flops, act int64
	perLayer := map[string]int64{}
	for _, p := range a.Params {
		n := int64(1)
		for _, d := range p.Shape {
			n *= int64(d)
		}
		params += n
		perLayer[p.Pointer] += n
	}
	for _, l := range a.Layers {
		flops += l.FLOPs
		if perLayer[l.Pointer] != l.Params {
			t.Errorf("%s: Params %d, parameter shapes sum to %d", l.Pointer, l.Params, perLayer[l.Pointer])
		}
		if !strings.HasPrefix(strings.ReplaceAll(l.Prefix, ".", "/"), strings.TrimPrefix(l.Pointer, "/")) {
			t.Errorf("prefix %q does not match pointer %q", l.Prefix, l.Pointer)
		}
		act = max(act, 4*(l.In.Elements()+l.Out.Elements()))
	}
	if params != a.TotalParams || flops != a.TotalFLOPs || act != a.ActivationBytes {
		t.Errorf("totals %d %d %d, recomputed %d %d %d", a.TotalParams, a.TotalFLOPs, a.ActivationBytes, params, flops, act)
	}
}

// TestAnalyzeLeNet checks LeNet-5's well-known numbers.
func TestAnalyzeLeNet(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/valid/cnn.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Analyze(mustParse(t, data), modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if a.TotalParams != 61706 {
		t.Errorf("LeNet-5 has 61706 parameters, got %d", a.TotalParams)
	}
	// Multiply-adds: conv1 6·28·28·25, conv2 16·10·10·150, dense 400·120 + 120·84 + 84·10.
	macs := int64(6*28*28*25 + 16*10*10*150 + 400*120 + 120*84 + 84*10)
	if got := a.TotalFLOPs; got < 2*macs || got > 2*macs+20000 {
		t.Errorf("FLOPs %d, want 2·%d plus bias/activation/pooling extras", got, macs)
	}
}

var shapeErrors = []struct {
	name   string
	shape  string
	layers string
	rule   string
	where  string
	shapes []string // substrings the message must hold
}{
	{"conv rank", `[3, 8]`, `{"type":"conv","filters":2,"kernel":[3,3]}`, "shape-mismatch", "/layers/0", []string{"[3, 8]"}},
	{"conv too small", `[1, 2]`, `{"type":"conv","filters":2,"kernel":[3]}`, "shape-mismatch", "/layers/0", []string{"[1, 2]"}},
	{"conv groups channels", `[3, 8]`, `{"type":"conv","filters":2,"kernel":[3],"groups":2}`, "shape-mismatch", "/layers/0", []string{"[3, 8]"}},
	{"convT rank", `[3, 8]`, `{"type":"conv_transpose","filters":2,"kernel":[3,3]}`, "shape-mismatch", "/layers/0", nil},
	{"convT negative", `[1, 1, 1]`, `{"type":"conv_transpose","filters":2,"kernel":[1,1],"padding":[0,0,0,0]}`, "", "", nil},
	{"pool rank", `[8]`, `{"type":"max_pool","kernel":[2]}`, "shape-mismatch", "/layers/0", []string{"[8]"}},
	{"pool too small", `[1, 1]`, `{"type":"mean_pool","kernel":[2]}`, "shape-mismatch", "/layers/0", nil},
	{"global rank", `[8]`, `{"type":"global_max_pool"}`, "shape-mismatch", "/layers/0", nil},
	{"adaptive bigger", `[1, 4]`, `{"type":"adaptive_max_pool","output":[5]}`, "shape-mismatch", "/layers/0", []string{"[1, 4]"}},
	{"layernorm dims", `[4]`, `{"type":"layernorm","dims":2}`, "shape-mismatch", "/layers/0", nil},
	{"groupnorm groups", `[6, 2]`, `{"type":"groupnorm","groups":4}`, "shape-mismatch", "/layers/0", []string{"[6, 2]"}},
	{"instancenorm rank", `[6]`, `{"type":"instancenorm"}`, "shape-mismatch", "/layers/0", nil},
	{"embedding rank", `[2, 3]`, `{"type":"embedding","vocab":4,"dim":2}`, "shape-mismatch", "/layers/0", []string{"[2, 3]"}},
	{"lstm rank", `[3]`, `{"type":"lstm","hidden":2}`, "shape-mismatch", "/layers/0", []string{"[3]"}},
	{"gru rank", `[3, 2, 1]`, `{"type":"gru","hidden":2}`, "shape-mismatch", "/layers/0", nil},
	{"rnn too long", `[1048577, 2]`, `{"type":"rnn","hidden":2}`, "sequence-too-long", "/layers/0", nil},
	{"reshape count", `[2, 3]`, `{"type":"reshape","shape":[4, 2]}`, "shape-mismatch", "/layers/0", []string{"[2, 3]", "[4, 2]"}},
	{"reshape infer", `[2, 3]`, `{"type":"reshape","shape":[-1, 4]}`, "shape-mismatch", "/layers/0", []string{"[2, 3]", "[-1, 4]"}},
	{"softmax axis", `[2, 3]`, `{"type":"softmax","axis":2}`, "shape-mismatch", "/layers/0", nil},
	{"upsample rank", `[2]`, `{"type":"upsample","scale":[2]}`, "shape-mismatch", "/layers/0", nil},
	{"skip add", `[4]`, `{"type":"skip","combine":"add","layers":[{"type":"dense","units":3}]}`, "shape-mismatch", "/layers/0", []string{"[3]", "[4]"}},
	{"skip multiply", `[4]`, `{"type":"skip","combine":"multiply","layers":[{"type":"dense","units":3}]}`, "shape-mismatch", "/layers/0", []string{"[3]", "[4]"}},
	{"skip concat axes", `[2, 4]`, `{"type":"skip","combine":"concat","axis":0,"layers":[{"type":"dense","units":3}]}`, "shape-mismatch", "/layers/0", []string{"[2, 3]", "[2, 4]"}},
	{"skip concat rank", `[2, 4]`, `{"type":"skip","combine":"concat","layers":[{"type":"flatten"}]}`, "shape-mismatch", "/layers/0", []string{"[8]", "[2, 4]"}},
	{"skip concat axis", `[4]`, `{"type":"skip","combine":"concat","axis":1,"layers":[]}`, "bad-axis", "/layers/0/axis", nil},
	{"parallel add", `[4]`, `{"type":"parallel","combine":"add","branches":[[],[{"type":"dense","units":2}]]}`, "shape-mismatch", "/layers/0", []string{"branch 1", "[2]", "[4]"}},
	{"nested mismatch", `[2, 2]`, `{"type":"parallel","combine":"add","branches":[[{"type":"embedding","vocab":2,"dim":2}]]}`, "shape-mismatch", "/layers/0/branches/0/0", nil},
	{"flatten huge", `[2147483648, 2147483648]`, `{"type":"flatten"}`, "bad-dim", "/layers/0", nil},
	{"flatten overflow", `[2147483648, 2147483648, 2147483648, 2147483648, 2147483648]`, `{"type":"flatten"}`, "overflow", "/layers/0", nil},
	{"dense overflow", `[2147483648, 2147483648, 2147483648]`, `{"type":"dense","units":2147483648}`, "overflow", "/layers/0", nil},
	{"dense params", `[1073741824]`, `{"type":"dense","units":1073741824}`, "too-many-params", "/layers/0", nil},
	{"upsample huge", `[1, 2147483648]`, `{"type":"upsample","scale":[2]}`, "shape-mismatch", "/layers/0", nil},
	{"convT huge", `[1, 2147483648, 1]`, `{"type":"conv_transpose","filters":1,"kernel":[1,1],"stride":[65536,1]}`, "shape-mismatch", "/layers/0", nil},
	{"lstm gates huge", `[2, 2]`, `{"type":"lstm","hidden":2147483648}`, "bad-dim", "/layers/0/hidden", nil},
	{"activation bytes", `[65536, 65536]`, `{"type":"activation","activation":"relu"}`, "activation-too-large", "/layers/0", nil},
	{"flops", `[1, 32768, 32768]`, `{"type":"conv","filters":64,"kernel":[7,7],"padding":[3,3]}`, "too-many-flops", "/layers/0", nil},
}

func TestAnalyzeErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range shapeErrors {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, doc(tc.shape, tc.layers))
			a, err := Analyze(s, modelgate.DefaultLimits())
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if a != nil {
				t.Errorf("got an analysis with an error")
			}
			wantProblem(t, err, tc.rule, tc.where)
			msg := err.Error()
			for _, s := range tc.shapes {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not name %s", msg, s)
				}
			}
		})
	}
}

func TestAnalyzeLimits(t *testing.T) {
	t.Parallel()
	s := mustParse(t, doc(`[16]`, `{"type":"dense","units":16},{"type":"dense","units":16}`))
	for _, tc := range []struct {
		edit func(*modelgate.Limits)
		rule string
	}{
		{func(l *modelgate.Limits) { l.Params = 300 }, "too-many-params"},
		{func(l *modelgate.Limits) { l.Tensors = 3 }, "too-many-tensors"},
		{func(l *modelgate.Limits) { l.FLOPs = 600 }, "too-many-flops"},
		{func(l *modelgate.Limits) { l.ActivationBytes = 127 }, "activation-too-large"},
		{func(l *modelgate.Limits) { l.Layers = 1 }, "too-many-layers"},
	} {
		lim := modelgate.DefaultLimits()
		tc.edit(&lim)
		_, err := Analyze(s, lim)
		wantProblem(t, err, tc.rule, "")
		if modelgate.ErrorCode(err) != modelgate.ELIMIT {
			t.Errorf("%s: code %q", tc.rule, modelgate.ErrorCode(err))
		}
	}
	if _, err := Analyze(s, modelgate.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
}

// TestConvOutputBruteForce compares the conv and pooling output sizes with
// a count of window positions.
func TestConvOutputBruteForce(t *testing.T) {
	t.Parallel()
	for in := 1; in <= 9; in++ {
		for k := 1; k <= 4; k++ {
			for d := 1; d <= 3; d++ {
				for st := 1; st <= 3; st++ {
					ext := d*(k-1) + 1
					for pb := 0; pb < ext && pb <= 2; pb++ {
						for pe := 0; pe < ext && pe <= 2; pe++ {
							want := 0
							for start := -pb; start+ext <= in+pe; start += st {
								want++
							}
							layer := fmt.Sprintf(`{"type":"conv","filters":1,"kernel":[%d],"stride":[%d],"dilation":[%d],"padding":[%d,%d]}`, k, st, d, pb, pe)
							s := mustParse(t, doc(fmt.Sprintf("[1,%d]", in), layer))
							a, err := Analyze(s, modelgate.Limits{})
							if want == 0 {
								if err == nil {
									t.Errorf("%s on %d: no error, want one", layer, in)
								}
								continue
							}
							if err != nil || a.Output[1] != want {
								t.Errorf("%s on %d: %v %v, want %d", layer, in, a, err, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestConvTransposeBruteForce scatters every input position through the
// kernel and measures the touched range.
func TestConvTransposeBruteForce(t *testing.T) {
	t.Parallel()
	for in := 1; in <= 5; in++ {
		for k := 1; k <= 3; k++ {
			for st := 1; st <= 3; st++ {
				for pad := 0; pad < k; pad++ {
					for op := 0; op < st; op++ {
						hi := 0
						for i := 0; i < in; i++ {
							for j := 0; j < k; j++ {
								hi = max(hi, i*st+j)
							}
						}
						want := hi + 1 + op - 2*pad
						layer := fmt.Sprintf(`{"type":"conv_transpose","filters":1,"kernel":[%d,1],"stride":[%d,1],"padding":[%d,0],"output_padding":[%d,0]}`, k, st, pad, op)
						s := mustParse(t, doc(fmt.Sprintf("[1,%d,1]", in), layer))
						a, err := Analyze(s, modelgate.Limits{})
						if want < 1 {
							if err == nil {
								t.Errorf("%s on %d: no error", layer, in)
							}
							continue
						}
						if err != nil || a.Output[1] != want {
							t.Errorf("%s on %d: %v, want %d", layer, in, err, want)
						}
					}
				}
			}
		}
	}
}

func TestShapeString(t *testing.T) {
	t.Parallel()
	if got := (Shape{1, 28, -1}).String(); got != "[1, 28, -1]" {
		t.Errorf("got %q", got)
	}
	if (Shape{1 << 31, 1 << 31, 1 << 31}).Elements() != -1 {
		t.Error("Elements should report overflow")
	}
}
