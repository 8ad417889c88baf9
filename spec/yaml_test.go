package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
)

// yamlDoc is a valid block-style YAML spec with one placeholder layer line.
func yamlDoc(layers string) string {
	return "format: modelgate/v1\nname: t\ninput:\n  shape: [4]\nlayers:\n" + layers +
		"weights:\n  sha256: " + testSHA + "\n  bytes: 100\n"
}

func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

var hostileYAML = []struct {
	name  string
	input string
	rule  string
	where string
}{
	{"empty", ``, "empty-document", ""},
	{"comment only", "# nothing\n", "empty-document", ""},
	{"two docs", yamlDoc("  - type: flatten\n") + "---\nname: x\n", "multiple-documents", ""},
	{"empty second doc", yamlDoc("  - type: flatten\n") + "---\n", "multiple-documents", ""},
	{"second doc broken", yamlDoc("  - type: flatten\n") + "---\n[\n", "multiple-documents", ""},
	{"billion laughs", billionLaughs(), "yaml-anchor", "/a0"},
	{"alias", yamlDoc("  - &l {type: flatten}\n  - *l\n"), "yaml-anchor", "/layers/0"},
	{"alias key", "? *a\n: 1\n", "yaml-syntax", ""},
	{"merge key", yamlDoc("  - <<: {type: flatten}\n"), "yaml-merge-key", "/layers/0"},
	{"merge key tagged", yamlDoc("  - !!merge x: {type: flatten}\n"), "yaml-merge-key", "/layers/0"},
	{"custom tag", yamlDoc("  - !python/object {type: flatten}\n"), "yaml-tag", "/layers/0"},
	{"custom scalar tag", yamlDoc("  - type: !shell flatten\n"), "yaml-tag", "/layers/0/type"},
	{"binary tag", "name: !!binary aGVsbG8=\n", "yaml-tag", "/name"},
	{"timestamp tag", "name: !!timestamp 2001-12-14\n", "yaml-tag", "/name"},
	{"int tag on float", yamlDoc("  - {type: dense, units: !!int 3.5}\n"), "yaml-tag", "/layers/0/units"},
	{"duplicate key", yamlDoc("  - {type: dense, units: 3, units: 4}\n"), "duplicate-key", "/layers/0/units"},
	{"duplicate top key", "name: a\nname: b\n", "duplicate-key", "/name"},
	{"complex key", "? [a]\n: 1\n", "yaml-key", ""},
	{"yes as bool", yamlDoc("  - {type: dense, units: 3, bias: yes}\n"), "type-mismatch", "/layers/0/bias"},
	{"no as bool", yamlDoc("  - {type: dense, units: 3, bias: no}\n"), "type-mismatch", "/layers/0/bias"},
	{"on as bool", yamlDoc("  - {type: dense, units: 3, bias: on}\n"), "type-mismatch", "/layers/0/bias"},
	{"off as bool", yamlDoc("  - {type: dense, units: 3, bias: off}\n"), "type-mismatch", "/layers/0/bias"},
	{"y as bool", yamlDoc("  - {type: dense, units: 3, bias: y}\n"), "type-mismatch", "/layers/0/bias"},
	{"True as bool", yamlDoc("  - {type: dense, units: 3, bias: True}\n"), "type-mismatch", "/layers/0/bias"},
	{"float as int", yamlDoc("  - {type: dense, units: 3.5}\n"), "type-mismatch", "/layers/0/units"},
	{"3.0 as int", yamlDoc("  - {type: dense, units: 3.0}\n"), "type-mismatch", "/layers/0/units"},
	{"quoted int", yamlDoc("  - {type: dense, units: \"3\"}\n"), "type-mismatch", "/layers/0/units"},
	{"bool as int", yamlDoc("  - {type: dense, units: true}\n"), "type-mismatch", "/layers/0/units"},
	{"octal", yamlDoc("  - {type: dense, units: 010}\n"), "yaml-number-form", "/layers/0/units"},
	{"octal 0o", yamlDoc("  - {type: dense, units: 0o10}\n"), "yaml-number-form", "/layers/0/units"},
	{"hex", yamlDoc("  - {type: dense, units: 0x10}\n"), "yaml-number-form", "/layers/0/units"},
	{"binary", yamlDoc("  - {type: dense, units: 0b10}\n"), "yaml-number-form", "/layers/0/units"},
	{"underscore", yamlDoc("  - {type: dense, units: 1_000}\n"), "yaml-number-form", "/layers/0/units"},
	{"sexagesimal", yamlDoc("  - {type: dense, units: 1:30}\n"), "yaml-number-form", "/layers/0/units"},
	{"inf", yamlDoc("  - {type: dropout, rate: .inf}\n"), "yaml-special-float", "/layers/0/rate"},
	{"neg inf", yamlDoc("  - {type: dropout, rate: -.Inf}\n"), "yaml-special-float", "/layers/0/rate"},
	{"nan", yamlDoc("  - {type: dropout, rate: .NaN}\n"), "yaml-special-float", "/layers/0/rate"},
	{"null", yamlDoc("  - {type: dense, units: ~}\n"), "null-value", "/layers/0/units"},
	{"empty value", yamlDoc("  - {type: dense, units: }\n"), "null-value", "/layers/0/units"},
	{"unknown member", yamlDoc("  - {type: dense, units: 3, Units: 4}\n"), "unknown-member", "/layers/0/Units"},
	{"unknown type", yamlDoc("  - {type: lambda}\n"), "unknown-layer-type", "/layers/0/type"},
	{"deep flow", "a: " + nested("[", "]", 100000) + "\n", "too-deep", ""},
	{"deep flow maps", "a: " + strings.Repeat("{a: ", 100000) + "1" + strings.Repeat("}", 100000) + "\n", "too-deep", ""},
	{"deep block", deepBlock(1000), "too-deep", ""},
	{"syntax", "a: [\n", "yaml-syntax", ""},
	{"tab indent", "a:\n\t- 1\n", "yaml-syntax", ""},
	{"invalid utf8", "name: \xff\n", "invalid-utf8", ""},
	{"bom", "\ufeffname: x\n", "byte-order-mark", ""},
	{"not a mapping", "- 1\n", "not-object", ""},
	{"shape mismatch", yamlDoc("  - {type: conv, filters: 3, kernel: [3, 3]}\n"), "", ""},
}

