package spec

import (
	"math"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// invalidLayers are specs that decode but break a documented range.
var invalidLayers = []struct {
	name   string
	shape  string
	layers string
	rule   string
	where  string
}{
	{"no layers", `[4]`, ``, "no-layers", "/layers"},
	{"rank 0", `[]`, `{"type":"flatten"}`, "bad-rank", "/input/shape"},
	{"rank 9", `[1,1,1,1,1,1,1,1,1]`, `{"type":"flatten"}`, "bad-rank", "/input/shape"},
	{"dim 0", `[0]`, `{"type":"flatten"}`, "bad-dim", "/input/shape/0"},
	{"dim negative", `[-3]`, `{"type":"flatten"}`, "bad-dim", "/input/shape/0"},
	{"dim huge", `[2147483649]`, `{"type":"flatten"}`, "bad-dim", "/input/shape/0"},
	{"units 0", `[4]`, `{"type":"dense","units":0}`, "out-of-range", "/layers/0/units"},
	{"units huge", `[4]`, `{"type":"dense","units":4294967296}`, "out-of-range", "/layers/0/units"},
	{"alpha on relu", `[4]`, `{"type":"dense","units":1,"activation":"relu","alpha":0.1}`, "unexpected-alpha", "/layers/0/alpha"},
	{"negative leaky alpha", `[4]`, `{"type":"dense","units":1,"activation":"leakyrelu","alpha":-0.1}`, "out-of-range", "/layers/0/alpha"},
	{"negative elu alpha", `[4]`, `{"type":"activation","activation":"elu","alpha":-1}`, "out-of-range", "/layers/0/alpha"},
	{"kernel rank 3", `[1,4,4,4]`, `{"type":"conv","filters":1,"kernel":[1,1,1]}`, "bad-length", "/layers/0/kernel"},
	{"kernel empty", `[1,4]`, `{"type":"conv","filters":1,"kernel":[]}`, "bad-length", "/layers/0/kernel"},
	{"kernel missing", `[1,4]`, `{"type":"conv","filters":1}`, "bad-length", "/layers/0/kernel"},
	{"kernel 0", `[1,4]`, `{"type":"conv","filters":1,"kernel":[0]}`, "out-of-range", "/layers/0/kernel/0"},
	{"kernel huge", `[1,4]`, `{"type":"conv","filters":1,"kernel":[65537]}`, "out-of-range", "/layers/0/kernel/0"},
	{"stride 0", `[1,4]`, `{"type":"conv","filters":1,"kernel":[1],"stride":[0]}`, "out-of-range", "/layers/0/stride/0"},
	{"stride length", `[1,4]`, `{"type":"conv","filters":1,"kernel":[1],"stride":[1,1]}`, "bad-length", "/layers/0/stride"},
	{"dilation 0", `[1,4,4]`, `{"type":"conv","filters":1,"kernel":[1,1],"dilation":[1,0]}`, "out-of-range", "/layers/0/dilation/1"},
	{"padding too big", `[1,4]`, `{"type":"conv","filters":1,"kernel":[3],"padding":[3,0]}`, "out-of-range", "/layers/0/padding/0"},
	{"padding ok dilated", `[1,9]`, `{"type":"conv","filters":1,"kernel":[3],"dilation":[2],"padding":[4,4]}`, "", ""},
	{"padding negative", `[1,4]`, `{"type":"conv","filters":1,"kernel":[3],"padding":[-1]}`, "out-of-range", "/layers/0/padding/0"},
	{"padding length", `[1,4,4]`, `{"type":"conv","filters":1,"kernel":[3,3],"padding":[1,1,1]}`, "bad-length", "/layers/0/padding"},
	{"groups 0", `[2,4]`, `{"type":"conv","filters":2,"kernel":[1],"groups":0}`, "out-of-range", "/layers/0/groups"},
	{"groups filters", `[2,4]`, `{"type":"conv","filters":3,"kernel":[1],"groups":2}`, "bad-groups", "/layers/0/groups"},
	{"convT 1d", `[2,4]`, `{"type":"conv_transpose","filters":2,"kernel":[1]}`, "bad-length", "/layers/0/kernel"},
	{"convT output padding", `[2,4,4]`, `{"type":"conv_transpose","filters":2,"kernel":[3,3],"stride":[2,2],"output_padding":[2,0]}`, "out-of-range", "/layers/0/output_padding/0"},
	{"pool padding >= kernel", `[1,4]`, `{"type":"max_pool","kernel":[2],"padding":[2,0]}`, "out-of-range", "/layers/0/padding/0"},
	{"mean pool stride 0", `[1,4]`, `{"type":"mean_pool","kernel":[2],"stride":[0]}`, "out-of-range", "/layers/0/stride/0"},
	{"adaptive empty", `[1,4]`, `{"type":"adaptive_max_pool","output":[]}`, "bad-length", "/layers/0/output"},
	{"adaptive 0", `[1,4]`, `{"type":"adaptive_mean_pool","output":[0]}`, "out-of-range", "/layers/0/output/0"},
	{"eps 0", `[4]`, `{"type":"batchnorm","eps":0}`, "out-of-range", "/layers/0/eps"},
	{"eps 2", `[4]`, `{"type":"layernorm","eps":2}`, "out-of-range", "/layers/0/eps"},
	{"eps negative", `[4,4]`, `{"type":"instancenorm","eps":-1e-5}`, "out-of-range", "/layers/0/eps"},
	{"layernorm dims 0", `[4]`, `{"type":"layernorm","dims":0}`, "out-of-range", "/layers/0/dims"},
	{"groupnorm groups missing", `[4,4]`, `{"type":"groupnorm"}`, "out-of-range", "/layers/0/groups"},
	{"dropout 1", `[4]`, `{"type":"dropout","rate":1}`, "out-of-range", "/layers/0/rate"},
	{"dropout negative", `[4]`, `{"type":"dropout","rate":-0.1}`, "out-of-range", "/layers/0/rate"},
	{"embedding vocab 0", `[4]`, `{"type":"embedding","vocab":0,"dim":2}`, "out-of-range", "/layers/0/vocab"},
	{"reshape two -1", `[4]`, `{"type":"reshape","shape":[-1,-1]}`, "bad-reshape", "/layers/0/shape/1"},
	{"reshape 0", `[4]`, `{"type":"reshape","shape":[0,4]}`, "out-of-range", "/layers/0/shape/0"},
	{"reshape -2", `[4]`, `{"type":"reshape","shape":[-2,-2]}`, "out-of-range", "/layers/0/shape/0"},
	{"reshape empty", `[4]`, `{"type":"reshape","shape":[]}`, "bad-rank", "/layers/0/shape"},
	{"softmax axis", `[4]`, `{"type":"softmax","axis":8}`, "out-of-range", "/layers/0/axis"},
	{"upsample scale 65", `[1,4]`, `{"type":"upsample","scale":[65]}`, "out-of-range", "/layers/0/scale/0"},
	{"upsample scale 0", `[1,4]`, `{"type":"upsample","scale":[0]}`, "out-of-range", "/layers/0/scale/0"},
	{"upsample mode", `[1,4]`, `{"type":"upsample","scale":[2],"mode":"bicubic"}`, "bad-mode", "/layers/0/mode"},
	{"upsample align nearest", `[1,4]`, `{"type":"upsample","scale":[2],"align_corners":true}`, "bad-align-corners", "/layers/0/align_corners"},
	{"skip no combine", `[4]`, `{"type":"skip","layers":[]}`, "bad-combine", "/layers/0/combine"},
	{"skip bad combine", `[4]`, `{"type":"skip","combine":"max","layers":[]}`, "bad-combine", "/layers/0/combine"},
	{"skip axis on add", `[4]`, `{"type":"skip","combine":"add","axis":1,"layers":[]}`, "unexpected-axis", "/layers/0/axis"},
	{"parallel no branches", `[4]`, `{"type":"parallel","combine":"add","branches":[]}`, "no-branches", "/layers/0/branches"},
	{"nested problem", `[4]`, `{"type":"parallel","combine":"add","branches":[[],[{"type":"dense","units":0}]]}`, "out-of-range", "/layers/0/branches/1/0/units"},
	{"rnn hidden 0", `[2,2]`, `{"type":"rnn","hidden":0}`, "out-of-range", "/layers/0/hidden"},
	{"lstm hidden 0", `[2,2]`, `{"type":"lstm","hidden":0}`, "out-of-range", "/layers/0/hidden"},
	{"gru variant", `[2,2]`, `{"type":"gru","hidden":2,"variant":"v2"}`, "bad-variant", "/layers/0/variant"},
}

func TestValidateLayers(t *testing.T) {
	t.Parallel()
	for _, tc := range invalidLayers {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseJSON(doc(tc.shape, tc.layers), modelgate.DefaultLimits())
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			wantProblem(t, err, tc.rule, tc.where)
		})
	}
}

