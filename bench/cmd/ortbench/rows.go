package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/modelgate/modelgate/bench/models"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/nn/gemm"
	"github.com/modelgate/modelgate/onnx"
)

// row is one line of the result table.
type row struct {
	name    string
	threads int
	batch   int
	unit    string // "samples/s" or "GFLOP/s"
	mg, ort stats
	mgRate  float64
	ortRate float64
	relErr  float64
}

// gemmRow times an n×n×n product: modelgate's gemm.SgemmThreads against
// ORT running the exported dense layer (MatMul with a constant B).
func gemmRow(n, threads int, d time.Duration) (row, error) {
	m, err := models.GEMM(n)
	if err != nil {
		return row{}, err
	}
	data, err := onnx.Export(context.Background(), m.Spec, m.Analysis, m.Weights)
	if err != nil {
		return row{}, err
	}
	a := models.Input(n*n, -1, 1, uint64(n))
	w := m.Weights.Tensor("layers.0.weight") // [n, n] = Bᵀ
	c := make([]float32, n*n)
	s, err := newORTSession(data, threads, 1, []int{n, n}, []int{n, n}, a)
	if err != nil {
		return row{}, err
	}
	defer s.close()
	mg := func() error {
		gemm.SgemmThreads(threads, false, true, n, n, n, 1, a, n, w, n, 0, c, n)
		return nil
	}
	r := row{name: fmt.Sprintf("gemm %d³", n), threads: threads, batch: 1, unit: "GFLOP/s"}
	if err := check(&r, mg, s, func() []float32 { return c }); err != nil {
		return r, err
	}
	flop := 2 * float64(n) * float64(n) * float64(n) / 1e9
	return timeBoth(r, mg, s, d, flop)
}

// modelRows times every model case at threads.
func modelRows(ctx context.Context, rep *report, threads int, cfg config) error {
	for _, c := range models.Cases() {
		name := fmt.Sprintf("%s b%d", c.Name, c.Batch)
		if !strings.Contains(name, cfg.only) {
			continue
		}
		m, err := c.Build()
		if err != nil {
			return err
		}
		r, err := modelRow(ctx, m, c.Batch, threads, cfg.dur)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.add(r)
	}
	return nil
}

// modelRow binds m in modelgate, exports it to ORT, checks agreement and
// times both on the same input batch.
func modelRow(ctx context.Context, m *models.Model, batch, threads int, d time.Duration) (row, error) {
	model, err := nn.Bind(ctx, m.Spec, m.Analysis, m.Weights, nn.Options{Threads: threads})
	if err != nil {
		return row{}, err
	}
	data, err := onnx.Export(ctx, m.Spec, m.Analysis, m.Weights)
	if err != nil {
		return row{}, err
	}
	inLen := int(m.Analysis.Input.Elements())
	x := models.Input(batch*inLen, -1, 1, uint64(batch))
	s, err := newORTSession(data, threads, batch, m.Analysis.Input, m.Analysis.Output, x)
	if err != nil {
		return row{}, err
	}
	defer s.close()
	in := nn.Tensor{Shape: append([]int{batch}, m.Analysis.Input...), Data: x}
	var out nn.Tensor
	mg := func() error {
		var err error
		out, err = model.Predict(ctx, in)
		return err
	}
	r := row{name: m.Name, threads: threads, batch: batch, unit: "samples/s"}
	if err := check(&r, mg, s, func() []float32 { return out.Data }); err != nil {
		return r, err
	}
	return timeBoth(r, mg, s, d, float64(batch))
}

// check runs both engines once and compares their outputs.
func check(r *row, mg func() error, s *ortSession, mgOut func() []float32) error {
	if err := mg(); err != nil {
		return err
	}
	if err := s.run(); err != nil {
		return err
	}
	r.relErr = relErr(mgOut(), s.output())
	if r.relErr > maxRelErr {
		return fmt.Errorf("%s: outputs disagree: relative error %.3g > %g", r.name, r.relErr, maxRelErr)
	}
	return nil
}

// timeBoth measures modelgate and ORT in alternating rounds; units is the
// work per call.
func timeBoth(r row, mg func() error, s *ortSession, d time.Duration, units float64) (row, error) {
	var err error
	if r.mg, r.ort, err = measurePair(mg, s.run, 3, d, 2); err != nil {
		return r, err
	}
	r.mgRate, r.ortRate = r.mg.perSecond(units), r.ort.perSecond(units)
	fmt.Fprintf(os.Stderr, "%-14s t=%d b=%-3d modelgate %10.1f  ort %10.1f %s  ratio %.2f  err %.1e\n",
		r.name, r.threads, r.batch, r.mgRate, r.ortRate, r.unit, r.mgRate/r.ortRate, r.relErr)
	return r, nil
}
