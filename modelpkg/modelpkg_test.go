package modelpkg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// examplesDir is the repository's example packages.
var examplesDir = filepath.Join("..", "examples")

// copyPackage copies the model.json and weights.safetensors of an example
// into a new temporary directory and returns it.
func copyPackage(t testing.TB, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{SpecJSON, WeightsFile} {
		b, err := os.ReadFile(filepath.Join(examplesDir, name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wantRule checks that err carries a problem with the given rule.
func wantRule(t testing.TB, err error, rule string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want rule %q", rule)
	}
	if !hasRule(err, rule) {
		t.Fatalf("err = %v, want rule %q", err, rule)
	}
}

func hasRule(err error, rule string) bool {
	var probs modelgate.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			if p.Rule == rule {
				return true
			}
		}
	}
	var e *modelgate.Error
	return errors.As(err, &e) && e.Rule == rule
}

func TestLoadExamples(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		in, out []int
	}{
		{"mnist-mlp", []int{784}, []int{10}},
		{"small-cnn", []int{1, 28, 28}, []int{10}},
		{"lstm", []int{20, 8}, []int{4}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Load(context.Background(), filepath.Join(examplesDir, tt.name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Analysis.Input, tt.in) || !slices.Equal(p.Analysis.Output, tt.out) {
				t.Fatalf("shapes %v -> %v", p.Analysis.Input, p.Analysis.Output)
			}
			if len(p.SpecDigest) != 64 {
				t.Fatalf("SpecDigest %q", p.SpecDigest)
			}
			n := int(spec.Shape(tt.in).Elements())
			out, err := p.Predict(context.Background(), nn.Tensor{Shape: append([]int{2}, tt.in...), Data: make([]float32, 2*n)})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out.Shape, append([]int{2}, tt.out...)) {
				t.Fatalf("output shape %v", out.Shape)
			}
		})
	}
}

// hostileCase prepares a package directory that Load must refuse.
type hostileCase struct {
	name  string
	setup func(t *testing.T, dir string)
	rule  string
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += int64(len(b))
	}
	b[off] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func moveAside(t *testing.T, dir, name string) string {
	t.Helper()
	outside := filepath.Join(t.TempDir(), name)
	if err := os.Rename(filepath.Join(dir, name), outside); err != nil {
		t.Fatal(err)
	}
	return outside
}

var hostileCases = []hostileCase{
	{"digest mismatch", func(t *testing.T, dir string) { flipByte(t, filepath.Join(dir, WeightsFile), -1) }, "weights-digest"},
	{"size mismatch", func(t *testing.T, dir string) {
		f, err := os.OpenFile(filepath.Join(dir, WeightsFile), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte{0})
		f.Close()
	}, "weights-size"},
	{"symlinked weights", func(t *testing.T, dir string) {
		outside := moveAside(t, dir, WeightsFile)
		if err := os.Symlink(outside, filepath.Join(dir, WeightsFile)); err != nil {
			t.Fatal(err)
		}
	}, "symlink"},
	{"symlinked spec", func(t *testing.T, dir string) {
		outside := moveAside(t, dir, SpecJSON)
		if err := os.Symlink(outside, filepath.Join(dir, SpecJSON)); err != nil {
			t.Fatal(err)
		}
	}, "symlink"},
	{"hard-linked weights", func(t *testing.T, dir string) {
		if err := os.Link(filepath.Join(dir, WeightsFile), filepath.Join(t.TempDir(), "other")); err != nil {
			t.Skip("hard links not supported:", err)
		}
	}, "hard-link"},
	{"fifo weights", func(t *testing.T, dir string) {
		os.Remove(filepath.Join(dir, WeightsFile))
		if err := syscall.Mkfifo(filepath.Join(dir, WeightsFile), 0o644); err != nil {
			t.Skip("mkfifo:", err)
		}
	}, "not-regular-file"},
	{"directory as spec", func(t *testing.T, dir string) {
		os.Remove(filepath.Join(dir, SpecJSON))
		os.Mkdir(filepath.Join(dir, SpecJSON), 0o755)
	}, "not-regular-file"},
	{"both json and yaml", func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, SpecYAML), []byte("format: modelgate/v1\n"), 0o644)
	}, "spec-ambiguous"},
	{"no spec", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SpecJSON)) }, "missing-spec"},
	{"no weights", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, WeightsFile)) }, "missing-file"},
	{"spec with unknown field", func(t *testing.T, dir string) {
		p := filepath.Join(dir, SpecJSON)
		b, _ := os.ReadFile(p)
		b = []byte(strings.Replace(string(b), `"name"`, `"url": "http://example.com/x", "name"`, 1))
		os.WriteFile(p, b, 0o644)
	}, ""},
	{"tensor removed", func(t *testing.T, dir string) {
		rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor { return ts[1:] })
	}, ""},
	{"extra tensor", func(t *testing.T, dir string) {
		rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.F32("zzz.extra", []int64{1}, []float32{1}))
		})
	}, ""},
}

