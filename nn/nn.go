// Package nn binds a validated spec to its weights and runs it: float32 CPU
// inference, batch first, row-major (NCHW for images: the same bytes as
// Flux's WHCN).
//
// # Binding
//
// [Bind] takes a spec, its static [spec.Analysis] (from spec.Analyze) and a
// [Weights] source such as *safetensors.File. It checks:
//
//   - the parameter budget (Limits.Params, Limits.Tensors) against the
//     analysis, before anything is allocated or read;
//   - that the analysis describes the spec (same input, one LayerInfo per
//     layer in pre-order, chained shapes, every shape within
//     Limits.ActivationBytes per sample);
//   - every expected tensor: present ("missing-tensor"), with the spec's
//     dtype ("dtype-mismatch") and exact shape ("shape-mismatch"), and no
//     other tensor in the file ("unexpected-tensor", "duplicate-tensor");
//     all of these are collected into one [modelgate.Problems];
//   - every value finite ("non-finite-weight", again all collected) and
//     every batchnorm variance >= 0 ("negative-variance");
//   - every layer's hyper-parameters and output shape against our own
//     computation ("analysis-mismatch"), and that each tensor is consumed by
//     exactly one layer ("unused-tensor").
//
// Errors are *[modelgate.Error] values (Where = tensor name or layer JSON
// pointer) or a Problems list of them; a cancelled context is returned as
// the context's error.
//
// # Running
//
// A bound [Model] is immutable. [Model.Predict] takes [N, input...] with
// 1 <= N <= Limits.Batch ("input-shape", "batch-size", "input-length"), is
// safe for concurrent use, deterministic (the same bits on every call and
// for every Options.Threads: work is split only over independent outputs)
// and checks its context between layers and inside long loops. Per-call
// buffers (two ping-pong activation buffers per layer list, convolution
// panels) come from pools owned by the model, sized from the static shapes:
// after warm-up, [Model.PredictInto] allocates nothing at one thread and
// Predict only its result.
//
// # Bind-time rewrites
//
// Bind prepares the layers for speed without changing what they compute:
// dense, convolution and recurrent weights are packed once for the GEMM
// micro-kernel; a batchnorm right after a convolution or dense layer
// without activation is folded into that layer's weights and bias (in
// float64, within 1e-5 of the unfolded result); a ReLU layer right after
// an add-combined skip or parallel layer is fused into the add (same
// bits); flatten, reshape and dropout inside a layer list alias their
// input. The spec and the bound tensors are never modified.
//
// Matrix products (dense, convolution as packed im2col panels with the bias
// and activation fused, transposed convolution, recurrent steps) go
// through package gemm; sliding-window, pooling, normalisation and softmax
// kernels live in package kernels. On amd64 with AVX2, sigmoid, tanh and
// the bias/ReLU epilogues run as vector kernels that compute the same bits
// as the scalar Go code.
package nn

