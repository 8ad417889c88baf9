package flux

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/juliabson"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/scan"
	"github.com/modelgate/modelgate/spec"
)

// ConverterVersion is written to Source.Converter.
const ConverterVersion = "modelgate-flux-1"

// maxNesting bounds Chain/SkipConnection/Parallel nesting in a file.
const maxNesting = 32

// Options tunes [Convert].
type Options struct {
	// Key is the top-level key holding the model (or the weights, with
	// Arch); empty means the single model key of the file.
	Key string
	// AllowKnownLambdas accepts the anonymous flatten function
	// x -> reshape(x, :, size(x, N)), matched as data (scan.KnownLambda),
	// and converts it to a flatten layer.
	AllowKnownLambdas bool
	// InputShape is the per-sample input shape, row-major ([C, H, W] for
	// images, [T, F] for sequences); needed when it cannot be inferred.
	InputShape []int
	// Arch, for weights-only files, is the architecture whose parameters
	// the file's ordered arrays fill (its Weights member is ignored).
	Arch *spec.Spec
	// SwapHW converts an image model trained with the image rows in Julia
	// dimension 1 (Images.jl matrices img[y, x], as the classic model-zoo
	// MNIST loaders did) so that it takes upright [C, H, W] images:
	// kernels, strides, paddings and pools are transposed and the first
	// dense layer after the flatten has its inputs permuted. Without it,
	// the converted model takes exactly the bytes Flux took.
	SwapHW bool
	// Name is the spec name; default "flux-" plus the key.
	Name string
	// Limits are the modelgate budgets (parameters, layers, ...); zero
	// fields take the defaults.
	Limits modelgate.Limits
	// Parse bounds BSON parsing; zero fields take the defaults.
	Parse juliabson.Limits
}

// Result is a converted model.
type Result struct {
	Spec    *spec.Spec           // complete except Weights (filled when the package is written)
	Tensors []safetensors.Tensor // F32, named after the spec's parameters
	Report  *scan.Report         // the scan of the file
	Notes   []string             // what the converter did that a user should know (also in Spec.Source.Notes)
}

// RefusedError is returned when the scan has findings: nothing is
// converted. Report holds every finding.
type RefusedError struct {
	Report *scan.Report
}

func (e *RefusedError) Error() string {
	return "refused: the file holds content outside the allow-list:\n" + e.Report.Err().Error()
}

// Unwrap exposes the findings as a modelgate.Problems.
func (e *RefusedError) Unwrap() error { return e.Report.Err() }

// Convert scans data and converts its model. It returns a *RefusedError
// (with the report) when the scan finds anything not allowed, a
// *modelgate.Error when the file cannot be parsed or a layout cannot be
// represented, and the Result otherwise. Nothing in the file is run.
func Convert(ctx context.Context, data []byte, opt Options) (*Result, error) {
	rep, err := scan.File(ctx, data, scan.Options{Limits: opt.Parse, AllowKnownLambdas: opt.AllowKnownLambdas, Key: opt.Key})
	if err != nil {
		return &Result{Report: rep}, err
	}
	if rep.Err() != nil {
		return &Result{Report: rep}, &RefusedError{Report: rep}
	}
	g, err := scan.Parse(ctx, data, rep.Format, opt.Parse) // the same bytes, parsed again: the report's graph is not kept
	if err != nil {
		return &Result{Report: rep}, err
	}
	c := &converter{lim: opt.Limits.OrDefault(), opt: opt, report: rep}
	res, err := c.run(ctx, g)
	if err != nil {
		return &Result{Report: rep}, err
	}
	res.Report = rep
	res.Spec.Source = &spec.Source{
		Format: "flux-bson", SHA256: scan.SHA256(data), Bytes: int64(len(data)), Key: c.key,
		FluxVersion: rep.FluxVersion, Converter: ConverterVersion, Notes: res.Notes,
	}
	if len(res.Spec.Source.Notes) > 64 {
		res.Spec.Source.Notes = res.Spec.Source.Notes[:64]
	}
	return res, nil
}

// converter holds the state of one conversion.
type converter struct {
	lim     modelgate.Limits
	opt     Options
	report  *scan.Report
	key     string
	params  int64
	notes   []string
	noted   map[string]bool
	lambdas []lambdaUse // flatten lambdas, checked against the analysed shapes
	input   []int       // inferred input shape
}

// lambdaUse records a converted flatten lambda: its N and where it is.
type lambdaUse struct {
	n     int
	layer spec.Layer
	at    juliabson.Value
}

// note records a conversion note once. Slashes are replaced: spec source
// strings may not hold paths.
func (c *converter) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	s = strings.NewReplacer("/", "÷", "\\", "÷", "://", ":").Replace(s)
	if len(s) > 1000 {
		s = s[:1000]
	}
	if c.noted == nil {
		c.noted = map[string]bool{}
	}
	if !c.noted[s] {
		c.noted[s] = true
		c.notes = append(c.notes, s)
	}
}

