package spec

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelgate/modelgate"
)

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("urn:modelgate:spec:v1", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("urn:modelgate:spec:v1")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func schemaValidate(sch *jsonschema.Schema, data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// goOnly reads testdata/invalid/go-only.txt: the invalid examples that JSON
// Schema cannot see, one file name per line followed by the reason.
func goOnly(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("testdata/invalid/go-only.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, " ")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("go-only.txt: %q has no reason", line)
		}
		m[name] = true
	}
	return m
}

func TestSchemaValid(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	files, _ := filepath.Glob("testdata/valid/*.json")
	canon, _ := filepath.Glob("testdata/canonical/*.json")
	files = append(files, canon...)
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemaValidate(sch, data); err != nil {
			t.Errorf("%s: schema: %v", f, err)
		}
		if _, err := ParseJSON(data, modelgate.DefaultLimits()); err != nil {
			t.Errorf("%s: ParseJSON: %v", f, err)
		}
	}
}

func TestSchemaInvalid(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	only := goOnly(t)
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseJSON(data, modelgate.DefaultLimits())
		if err == nil {
			_, err = Analyze(s, modelgate.DefaultLimits())
		}
		if err == nil {
			t.Errorf("%s: accepted by ParseJSON and Analyze", name)
		}
		serr := schemaValidate(sch, data)
		switch {
		case only[name] && serr == nil:
		case only[name]:
			t.Errorf("%s: listed as go-only but the schema refuses it: %v", name, serr)
		case serr == nil:
			t.Errorf("%s: accepted by the schema", name)
		}
	}
	for name := range only {
		if !seen[name] {
			t.Errorf("go-only.txt names missing file %s", name)
		}
	}
}

func TestSchemaIsCopy(t *testing.T) {
	t.Parallel()
	a := Schema()
	a[0] = 'x'
	if Schema()[0] != '{' {
		t.Error("Schema returned shared storage")
	}
}

// FuzzSchemaAgreement checks that the schema is never stricter than the Go
// path: whatever ParseJSON accepts, the schema accepts. (The other way round
// the schema is knowingly weaker; see go-only.txt.)
func FuzzSchemaAgreement(f *testing.F) {
	var extra []string
	for _, tc := range invalidLayers {
		extra = append(extra, string(doc(tc.shape, tc.layers)))
	}
	addSeeds(f, extra, "testdata/valid/*.json", "testdata/canonical/*.json", "testdata/invalid/*.json")
	sch := compileSchema(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseJSON(data, modelgate.DefaultLimits())
		if err != nil {
			return
		}
		if err := schemaValidate(sch, data); err != nil {
			t.Fatalf("ParseJSON accepts what the schema refuses: %v", err)
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemaValidate(sch, out); err != nil {
			t.Fatalf("schema refuses a canonical form: %v\n%s", err, out)
		}
	})
}

// TestSchemaEnums checks that the schema's closed sets match the Go ones.
func TestSchemaEnums(t *testing.T) {
	t.Parallel()
	var s struct {
		Defs struct {
			Activation struct {
				Enum []string `json:"enum"`
			} `json:"activation"`
			Layer struct {
				Properties struct {
					Type struct {
						Enum []string `json:"enum"`
					} `json:"type"`
				} `json:"properties"`
			} `json:"layer"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema(), &s); err != nil {
		t.Fatal(err)
	}
	var acts, types []string
	for _, a := range Activations() {
		acts = append(acts, string(a))
	}
	for _, ty := range Types() {
		types = append(types, string(ty))
	}
	if !slices.Equal(s.Defs.Activation.Enum, acts) {
		t.Errorf("schema activations %v, Go %v", s.Defs.Activation.Enum, acts)
	}
	if !slices.Equal(s.Defs.Layer.Properties.Type.Enum, types) {
		t.Errorf("schema layer types %v, Go %v", s.Defs.Layer.Properties.Type.Enum, types)
	}
}
