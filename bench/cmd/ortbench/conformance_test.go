package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bench/models"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/onnx"
	"github.com/modelgate/modelgate/safetensors"
)

var ortOnce = sync.OnceValue(func() error {
	ort.SetSharedLibraryPath(os.Getenv("ORT_LIB"))
	return ort.InitializeEnvironment(ort.WithLogLevelError())
})

// needORT skips the test unless $ORT_LIB names the ONNX Runtime library.
func needORT(t *testing.T) {
	t.Helper()
	if os.Getenv("ORT_LIB") == "" {
		t.Skip("set ORT_LIB to libonnxruntime.so.1 (scripts/bench.sh installs it)")
	}
	if err := ortOnce(); err != nil {
		t.Fatalf("onnxruntime: %v", err)
	}
}

// agree runs m in modelgate and, exported, in ONNX Runtime on the same
// batch and returns the relative error between the outputs.
func agree(t *testing.T, m *models.Model, batch int, x []float32) float64 {
	t.Helper()
	ctx := context.Background()
	model, err := nn.Bind(ctx, m.Spec, m.Analysis, m.Weights, nn.Options{Threads: 1})
	if err != nil {
		t.Fatalf("Bind: %v", err)
	}
	got, err := model.Predict(ctx, nn.Tensor{Shape: append([]int{batch}, m.Analysis.Input...), Data: x})
	if err != nil {
		t.Fatalf("Predict: %v", err)
	}
	data, err := onnx.Export(ctx, m.Spec, m.Analysis, m.Weights)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	s, err := newORTSession(data, 1, batch, m.Analysis.Input, m.Analysis.Output, x)
	if err != nil {
		t.Fatalf("ORT: %v", err)
	}
	defer s.close()
	if err := s.run(); err != nil {
		t.Fatalf("ORT run: %v", err)
	}
	return relErr(got.Data, s.output())
}

// TestConformance exports every spec of the exporter's test corpus
// (../../../onnx/testdata/specs: every layer type and activation) and checks
// that ONNX Runtime computes what modelgate computes.
func TestConformance(t *testing.T) {
	needORT(t)
	paths, err := filepath.Glob(filepath.Join("..", "..", "..", "onnx", "testdata", "specs", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no specs (%v)", err)
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".json"), func(t *testing.T) {
			doc, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m, err := models.FromSpecJSON(doc, 5)
			if err != nil {
				t.Fatal(err)
			}
			const batch = 3
			n := batch * int(m.Analysis.Input.Elements())
			x := models.Input(n, -2, 2, 9)
			if m.Name == "embedding" { // indices: whole numbers in [0, vocab)
				for i := range x {
					x[i] = float32(math.Floor(float64(x[i]+2) * 2.5))
				}
			}
			if e := agree(t, m, batch, x); e > maxRelErr {
				t.Errorf("relative error %.3g > %g", e, maxRelErr)
			} else {
				t.Logf("relative error %.2g", e)
			}
		})
	}
}

// TestBenchModelsAgree checks the benchmark models at batch 2.
func TestBenchModelsAgree(t *testing.T) {
	needORT(t)
	for _, c := range models.Cases() {
		m, err := c.Build()
		if err != nil {
			t.Fatal(err)
		}
		x := models.Input(2*int(m.Analysis.Input.Elements()), -1, 1, 1)
		if e := agree(t, m, 2, x); e > maxRelErr {
			t.Errorf("%s: relative error %.3g", c.Name, e)
		}
	}
}

// TestExamplesAgree exports the example packages the way "modelgate export"
// does (modelpkg.Load, then the checked weights file) and compares ORT with
// modelgate on a random batch.
func TestExamplesAgree(t *testing.T) {
	needORT(t)
	ctx := context.Background()
	for _, name := range []string{"mnist-mlp", "small-cnn", "lstm"} {
		dir := filepath.Join("..", "..", "..", "examples", name)
		p, err := modelpkg.Load(ctx, dir, modelpkg.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st, err := safetensors.OpenFile(filepath.Join(dir, modelpkg.WeightsFile), modelgate.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		m := &models.Model{Name: name, Spec: p.Spec, Analysis: p.Analysis}
		data, err := onnx.Export(ctx, p.Spec, p.Analysis, st)
		st.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		const batch = 4
		x := models.Input(batch*int(m.Analysis.Input.Elements()), 0, 1, 3)
		got, err := p.Predict(ctx, nn.Tensor{Shape: append([]int{batch}, m.Analysis.Input...), Data: x})
		if err != nil {
			t.Fatal(err)
		}
		s, err := newORTSession(data, 1, batch, m.Analysis.Input, m.Analysis.Output, x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err = s.run()
		e := relErr(got.Data, s.output())
		s.close()
		if err != nil || e > maxRelErr {
			t.Errorf("%s: run %v, relative error %.3g", name, err, e)
		}
	}
}
