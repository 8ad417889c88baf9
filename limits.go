package modelgate

// Default budgets. They are large enough for a ResNet-50 class model
// (25.6 M parameters, 4.1 GFLOPs and ~30 MiB of activations per 224×224
// sample) and small enough that a hostile file cannot make a loader allocate
// more than a few GiB.
const (
	MaxSpecBytes       = 4 << 20   // 4 MiB of model.json / model.yaml
	MaxDepth           = 32        // nesting depth of JSON/YAML values (objects and arrays)
	MaxLayers          = 4096      // layers in a model, nested ones included
	MaxTensors         = 16384     // tensors in a weights file
	MaxParams          = 2 << 30   // parameters (float32 elements) in a model: 8 GiB as float32
	MaxHeaderBytes     = 100 << 20 // 100 MiB safetensors JSON header (the reference loader's cap)
	MaxWeightsBytes    = 16 << 30  // 16 GiB weights file
	MaxActivationBytes = 1 << 30   // 1 GiB of float32 activations per sample (largest live tensor)
	MaxFLOPs           = 1 << 40   // ~1.1 TFLOP per sample
	MaxBatch           = 4096      // samples in one Predict call
	MaxRank            = 8         // axes in any shape
	MaxDim             = 1 << 31   // size of one axis
	MaxSequence        = 1 << 20   // time steps in one sequence
	MaxInputBytes      = 1 << 30   // bytes of one prediction input (JSON or .npy)
)

// Limits are the budgets enforced while reading, validating, binding and
// running a model. The zero value of a field means "use the default"; use
// [DefaultLimits] and tighten fields as needed.
type Limits struct {
	SpecBytes       int64 // bytes of the spec document
	Depth           int   // nesting depth of spec values
	Layers          int   // layers in a model, nested included
	Tensors         int   // tensors in the weights file
	Params          int64 // total parameters
	HeaderBytes     int64 // safetensors header bytes
	WeightsBytes    int64 // weights file bytes
	ActivationBytes int64 // largest live activation per sample, in bytes
	FLOPs           int64 // floating-point operations per sample
	Batch           int   // samples per Predict call
	InputBytes      int64 // bytes of one prediction input document
}

// DefaultLimits returns the documented default budgets.
func DefaultLimits() Limits {
	return Limits{
		SpecBytes:       MaxSpecBytes,
		Depth:           MaxDepth,
		Layers:          MaxLayers,
		Tensors:         MaxTensors,
		Params:          MaxParams,
		HeaderBytes:     MaxHeaderBytes,
		WeightsBytes:    MaxWeightsBytes,
		ActivationBytes: MaxActivationBytes,
		FLOPs:           MaxFLOPs,
		Batch:           MaxBatch,
		InputBytes:      MaxInputBytes,
	}
}

// OrDefault returns l with every zero or negative field replaced by its
// default.
func (l Limits) OrDefault() Limits {
	d := DefaultLimits()
	if l.SpecBytes <= 0 {
		l.SpecBytes = d.SpecBytes
	}
	if l.Depth <= 0 {
		l.Depth = d.Depth
	}
	if l.Layers <= 0 {
		l.Layers = d.Layers
	}
	if l.Tensors <= 0 {
		l.Tensors = d.Tensors
	}
	if l.Params <= 0 {
		l.Params = d.Params
	}
	if l.HeaderBytes <= 0 {
		l.HeaderBytes = d.HeaderBytes
	}
	if l.WeightsBytes <= 0 {
		l.WeightsBytes = d.WeightsBytes
	}
	if l.ActivationBytes <= 0 {
		l.ActivationBytes = d.ActivationBytes
	}
	if l.FLOPs <= 0 {
		l.FLOPs = d.FLOPs
	}
	if l.Batch <= 0 {
		l.Batch = d.Batch
	}
	if l.InputBytes <= 0 {
		l.InputBytes = d.InputBytes
	}
	return l
}
