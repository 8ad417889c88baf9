package spec

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/modelgate/modelgate"
)

func TestMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/valid/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := mustParse(t, data)
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		back := mustParse(t, out)
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s: ParseJSON(Marshal(s)) != s", f)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("%s: Marshal is not idempotent", f)
		}
		checkTypeFirst(t, out)
		golden := filepath.Join("testdata", "canonical", filepath.Base(f))
		if *update {
			if err := os.WriteFile(golden, out, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(out, want) {
			t.Errorf("%s: canonical form differs from %s:\n%s", f, golden, out)
		}
	}
}

// checkTypeFirst checks that "type" is the first member of every object in a
// layers array.
func checkTypeFirst(t *testing.T, data []byte) {
	t.Helper()
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	var prevName string
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			break
		}
		if tok.Kind() == '{' {
			ptr := string(dec.StackPointer())
			parent := ptr[:max(strings.LastIndexByte(ptr, '/'), 0)]
			isLayer := strings.HasSuffix(parent, "/layers") || strings.Contains(parent, "/branches/")
			if isLayer && dec.PeekKind() == '"' {
				name, _ := dec.ReadToken()
				if name.String() != "type" {
					t.Errorf("%s: first member %q, want \"type\"", ptr, name.String())
				}
			}
		}
		_ = prevName
	}
}

func TestMarshalHandBuilt(t *testing.T) {
	t.Parallel()
	s := &Spec{
		Format: FormatV1, Name: "hand",
		Input:   Input{Shape: []int{1, 8, 8}},
		Layers:  Layers{&Conv{Filters: 2, Kernel: []int{3, 3}, Groups: 1}, &MaxPool{Kernel: []int{2, 2}}, &Flatten{}, &Dense{Units: 2, Act: Act{Activation: ActLeakyReLU}}},
		Weights: WeightsRef{SHA256: testSHA, Bytes: 64},
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if s.Input.DType != "" || s.Layers[0].(*Conv).Stride != nil {
		t.Error("Marshal modified its argument")
	}
	back := mustParse(t, out)
	Resolve(s)
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip of a resolved hand-built spec differs:\n%s", out)
	}
	for _, want := range []string{`"kernel": [3, 3]`, `"padding": [0, 0, 0, 0]`, `"alpha": 0.01`, "\n  \"layers\": [\n    {\n      \"type\": \"conv\",\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("canonical form lacks %q:\n%s", want, out)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	t.Parallel()
	if _, err := Marshal(nil); err == nil {
		t.Error("nil spec")
	}
	s := &Spec{Layers: Layers{&Skip{Layers: Layers{nil}}}}
	if _, err := Marshal(s); modelgate.ErrorCode(err) != modelgate.EINVALID {
		t.Errorf("nil nested layer: %v", err)
	}
	k := &Skip{Combine: CombineAdd}
	k.Layers = Layers{k}
	if _, err := Marshal(&Spec{Layers: Layers{k}}); modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Errorf("cycle: %v", err)
	}
	if _, err := Marshal(&Spec{Layers: Layers{foreign{}}}); err == nil {
		t.Error("foreign layer type accepted")
	}
}

func TestMarshalSingleLayer(t *testing.T) {
	t.Parallel()
	for _, typ := range Types() {
		l, err := NewLayer(typ)
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"type":"` + string(typ) + `"`
		if !strings.HasPrefix(string(out), want) {
			t.Errorf("%s marshals as %s", typ, out)
		}
	}
}
