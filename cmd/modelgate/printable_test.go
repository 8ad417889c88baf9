package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"/layers/0/kernel", "/layers/0/kernel"},
		{"héllo wörld ✓", "héllo wörld ✓"},
		{"/layers/0/\x1b[31mEVIL\x1b[0m", `/layers/0/\x1b[31mEVIL\x1b[0m`},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{"x\u202eevil", `x\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"\x00\x7f", `\x00\x7f`},
		{"osc\x1b]0;title\x07", `osc\x1b]0;title\a`},
	}
	for _, c := range cases {
		got := printable(c.in)
		if got != c.want {
			t.Errorf("printable(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Errorf("printable(%q) still holds %U", c.in, r)
			}
		}
	}
}

// TestProblemOutputIsPrintable checks that a hostile member name in a spec
// cannot put terminal control characters into validate's text output.
func TestProblemOutputIsPrintable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeHostilePackage(t, dir, "\x1b[2J\x1b]0;pwned\x07")
	var out, errb strings.Builder
	code := Main(t.Context(), []string{"validate", dir}, &out, &errb)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitInvalid, errb.String())
	}
	if strings.ContainsAny(out.String()+errb.String(), "\x1b\x07") {
		t.Fatalf("control characters in output: %q", out.String())
	}
	if !strings.Contains(out.String(), `\x1b[2J`) {
		t.Fatalf("escaped name missing from %q", out.String())
	}
}

// writeHostilePackage copies examples/small-cnn into dir and adds member
// to its first layer.
func writeHostilePackage(t *testing.T, dir, member string) {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "small-cnn")
	w, err := os.ReadFile(filepath.Join(src, "weights.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join(src, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	name, _ := json.Marshal(member)
	i := bytes.Index(spec, []byte(`"type"`))
	if i < 0 {
		t.Fatal("no layer in the example spec")
	}
	spec = slices.Concat(spec[:i], name, []byte(": 1, "), spec[i:])
	if err := os.WriteFile(filepath.Join(dir, "weights.safetensors"), w, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "model.json"), spec, 0o600); err != nil {
		t.Fatal(err)
	}
}