func TestValidateTopLevel(t *testing.T) {
	t.Parallel()
	base := func() *Spec { return mustParse(t, doc(`[4]`, `{"type":"flatten"}`)) }
	for _, tc := range []struct {
		name  string
		edit  func(*Spec)
		rule  string
		where string
		code  string
	}{
		{"format", func(s *Spec) { s.Format = "modelgate/v2" }, "unsupported-format", "/format", modelgate.EUNSUPPORTED},
		{"name empty", func(s *Spec) { s.Name = "" }, "bad-name", "/name", ""},
		{"name slash", func(s *Spec) { s.Name = "a/b" }, "bad-name", "/name", ""},
		{"name dots", func(s *Spec) { s.Name = ".." }, "bad-name", "/name", ""},
		{"name long", func(s *Spec) { s.Name = strings.Repeat("a", 129) }, "bad-name", "/name", ""},
		{"name unicode", func(s *Spec) { s.Name = "modèle" }, "bad-name", "/name", ""},
		{"description long", func(s *Spec) { s.Description = strings.Repeat("a", 4097) }, "too-long", "/description", ""},
		{"description url", func(s *Spec) { s.Description = "see https://evil.example" }, "no-urls", "/description", ""},
		{"description control", func(s *Spec) { s.Description = "a\x00b" }, "control-character", "/description", ""},
		{"input dtype", func(s *Spec) { s.Input.DType = "float64" }, "bad-dtype", "/input/dtype", modelgate.EUNSUPPORTED},
		{"sha short", func(s *Spec) { s.Weights.SHA256 = "abc" }, "bad-sha256", "/weights/sha256", ""},
		{"sha upper", func(s *Spec) { s.Weights.SHA256 = strings.ToUpper(testSHA) }, "bad-sha256", "/weights/sha256", ""},
		{"bytes 7", func(s *Spec) { s.Weights.Bytes = 7 }, "bad-weights-size", "/weights/bytes", ""},
		{"bytes huge", func(s *Spec) { s.Weights.Bytes = 1 << 40 }, "bad-weights-size", "/weights/bytes", modelgate.ELIMIT},
		{"weights dtype", func(s *Spec) { s.Weights.DType = "int8" }, "bad-dtype", "/weights/dtype", modelgate.EUNSUPPORTED},
		{"metadata path", func(s *Spec) { s.Metadata = map[string]string{"data": "/etc/passwd"} }, "no-paths", "/metadata/data", ""},
		{"metadata windows path", func(s *Spec) { s.Metadata = map[string]string{"data": `C:\x`} }, "no-paths", "/metadata/data", ""},
		{"metadata url", func(s *Spec) { s.Metadata = map[string]string{"vocab": "http://x"} }, "no-urls", "/metadata/vocab", ""},
		{"metadata key", func(s *Spec) { s.Metadata = map[string]string{"a/b": "x"} }, "bad-key", "/metadata/a~1b", ""},
		{"metadata count", func(s *Spec) {
			s.Metadata = map[string]string{}
			for i := 0; i < 65; i++ {
				s.Metadata[strings.Repeat("k", i+1)] = "v"
			}
		}, "too-many-entries", "/metadata", ""},
		{"metadata value long", func(s *Spec) { s.Metadata = map[string]string{"k": strings.Repeat("v", 4097)} }, "too-long", "/metadata/k", ""},
		{"source format", func(s *Spec) { s.Source = &Source{Format: "pickle", SHA256: testSHA, Bytes: 1} }, "bad-source-format", "/source/format", modelgate.EUNSUPPORTED},
		{"source sha", func(s *Spec) { s.Source = &Source{Format: "flux-bson", Bytes: 1} }, "bad-sha256", "/source/sha256", ""},
		{"source bytes", func(s *Spec) { s.Source = &Source{Format: "flux-bson", SHA256: testSHA} }, "bad-source-size", "/source/bytes", ""},
		{"source key path", func(s *Spec) { s.Source = &Source{Format: "flux-bson", SHA256: testSHA, Bytes: 1, Key: "../model"} }, "no-paths", "/source/key", ""},
		{"source note url", func(s *Spec) {
			s.Source = &Source{Format: "flux-bson", SHA256: testSHA, Bytes: 1, Notes: []string{"fetched from ftp://x"}}
		}, "no-urls", "/source/notes/0", ""},
		{"nil layer", func(s *Spec) { s.Layers = Layers{nil} }, "nil-layer", "/layers/0", ""},
		{"typed nil layer", func(s *Spec) { s.Layers = Layers{(*Dense)(nil)} }, "nil-layer", "/layers/0", ""},
		{"foreign layer", func(s *Spec) { s.Layers = Layers{foreign{}} }, "unknown-layer-type", "/layers/0/type", ""},
		{"alpha nan", func(s *Spec) { s.Layers = Layers{&ActivationLayer{Act{ActELU, math.NaN()}}} }, "out-of-range", "/layers/0/alpha", ""},
		{"eps inf", func(s *Spec) { s.Layers = Layers{&BatchNorm{Eps: math.Inf(1), Act: Act{Activation: ActIdentity}}} }, "out-of-range", "/layers/0/eps", ""},
		{"rate nan", func(s *Spec) { s.Layers = Layers{&Dropout{Rate: math.NaN()}} }, "out-of-range", "/layers/0/rate", ""},
		{"cycle", func(s *Spec) {
			k := &Skip{Combine: CombineAdd}
			k.Layers = Layers{k}
			s.Layers = Layers{k}
		}, "too-deep", "", modelgate.ELIMIT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base()
			tc.edit(s)
			p := Validate(s, modelgate.DefaultLimits())
			wantProblem(t, p.Err(), tc.rule, tc.where)
			if tc.code != "" {
				for _, e := range p {
					if e.Rule == tc.rule && e.Code != tc.code {
						t.Errorf("code %q, want %q", e.Code, tc.code)
					}
				}
			}
		})
	}
}

type foreign struct{}

func (foreign) LayerType() Type { return TypeDense }

func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	_, err := ParseJSON(doc(`[0]`, `{"type":"dense","units":0},{"type":"dropout","rate":2}`), modelgate.DefaultLimits())
	var n int
	for _, r := range []string{"bad-dim", "out-of-range"} {
		wantProblem(t, err, r, "")
		n++
	}
	if p := err.(modelgate.Problems); len(p) != 3 {
		t.Errorf("got %d problems, want 3: %v", len(p), err)
	}
}

func TestValidateNil(t *testing.T) {
	t.Parallel()
	wantProblem(t, Validate(nil, modelgate.Limits{}).Err(), "nil-spec", "")
}
