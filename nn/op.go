package nn

import "context"

// op is one bound layer, ready to run. Ops are immutable after binding and
// safe for concurrent use: all per-call state lives in the slices passed in.
type op interface {
	// forward computes the layer for a batch of n samples. in holds
	// n*prod(In) elements and out n*prod(Out) elements (the layer's
	// per-sample shapes from spec.LayerInfo); out is fully overwritten.
	// forward checks ctx between long steps and returns ctx.Err() when done.
	forward(ctx context.Context, n int, in, out []float32) error
}

// params hands a layer constructor its bound parameter tensors, already
// converted to float32 and checked against the shapes spec.Analyze expects.
type params interface {
	// get returns the data of the parameter NAME of the layer being bound
	// (e.g. "weight"); the slice must not be modified.
	get(name string) []float32
}