// pickKey chooses the top-level key.
func (c *converter) pickKey(g *juliabson.Graph) (juliabson.Value, error) {
	cands := c.report.ModelKeys
	what := "a Flux model"
	if c.opt.Arch != nil {
		cands, what = c.report.ParamKeys, "weights (a vector of arrays or Zygote.Params)"
		if len(cands) == 0 {
			cands = paramKeysDeep(g)
		}
	}
	key := c.opt.Key
	if key == "" {
		if len(cands) == 0 && c.opt.Arch == nil && len(c.report.ParamKeys) > 0 {
			return nil, modelgate.Errorf(modelgate.EINVALID, "file", "weights-only",
				"the file holds weights only (key %s), no architecture: convert it with --arch SPEC (Options.Arch), a spec of the model whose params(model) these are",
				strings.Join(c.report.ParamKeys, ", "))
		}
		if len(cands) != 1 {
			return nil, modelgate.Errorf(modelgate.EINVALID, "file", "model-key",
				"the file has %d top-level keys holding %s (%s); choose one with --key (keys: %s)",
				len(cands), what, strings.Join(cands, ", "), strings.Join(g.Keys(), ", "))
		}
		key = cands[0]
	}
	v, ok := g.Lookup(key)
	if !ok {
		return nil, modelgate.Errorf(modelgate.ENOTFOUND, "file", "model-key", "no top-level key %q (keys: %s)", key, strings.Join(g.Keys(), ", "))
	}
	c.key = key
	return v, nil
}

// run converts the chosen key.
func (c *converter) run(ctx context.Context, g *juliabson.Graph) (*Result, error) {
	root, err := c.pickKey(g)
	if err != nil {
		return nil, err
	}
	if c.opt.Arch != nil {
		return c.weightsOnly(ctx, root)
	}
	var ps []*param
	layers, err := c.layerList(root, &ps, 0)
	if err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return nil, layoutErr(root, "the model has no layer modelgate can represent")
	}
	in := c.opt.InputShape
	if len(in) == 0 {
		in = c.input
		switch {
		case len(in) > 0:
			c.note("input shape %v inferred from the first layer; pass --input-shape to change it", in)
		case len(ps) > 0:
			if in = inferSpatial(layers, ps); len(in) > 0 {
				c.note("input shape %v inferred: a square input that fits the dense layer after the convolutions (the only one, or the well-known size among the few that fit); pass --input-shape to change it", in)
			}
		}
		if len(in) == 0 {
			return nil, modelgate.Errorf(modelgate.EINVALID, "file", "input-shape",
				"Flux files do not store the input shape and this model starts with a layer whose input cannot be inferred: pass --input-shape (Options.InputShape), e.g. 1,28,28 for MNIST images (C,H,W)")
		}
	}
	s := &spec.Spec{Format: spec.FormatV1, Name: c.name(), Input: spec.Input{Shape: slices.Clone(in)}, Layers: layers}
	if c.opt.SwapHW {
		if err := c.swapHW(s, ps); err != nil {
			return nil, err
		}
	}
	res, err := c.finish(ctx, s, ps)
	if err != nil && len(c.opt.InputShape) == 0 && !isRefused(err) {
		return nil, fmt.Errorf("%w (the input shape %v was inferred from the first layer; pass --input-shape, e.g. T,F for a sequence of T steps)", err, in)
	}
	return res, err
}

// name returns the spec name.
func (c *converter) name() string {
	if c.opt.Name != "" {
		return c.opt.Name
	}
	b := []byte("flux-")
	for _, r := range c.key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b = append(b, byte(r))
		default:
			b = append(b, '_')
		}
	}
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}

// placeholder is a syntactically valid weights reference used for analysis
// before the weights file exists.
var placeholder = spec.WeightsRef{SHA256: strings.Repeat("0", 64), Bytes: 8, DType: "float32"}

// finish analyses the spec, names the tensors after the analysed
// parameters (same pre-order), and checks every shape.
func (c *converter) finish(ctx context.Context, s *spec.Spec, ps []*param) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.Weights = placeholder
	spec.Resolve(s)
	a, err := spec.Analyze(s, c.lim)
	if err != nil {
		return nil, fmt.Errorf("flux: the converted spec does not check: %w", err)
	}
	if err := c.checkLambdas(a); err != nil {
		return nil, err
	}
	if len(a.Params) != len(ps) {
		return nil, modelgate.Errorf(modelgate.EINTERNAL, "file", "param-count", "converted %d tensors, the spec expects %d", len(ps), len(a.Params))
	}
	ts := make([]safetensors.Tensor, len(ps))
	for i, p := range ps {
		want := a.Params[i]
		if !sameShape(p.shape, want.Shape) {
			return nil, modelgate.Errorf(modelgate.EINVALID, p.from, "shape-mismatch",
				"tensor %s has shape %v, the model needs %v", want.Name, p.shape, want.Shape)
		}
		ts[i] = safetensors.F32(want.Name, p.shape, p.data)
	}
	s.Weights = spec.WeightsRef{}
	return &Result{Spec: s, Tensors: ts, Notes: c.notes}, nil
}

func sameShape(a []int64, b spec.Shape) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != int64(b[i]) {
			return false
		}
	}
	return true
}

// checkLambdas checks each flatten lambda's N against its input rank: N
// must be the batch dimension, per-sample rank + 1.
func (c *converter) checkLambdas(a *spec.Analysis) error {
	for _, l := range c.lambdas {
		for _, info := range a.Layers {
			if info.Layer != l.layer {
				continue
			}
			if l.n != len(info.In)+1 {
				return layoutErr(l.at, "the lambda reshape(x, :, size(x, %d)) gets a %d-dimensional input (with the batch): it is not a flatten here", l.n, len(info.In)+1)
			}
		}
	}
	return nil
}

// isRefused reports whether err is a scan refusal.
func isRefused(err error) bool {
	var r *RefusedError
	return errors.As(err, &r)
}
