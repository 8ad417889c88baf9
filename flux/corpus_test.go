package flux

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	_ "image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/scan"
	"github.com/modelgate/modelgate/spec"
)

// shared finds ../shared/<rel> relative to the repository root, walking up
// from the test's directory; the test is skipped when it is absent.
func shared(t testing.TB, rel string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for i := 0; i < 5; i++ {
		p := filepath.Join(dir, "..", "shared", rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		dir = filepath.Dir(dir)
	}
	t.Skipf("shared/%s not found", rel)
	return ""
}

// corpus reads a corpus file by its number prefix ("01").
func corpus(t testing.TB, num string) []byte {
	t.Helper()
	dir := shared(t, "corpus/flux-bson")
	m, _ := filepath.Glob(filepath.Join(dir, num+"_*"))
	if len(m) != 1 {
		t.Skipf("corpus file %s not found", num)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustOpen(t testing.TB, res *Result) *modelpkg.Package {
	t.Helper()
	p, err := res.Open(context.Background(), modelpkg.Options{Threads: 1})
	if err != nil {
		t.Fatalf("the converted package does not load: %v", err)
	}
	return p
}

func predict(t testing.TB, p *modelpkg.Package, shape []int, data []float32) []float32 {
	t.Helper()
	out, err := p.Predict(context.Background(), nn.Tensor{Shape: append([]int{len(data) / prod(shape)}, shape...), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return out.Data
}

func prod(xs []int) int {
	n := 1
	for _, x := range xs {
		n *= x
	}
	return n
}

func argmax(xs []float32) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

// transposeImgs swaps H and W of 28×28 images. Model 01 was trained on
// Julia arrays x[i, j] = img[i, j] (Images.jl, i = row): Julia dimension 1,
// which Flux treats as W, holds the image rows. Its [1, 28, 28] input is
// therefore the transposed image (the PNG's column-major bytes); fed that
// way it predicts 7 with p = 0.99999 and 98.8% of the MNIST sample
// (unflipped kernels: 2); fed the row-major bytes it predicts 6.
func transposeImgs(px []float32) []float32 {
	out := make([]float32, len(px))
	for n := 0; n < len(px)/784; n++ {
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				out[n*784+x*28+y] = px[n*784+y*28+x]
			}
		}
	}
	return out
}

// digit7 reads corpus image 03 as the [1, 28, 28] input of model 01
// (pixel/255, transposed: see transposeImgs).
func digit7(t testing.TB) []float32 {
	return transposeImgs(digit7RowMajor(t))
}

// digit7RowMajor reads corpus image 03, pixel/255, row-major.
func digit7RowMajor(t testing.TB) []float32 {
	img, _, err := image.Decode(bytes.NewReader(corpus(t, "03")))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var out []float32
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out = append(out, float32(color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)/255)
		}
	}
	if len(out) != 784 {
		t.Fatalf("image has %d pixels", len(out))
	}
	return out
}

// mnist reads the IDX sample: images [n*784] /255 and labels.
func mnist(t testing.TB) ([]float32, []byte) {
	dir := shared(t, "data/mnist-sample")
	read := func(name string) []byte {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Skip(err)
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(io.LimitReader(z, 64<<20))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	img, lab := read("images-idx3-ubyte.gz"), read("labels-idx1-ubyte.gz")
	n := int(binary.BigEndian.Uint32(img[4:]))
	if len(img) != 16+n*784 || len(lab) != 8+n {
		t.Fatalf("bad IDX sizes %d %d for %d images", len(img), len(lab), n)
	}
	px := make([]float32, n*784)
	for i := range px {
		px[i] = float32(img[16+i]) / 255
	}
	return px, lab[8:]
}

func convert(t testing.TB, data []byte, opt Options) *Result {
	t.Helper()
	res, err := Convert(context.Background(), data, opt)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return res
}

func TestCorpus01RefusedWithoutFlag(t *testing.T) {
	t.Parallel()
	res, err := Convert(context.Background(), corpus(t, "01"), Options{InputShape: []int{1, 28, 28}})
	var ref *RefusedError
	if !errors.As(err, &ref) {
		t.Fatalf("want a refusal, got %v", err)
	}
	if res == nil || res.Report == nil || res.Report.Count(scan.Critical) == 0 {
		t.Fatalf("want critical findings in the report")
	}
	if !strings.Contains(err.Error(), "serialized-code") {
		t.Errorf("refusal does not name serialized code: %v", err)
	}
}

func TestCorpus01Digit7(t *testing.T) {
	t.Parallel()
	res := convert(t, corpus(t, "01"), Options{AllowKnownLambdas: true, InputShape: []int{1, 28, 28}})
	p := mustOpen(t, res)
	out := predict(t, p, []int{1, 28, 28}, digit7(t))
	// Flux's 1-based class index 8 is digit 7, 0-based index 7 here.
	if k := argmax(out); k != 7 || out[k] <= 0.99 {
		t.Fatalf("digit 7: got 0-based class %d p=%v (%v), want 7 with p > 0.99", k, out[k], out)
	}
	t.Logf("image 03: digit 7 (Flux index 8), p = %.7f", out[7])
}

func TestCorpus01And02MNIST(t *testing.T) {
	t.Parallel()
	r01 := convert(t, corpus(t, "01"), Options{AllowKnownLambdas: true, InputShape: []int{1, 28, 28}})
	arch := *r01.Spec
	r02 := convert(t, corpus(t, "02"), Options{Arch: &arch})
	p01, p02 := mustOpen(t, r01), mustOpen(t, r02)
	px, labels := mnist(t)
	px = transposeImgs(px)
	o1 := predict(t, p01, []int{1, 28, 28}, px)
	o2 := predict(t, p02, []int{1, 28, 28}, px)
	right := 0
	for i := range labels {
		a, b := argmax(o1[i*10:(i+1)*10]), argmax(o2[i*10:(i+1)*10])
		if a != b {
			t.Errorf("image %d: 01 says %d, 02 says %d", i, a, b)
		}
		if a == int(labels[i]) {
			right++
		}
	}
	acc := float64(right) / float64(len(labels))
	t.Logf("MNIST sample: %d of %d right (%.2f%%)", right, len(labels), 100*acc)
	if acc < 0.97 {
		t.Fatalf("accuracy %.4f < 0.97", acc)
	}
	if d := predict(t, p02, []int{1, 28, 28}, digit7(t)); argmax(d) != 7 {
		t.Errorf("02 on image 03: index %d", argmax(d))
	}
}

func TestCorpus09Boston(t *testing.T) {
	t.Parallel()
	res := convert(t, corpus(t, "09"), Options{})
	p := mustOpen(t, res)
	row := []float32{0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98}
	out := predict(t, p, []int{13}, row)
	if len(out) != 1 || math.Abs(float64(out[0])-27.48) > 0.01 {
		t.Fatalf("Boston row 1: %v, want 27.48 ± 0.01", out)
	}
	t.Logf("Boston row 1: %.4f", out[0])
}

func TestCorpusConvertValidateRun(t *testing.T) {
	t.Parallel()
	cases := []struct {
		num   string
		shape []int
	}{
		{"06", []int{1, 28, 48}}, // untrained; Dense(336) = 4×7×12 after two 2×2 pools
		{"07", nil},
		{"08", nil},
		{"11", nil},
	}
	for _, tc := range cases {
		t.Run(tc.num, func(t *testing.T) {
			t.Parallel()
			res := convert(t, corpus(t, tc.num), Options{InputShape: tc.shape})
			p := mustOpen(t, res)
			in := make([]float32, prod(p.Spec.Input.Shape))
			for i := range in {
				in[i] = float32(i%7) / 7
			}
			out := predict(t, p, p.Spec.Input.Shape, in)
			for _, v := range out {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("non-finite output %v", out)
				}
			}
			dir := t.TempDir()
			if err := modelpkg.Write(context.Background(), filepath.Join(dir, "pkg"), res.Spec, res.Tensors); err != nil {
				t.Fatal(err)
			}
			rep, err := modelpkg.Validate(context.Background(), filepath.Join(dir, "pkg"), modelpkg.Options{})
			if err != nil || !rep.Valid() {
				t.Fatalf("validate: %v %v", err, rep.Err())
			}
			if res.Spec.Source == nil || res.Spec.Source.SHA256 == "" {
				t.Errorf("no source provenance")
			}
		})
	}
}

func TestCorpusRefusedUnsafe(t *testing.T) {
	t.Parallel()
	for _, num := range []string{"04", "13"} {
		_, err := Convert(context.Background(), corpus(t, num), Options{AllowKnownLambdas: true})
		var ref *RefusedError
		if !errors.As(err, &ref) {
			t.Errorf("%s: want a refusal, got %v", num, err)
		}
	}
}

func TestCorpusUnsupported(t *testing.T) {
	t.Parallel()
	for _, num := range []string{"14", "15"} {
		_, err := Convert(context.Background(), corpus(t, num), Options{})
		if modelgate.ErrorCode(err) != modelgate.EUNSUPPORTED {
			t.Errorf("%s: want unsupported, got %v", num, err)
		}
	}
}

func TestCorpus16NotAModel(t *testing.T) {
	t.Parallel()
	rep, err := scan.File(context.Background(), corpus(t, "16"), scan.Options{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("16 should parse cleanly: %v %v", err, rep.Err())
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.Rule == "no-model"
	}
	if !found || len(rep.ModelKeys) != 0 {
		t.Fatalf("16 not reported as not a model: %+v", rep.Findings)
	}
}

func TestCorpus12LeNet(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/lenet5.json")
	if err != nil {
		t.Fatal(err)
	}
	arch, err := spec.ParseJSON(b, modelgate.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res := convert(t, corpus(t, "12"), Options{Arch: arch})
	p := mustOpen(t, res)
	px, _ := mnist(t)
	out := predict(t, p, []int{1, 28, 28}, px[:784*4])
	if len(out) != 40 {
		t.Fatalf("output %d values", len(out))
	}
}

// TestCorpus01SwapHW converts 01 with SwapHW: the model then takes the
// upright image (the PNG's row-major bytes) and the MNIST sample as is.
func TestCorpus01SwapHW(t *testing.T) {
	t.Parallel()
	res := convert(t, corpus(t, "01"), Options{AllowKnownLambdas: true, InputShape: []int{1, 28, 28}, SwapHW: true})
	p := mustOpen(t, res)
	out := predict(t, p, []int{1, 28, 28}, digit7RowMajor(t))
	if k := argmax(out); k != 7 || out[k] <= 0.99 {
		t.Fatalf("upright digit 7: got %d p=%v", k, out[k])
	}
	ref := mustOpen(t, convert(t, corpus(t, "01"), Options{AllowKnownLambdas: true, InputShape: []int{1, 28, 28}}))
	px, labels := mnist(t)
	o1 := predict(t, p, []int{1, 28, 28}, px)
	o2 := predict(t, ref, []int{1, 28, 28}, transposeImgs(px))
	right := 0
	for i := range labels {
		for k := 0; k < 10; k++ {
			if d := math.Abs(float64(o1[i*10+k] - o2[i*10+k])); d > 1e-4 {
				t.Fatalf("image %d class %d: swapped %v, transposed input %v", i, k, o1[i*10+k], o2[i*10+k])
			}
		}
		if argmax(o1[i*10:(i+1)*10]) == int(labels[i]) {
			right++
		}
	}
	t.Logf("upright MNIST sample with SwapHW: %d of %d right; digit 7 p = %.7f", right, len(labels), out[7])
}