func deepBlock(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i))
		b.WriteString("a:\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "b: 1\n")
	return b.String()
}

func TestParseYAMLHostile(t *testing.T) {
	t.Parallel()
	for _, tc := range hostileYAML {
		if tc.rule == "" {
			continue // Analyze-only problems
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			s, err := ParseYAML([]byte(tc.input), modelgate.DefaultLimits())
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

func TestParseYAMLLine(t *testing.T) {
	t.Parallel()
	_, err := ParseYAML([]byte(yamlDoc("  - type: flatten\n  - type: dense\n    units: 3\n    bias: yes\n")), modelgate.DefaultLimits())
	e := firstProblem(t, err)
	if e.Where != "/layers/1/bias" || !strings.Contains(e.Message, "YAML line 9") {
		t.Errorf("got %v, want /layers/1/bias at YAML line 9", e)
	}
}

// TestParseYAMLStrings checks that YAML-1.1 look-alikes stay strings where a
// string is expected.
func TestParseYAMLStrings(t *testing.T) {
	t.Parallel()
	in := "format: modelgate/v1\nname: yes\ndescription: on off y n\ninput: {shape: [4]}\nlayers: [{type: flatten}]\n" +
		"weights: {sha256: " + testSHA + ", bytes: 100}\nmetadata: {version: 1.2.3, flag: no, date: 2001-12-14, x: \"010\"}\n"
	s, err := ParseYAML([]byte(in), modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "yes" || s.Description != "on off y n" || s.Metadata["flag"] != "no" || s.Metadata["version"] != "1.2.3" || s.Metadata["date"] != "2001-12-14" {
		t.Errorf("got %+v", s)
	}
}

func TestResolvePlain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		kind byte
		text string
		rule string
	}{
		{"3", kInt, "3", ""}, {"+3", kInt, "3", ""}, {"-0", kInt, "-0", ""},
		{"3.5", kFloat, "3.5", ""}, {".5", kFloat, "0.5", ""}, {"1.", kFloat, "1.0", ""},
		{"1e3", kFloat, "1e3", ""}, {"-1.e-3", kFloat, "-1.0e-3", ""}, {"+2.5E+2", kFloat, "2.5E+2", ""},
		{"true", kBool, "true", ""}, {"false", kBool, "false", ""},
		{"~", kNull, "null", ""}, {"", kNull, "null", ""}, {"NULL", kNull, "null", ""},
		{"yes", kString, "", ""}, {"3d-model", kString, "", ""}, {"1.2.3", kString, "", ""}, {"e3", kString, "", ""},
		{".", kString, "", ""}, {"-", kString, "", ""}, {"1e", kString, "", ""},
		{"007", 0, "", "yaml-number-form"}, {"0x1F", 0, "", "yaml-number-form"}, {"1_000", 0, "", "yaml-number-form"},
		{"190:20:30", 0, "", "yaml-number-form"}, {"00.5", 0, "", "yaml-number-form"},
		{".inf", 0, "", "yaml-special-float"}, {"-.INF", 0, "", "yaml-special-float"}, {".nan", 0, "", "yaml-special-float"},
	} {
		k, text, rule := resolvePlain(tc.in)
		if k != tc.kind || text != tc.text || rule != tc.rule {
			t.Errorf("resolvePlain(%q) = %q, %q, %q; want %q, %q, %q", tc.in, k, text, rule, tc.kind, tc.text, tc.rule)
		}
	}
}

// TestParseYAMLMatchesJSON parses every valid JSON example as YAML (JSON is
// YAML 1.2 flow style) and the block-style YAML examples, and compares them
// with ParseJSON.
func TestParseYAMLMatchesJSON(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/valid/*.json")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := mustParse(t, data)
		got, err := ParseYAML(data, modelgate.DefaultLimits())
		if err != nil {
			t.Errorf("%s as YAML: %v", f, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: YAML and JSON differ", f)
		}
	}
	for _, name := range []string{"mlp", "lstm"} {
		y, err := os.ReadFile("testdata/yaml/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		j, err := os.ReadFile("testdata/valid/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(y, true, modelgate.Limits{})
		if err != nil {
			t.Fatalf("%s.yaml: %v", name, err)
		}
		if want := mustParse(t, j); !reflect.DeepEqual(got, want) {
			t.Errorf("%s.yaml differs from %s.json", name, name)
		}
	}
}

// TestYAMLSyntaxErrorWhere checks that errors of the YAML library carry the
// byte offset it reported, so every rejection has a location.
func TestYAMLSyntaxErrorWhere(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, input, rule, where string
	}{
		{"unclosed flow", "format: modelgate/v1\nname: [a, b\n", "yaml-syntax", "byte "},
		{"bad indent", "a:\n  b: 1\n c: 2\n", "yaml-syntax", "byte "},
		{"tab", "a:\n\tb: 1\n", "yaml-syntax", "byte "},
		{"multibyte before error", "é: [\n", "yaml-syntax", "byte "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseYAML([]byte(c.input), modelgate.DefaultLimits())
			var e *modelgate.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *modelgate.Error", err)
			}
			if e.Rule != c.rule || !strings.HasPrefix(e.Where, c.where) {
				t.Fatalf("got where %q rule %q (%v), want where %q... rule %q", e.Where, e.Rule, err, c.where, c.rule)
			}
			n, convErr := strconv.Atoi(strings.TrimPrefix(e.Where, "byte "))
			if convErr != nil || n < 0 || n > len(c.input) {
				t.Fatalf("where %q is not a byte offset inside the %d-byte input", e.Where, len(c.input))
			}
		})
	}
}

func TestYAMLWhere(t *testing.T) {
	t.Parallel()
	data := []byte("ab\né1\n\nxyz")
	cases := []struct {
		line, col int
		want      string
	}{
		{0, 0, ""}, {1, 1, "byte 0"}, {1, 3, "byte 2"}, {1, 99, "byte 2"},
		{2, 2, "byte 5"}, {3, 1, "byte 7"}, {4, 3, "byte 10"}, {99, 1, "byte 11"},
	}
	for _, c := range cases {
		if got := yamlWhere(data, c.line, c.col); got != c.want {
			t.Errorf("yamlWhere(%d, %d) = %q, want %q", c.line, c.col, got, c.want)
		}
	}
}
