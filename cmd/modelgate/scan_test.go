package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusFile returns the path of a shared corpus file by number, or skips.
func corpusFile(t *testing.T, num string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "corpus", "flux-bson", num+"_*"))
	if len(m) != 1 {
		t.Skipf("corpus file %s not found", num)
	}
	return m[0]
}

func runMain(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestScanExitCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		num  string
		want int
	}{
		{"01", 1}, {"04", 1}, {"13", 1}, // serialized code, GPU arrays and user types
		{"06", 0}, {"09", 0}, {"12", 0}, {"16", 0}, // clean (16 holds no model: a warning)
		{"14", 2}, {"15", 2}, // plain BSON, Julia Serialization
	} {
		code, out, errs := runMain("scan", corpusFile(t, tc.num))
		if code != tc.want {
			t.Errorf("scan %s: exit %d, want %d\n%s%s", tc.num, code, tc.want, out, errs)
		}
	}
	if code, _, _ := runMain("scan", "--allow-known-lambdas", corpusFile(t, "01")); code != 0 {
		t.Errorf("scan --allow-known-lambdas 01: exit %d", code)
	}
	if code, _, _ := runMain("scan"); code != 2 {
		t.Errorf("scan without files: exit %d", code)
	}
	if code, _, _ := runMain("scan", "--format", "xml", corpusFile(t, "09")); code != 2 {
		t.Errorf("scan --format xml: exit %d", code)
	}
}

func TestScanSARIF(t *testing.T) {
	t.Parallel()
	f := corpusFile(t, "13")
	code, out, _ := runMain("scan", "--format", "sarif", f)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						FullyQualifiedName string `json:"fullyQualifiedName"`
					} `json:"logicalLocations"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "modelgate" || len(log.Runs[0].Tool.Driver.Rules) == 0 {
		t.Fatalf("bad SARIF header: %s", out[:200])
	}
	r := log.Runs[0].Results[0]
	if r.Level != "error" || r.Locations[0].PhysicalLocation.ArtifactLocation.URI != f || r.Locations[0].LogicalLocations[0].FullyQualifiedName == "" {
		t.Fatalf("bad result %+v", r)
	}
}

func TestConvertCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "pkg")
	if code, _, errs := runMain("convert", corpusFile(t, "01"), "-o", out, "--input-shape", "1,28,28"); code != 1 {
		t.Fatalf("convert 01 without the flag: exit %d %s", code, errs)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a refused conversion left %s behind", out)
	}
	if code, so, errs := runMain("convert", "--allow-known-lambdas", corpusFile(t, "01"), "-o", out, "--input-shape", "1,28,28"); code != 0 {
		t.Fatalf("convert 01: exit %d %s %s", code, so, errs)
	}
	if code, so, _ := runMain("validate", out); code != 0 || !strings.Contains(so, "valid") {
		t.Fatalf("validate: %d %s", code, so)
	}
	if code, _, _ := runMain("convert", corpusFile(t, "15"), "-o", filepath.Join(dir, "x")); code != 2 {
		t.Fatalf("convert 15: exit %d, want 2", code)
	}
	if code, _, _ := runMain("convert", corpusFile(t, "06"), "-o", filepath.Join(dir, "y")); code != 1 {
		t.Fatalf("convert 06 without --input-shape: exit %d, want 1", code)
	}
	if code, _, errs := runMain("convert", "--arch", filepath.Join(out, "model.json"), corpusFile(t, "02"), "-o", filepath.Join(dir, "z")); code != 0 {
		t.Fatalf("convert 02 --arch: exit %d %s", code, errs)
	}
}