// rewriteWeights replaces the weights with edit(tensors) and fixes the
// digest in the spec, so only the binding can catch the change.
func rewriteWeights(t *testing.T, dir string, edit func([]safetensors.Tensor) []safetensors.Tensor) {
	t.Helper()
	ctx := context.Background()
	st, err := safetensors.OpenFile(filepath.Join(dir, WeightsFile), modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	for _, name := range st.TensorNames() {
		x, err := st.Tensor(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, x)
	}
	st.Close()
	b, _ := os.ReadFile(filepath.Join(dir, SpecJSON))
	s, err := spec.ParseJSON(b, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if err := safetensors.Write(&buf, edit(ts), nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, WeightsFile), []byte(buf.String()), 0o644)
	f, _ := os.Open(filepath.Join(dir, WeightsFile))
	defer f.Close()
	s.Weights.SHA256, _ = Digest(ctx, f, int64(buf.Len()))
	s.Weights.Bytes = int64(buf.Len())
	canon, _ := spec.Marshal(s)
	os.WriteFile(filepath.Join(dir, SpecJSON), canon, 0o644)
}

func TestLoadHostile(t *testing.T) {
	t.Parallel()
	for _, tt := range hostileCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := copyPackage(t, "lstm")
			tt.setup(t, dir)
			_, err := Load(context.Background(), dir, Options{})
			if err == nil {
				t.Fatal("loaded")
			}
			code := modelgate.ErrorCode(err)
			if code != modelgate.EINVALID && code != modelgate.EUNSUPPORTED && code != modelgate.ELIMIT {
				t.Fatalf("code %q for %v", code, err)
			}
			if tt.rule != "" {
				wantRule(t, err, tt.rule)
			}
			rep, verr := Validate(context.Background(), dir, Options{})
			if verr != nil {
				t.Fatalf("Validate error: %v", verr)
			}
			if rep.Valid() || rep.Package != nil {
				t.Fatal("Validate says valid")
			}
			if tt.rule != "" {
				wantRule(t, rep.Err(), tt.rule)
			}
		})
	}
}

func TestExtraFileIgnored(t *testing.T) {
	t.Parallel()
	dir := copyPackage(t, "lstm")
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("not read"), 0o644)
	os.Symlink("/etc/passwd", filepath.Join(dir, "passwd"))
	if _, err := Load(context.Background(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestSkipDigest(t *testing.T) {
	t.Parallel()
	dir := copyPackage(t, "lstm")
	// Flip a low mantissa bit of the last float: still a valid file.
	flipByte(t, filepath.Join(dir, WeightsFile), -4)
	if _, err := Load(context.Background(), dir, Options{}); !hasRule(err, "weights-digest") {
		t.Fatalf("without SkipDigest: %v", err)
	}
	if _, err := Load(context.Background(), dir, Options{SkipDigest: true}); err != nil {
		t.Fatalf("with SkipDigest: %v", err)
	}
}

func TestLoadIOErrors(t *testing.T) {
	t.Parallel()
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "missing"), Options{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
	if code := modelgate.ErrorCode(err); code != modelgate.EINTERNAL {
		t.Fatalf("code %q: a missing directory is an I/O error, not a package problem", code)
	}
	if _, err := Validate(context.Background(), filepath.Join(t.TempDir(), "missing"), Options{}); err == nil {
		t.Fatal("Validate of a missing directory: no error")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Load(context.Background(), f, Options{}); err == nil {
		t.Fatal("Load of a file: no error")
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(examplesDir, "mnist-mlp")
	tests := []struct {
		lim  modelgate.Limits
		rule string
	}{
		{modelgate.Limits{SpecBytes: 100}, "spec-too-large"},
		{modelgate.Limits{WeightsBytes: 1000}, "weights-too-large"},
	}
	for _, tt := range tests {
		_, err := Load(context.Background(), dir, Options{Limits: tt.lim})
		wantRule(t, err, tt.rule)
		if modelgate.ErrorCode(err) != modelgate.ELIMIT {
			t.Errorf("%s: code %q", tt.rule, modelgate.ErrorCode(err))
		}
	}
	_, err := Load(context.Background(), dir, Options{Limits: modelgate.Limits{Params: 1000}})
	if modelgate.ErrorCode(err) != modelgate.ELIMIT {
		t.Errorf("params budget: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, filepath.Join(examplesDir, "mnist-mlp"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Validate(ctx, filepath.Join(examplesDir, "mnist-mlp"), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Validate err = %v", err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	t.Parallel()
	dir := copyPackage(t, "lstm")
	rewriteWeights(t, dir, func(ts []safetensors.Tensor) []safetensors.Tensor {
		return append(ts[1:], safetensors.F32("zzz.extra", []int64{1}, []float32{1}))
	})
	rep, err := Validate(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) < 2 {
		t.Fatalf("want a missing and an extra tensor, got %v", rep.Problems)
	}
	if rep.Spec == nil || rep.Analysis == nil {
		t.Fatal("report lost the spec or analysis")
	}
}

func TestOpenYAMLSameDigest(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(examplesDir, "lstm")
	p, err := Load(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile(filepath.Join("testdata", "lstm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml = []byte(strings.NewReplacer("WEIGHTS_SHA", p.Spec.Weights.SHA256,
		"WEIGHTS_BYTES", fmt.Sprint(p.Spec.Weights.Bytes)).Replace(string(yaml)))
	f, err := os.Open(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	q, err := Open(context.Background(), yaml, true, f, fi.Size(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.SpecDigest != q.SpecDigest {
		t.Fatalf("digest of YAML form %s != JSON form %s", q.SpecDigest, p.SpecDigest)
	}
}