import (
	"context"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// Options tunes [Bind].
type Options struct {
	Limits  modelgate.Limits // budgets; zero fields take the defaults
	Threads int              // goroutines for matrix products; <= 0 means runtime.GOMAXPROCS(0)
}

// Model is a spec bound to its weights, ready to run. It is immutable and
// safe for concurrent use.
type Model struct {
	spec   *spec.Spec
	an     *spec.Analysis
	root   *seqOp
	inLen  int // elements of one input sample
	outLen int // elements of one output sample
	maxPer int // largest per-sample activation of any layer, in elements
	limits modelgate.Limits
}

// InputShape returns a copy of the per-sample input shape.
func (m *Model) InputShape() spec.Shape { return slices.Clone(m.an.Input) }

// OutputShape returns a copy of the per-sample output shape.
func (m *Model) OutputShape() spec.Shape { return slices.Clone(m.an.Output) }

// Spec returns the spec the model was bound from. Callers must not modify it.
func (m *Model) Spec() *spec.Spec { return m.spec }

// Analysis returns the static analysis the model was bound with. Callers
// must not modify it.
func (m *Model) Analysis() *spec.Analysis { return m.an }

// Bind checks w against the parameters a expects for s, reads and checks
// every tensor, and builds a runnable [Model]. Binding problems (missing,
// unexpected, wrongly typed or shaped tensors, non-finite values) are all
// reported in one [modelgate.Problems]; other failures are a
// *[modelgate.Error] or the context's error.
func Bind(ctx context.Context, s *spec.Spec, a *spec.Analysis, w Weights, opt Options) (*Model, error) {
	if s == nil || a == nil || w == nil {
		return nil, modelgate.Errorf(modelgate.EINVALID, "", "nil-argument", "nn.Bind needs a spec, an analysis and weights")
	}
	lim := opt.Limits.OrDefault()
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	if err := checkModelShapes(s, a, lim); err != nil {
		return nil, err
	}
	tensors, err := bindWeights(ctx, s, a, w, lim)
	if err != nil {
		return nil, err
	}
	b := &builder{an: a, tensors: tensors, threads: threads, limits: lim, shapes: make(map[string]spec.Shape, len(a.Params))}
	for _, p := range a.Params {
		b.shapes[p.Name] = p.Shape
	}
	root, out, err := b.sequence(s.Layers, a.Input, 0)
	if err != nil {
		return nil, err
	}
	if err := b.finish(out); err != nil {
		return nil, err
	}
	return &Model{
		spec:   s,
		an:     a,
		root:   root,
		inLen:  int(a.Input.Elements()),
		outLen: int(a.Output.Elements()),
		maxPer: maxActivation(a),
		limits: lim,
	}, nil
}

// checkModelShapes checks the model-level shapes of a against s and lim.
func checkModelShapes(s *spec.Spec, a *spec.Analysis, lim modelgate.Limits) error {
	if !slices.Equal(a.Input, spec.Shape(s.Input.Shape)) {
		return modelgate.Errorf(modelgate.EINVALID, "/input/shape", "analysis-mismatch",
			"analysis input %v differs from the spec's %v", a.Input, spec.Shape(s.Input.Shape))
	}
	if err := checkShape("/input/shape", a.Input, lim); err != nil {
		return err
	}
	if err := checkShape("/layers", a.Output, lim); err != nil {
		return err
	}
	if len(a.Layers) > lim.Layers {
		return modelgate.Errorf(modelgate.ELIMIT, "/layers", "layers-limit",
			"%d layers exceed the limit of %d", len(a.Layers), lim.Layers)
	}
	return nil
}

// checkShape checks that every dim is >= 1, the rank is 1..MaxRank and the
// per-sample float32 size is within lim.ActivationBytes.
func checkShape(where string, sh spec.Shape, lim modelgate.Limits) error {
	if len(sh) < 1 || len(sh) > modelgate.MaxRank {
		return modelgate.Errorf(modelgate.EINVALID, where, "bad-rank", "shape %v has rank %d, want 1..%d", sh, len(sh), modelgate.MaxRank)
	}
	for _, d := range sh {
		if d < 1 || d > modelgate.MaxDim {
			return modelgate.Errorf(modelgate.EINVALID, where, "bad-dim", "shape %v has a dim outside 1..%d", sh, modelgate.MaxDim)
		}
	}
	e := sh.Elements()
	if e < 0 || e > lim.ActivationBytes/4 {
		return modelgate.Errorf(modelgate.ELIMIT, where, "activation-limit",
			"shape %v exceeds the activation budget of %d bytes", sh, lim.ActivationBytes)
	}
	return nil
}

// Predict runs the model on a batch. in.Shape must be [N, input...] with
// 1 <= N <= Limits.Batch and len(in.Data) == N*prod(input). It returns a new
// tensor [N, output...]. in is not modified.
func (m *Model) Predict(ctx context.Context, in Tensor) (Tensor, error) {
	if err := ctx.Err(); err != nil {
		return Tensor{}, err
	}
	n, err := m.checkInput(in)
	if err != nil {
		return Tensor{}, err
	}
	shape := make([]int, 1+len(m.an.Output))
	shape[0] = n
	copy(shape[1:], m.an.Output)
	out := Tensor{Shape: shape, Data: make([]float32, n*m.outLen)}
	if err := m.root.forward(ctx, n, in.Data, out.Data); err != nil {
		return Tensor{}, fmt.Errorf("nn: predict: %w", err)
	}
	return out, nil
}

// PredictInto is [Model.Predict] writing the result into out, which must
// hold exactly N*prod(output) elements (the output shape is [N,
// output...]); out is fully overwritten, also on error. After warm-up, at
// one thread, it allocates nothing: every buffer comes from pools planned
// at bind.
func (m *Model) PredictInto(ctx context.Context, in Tensor, out []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := m.checkInput(in)
	if err != nil {
		return err
	}
	if len(out) != n*m.outLen {
		return modelgate.Errorf(modelgate.EINVALID, "output", "output-length",
			"output buffer has %d values, a batch of %d needs %d", len(out), n, n*m.outLen)
	}
	if err := m.root.forward(ctx, n, in.Data, out); err != nil {
		return fmt.Errorf("nn: predict: %w", err)
	}
	return nil
}

// maxBatchElems bounds n × the largest per-sample activation (elements), so
// that no buffer size computed for a call can overflow (4 PiB of float32).
const maxBatchElems = 1 << 50

// maxActivation is the largest In or Out element count of any layer.
func maxActivation(a *spec.Analysis) int {
	m := a.Input.Elements()
	for _, li := range a.Layers {
		m = max(m, li.In.Elements(), li.Out.Elements())
	}
	return int(m)
}

// checkInput validates the input tensor and returns its batch size.
func (m *Model) checkInput(in Tensor) (int, error) {
	if len(in.Shape) != 1+len(m.an.Input) || !slices.Equal(in.Shape[1:], []int(m.an.Input)) {
		return 0, modelgate.Errorf(modelgate.EINVALID, "input", "input-shape",
			"input has shape %v, want [N, %s", in.Shape, strings.TrimPrefix(m.an.Input.String(), "["))
	}
	n := in.Shape[0]
	if n < 1 || n > m.limits.Batch {
		return 0, modelgate.Errorf(modelgate.EINVALID, "input", "batch-size",
			"batch size %d outside 1..%d", n, m.limits.Batch)
	}
	if hi, lo := bits.Mul64(uint64(n), uint64(m.maxPer)); hi != 0 || lo > maxBatchElems {
		return 0, modelgate.Errorf(modelgate.ELIMIT, "input", "batch-memory",
			"batch of %d needs activations of %d elements per sample", n, m.maxPer)
	}
	if len(in.Data)%m.inLen != 0 || len(in.Data)/m.inLen != n {
		return 0, modelgate.Errorf(modelgate.EINVALID, "input", "input-length",
			"input has %d values, shape %v needs %d per sample", len(in.Data), in.Shape, m.inLen)
	}
	return n, nil
}
