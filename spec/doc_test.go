package spec

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
)

// docBlocks returns the fenced code blocks of docs/format.md with the given
// info string.
func docBlocks(t *testing.T, lang string) []string {
	t.Helper()
	data, err := os.ReadFile("../docs/format.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	rest := string(data)
	for {
		i := strings.Index(rest, "```"+lang+"\n")
		if i < 0 {
			return blocks
		}
		rest = rest[i+len(lang)+4:]
		j := strings.Index(rest, "```")
		if j < 0 {
			t.Fatal("unterminated code block")
		}
		blocks = append(blocks, rest[:j])
		rest = rest[j+3:]
	}
}

// TestDocExamples parses and analyses every complete spec in
// docs/format.md, and checks that the YAML example is the MLP example.
func TestDocExamples(t *testing.T) {
	t.Parallel()
	byName := map[string]*Spec{}
	n := 0
	for _, b := range docBlocks(t, "json") {
		if !strings.Contains(b, `"format"`) {
			continue
		}
		n++
		s, err := ParseJSON([]byte(b), modelgate.Limits{})
		if err != nil {
			t.Errorf("doc example: %v\n%s", err, b)
			continue
		}
		if _, err := Analyze(s, modelgate.Limits{}); err != nil {
			t.Errorf("doc example %s: %v", s.Name, err)
		}
		byName[s.Name] = s
	}
	if n < 4 {
		t.Errorf("found %d JSON examples, want at least 4", n)
	}
	ys := docBlocks(t, "yaml")
	if len(ys) == 0 {
		t.Fatal("no YAML example")
	}
	for _, b := range ys {
		s, err := ParseYAML([]byte(b), modelgate.Limits{})
		if err != nil {
			t.Errorf("doc YAML example: %v", err)
			continue
		}
		if want := byName[s.Name]; want == nil || !reflect.DeepEqual(s, want) {
			t.Errorf("YAML example %q differs from the JSON example of that name", s.Name)
		}
	}
}
