// Package spec defines modelgate's declarative model spec, version 1, and its
// strict decoder, validator and static shape inference.
//
// A spec names a closed set of layer types and activations; it holds no code,
// no file paths and no URLs. Decoding is strict (see [Parse]) and every
// numeric field has a documented valid range. [Analyze] infers every layer's
// output shape, parameter tensors, FLOPs and activation memory before any
// weight is read, and enforces the [modelgate.Limits] budgets.
//
// # Conventions
//
// Shapes are per sample: the batch axis is implicit and comes first at run
// time. Arrays are row-major. Images are [C, H, W] (NCHW with the batch),
// 1-D signals [C, L], sequences [T, F]. These are the same bytes as Flux's
// WHCN / (F, T, N) column-major arrays.
//
// # Parameter names
//
// Parameter tensors are named from the layer's position: the top-level layer
// i owns "layers.i.NAME"; a layer nested in a skip layer at position j owns
// "layers.i.layers.j.NAME"; a layer at position j of branch b of a parallel
// layer owns "layers.i.branches.b.j.NAME". NAME is one of the names each
// layer type documents (weight, bias, scale, mean, var, weight_ih, ...).
//
// # Defaults
//
// Decoding starts from each layer type's defaults (see [NewLayer]) and
// overwrites the members present in the document; after [Parse] every field
// holds its effective value, and [Marshal] writes them all, so the canonical
// form is fully explicit.
//
// # Decoding rules
//
// [ParseJSON] refuses: documents over Limits.SpecBytes; invalid UTF-8; anything
// but one JSON object (trailing data, comments); duplicate member names at
// any depth; unknown or wrong-case member names; null; nesting deeper than
// Limits.Depth; more than 8×Limits.Layers+256 objects and arrays or
// 64×Limits.Layers+4096 tokens; number literals over 32 bytes or outside
// float64; anything but an integer literal where an integer is expected
// (3.0, 1e3, "3" and true are refused); a missing or unknown layer type.
// [ParseYAML] adds the YAML rules (one document; no anchors, aliases, merge
// keys or custom tags; YAML 1.2 core scalars where only true and false are
// booleans) and then runs the JSON path. [Validate] checks every range,
// [Analyze] every shape and budget.
//
// # Errors
//
// Every function returns a [modelgate.Problems] whose elements are
// *[modelgate.Error] values with Code (EINVALID, EUNSUPPORTED or ELIMIT),
// Where (a JSON pointer such as "/layers/2/stride/0", or "byte N"), a stable
// kebab-case Rule ("duplicate-key", "unknown-member", "type-mismatch",
// "out-of-range", "shape-mismatch", ...) and a Message. The reference for
// users is docs/format.md.
package spec

// FormatV1 is the value of the "format" member of a version 1 spec.
const FormatV1 = "modelgate/v1"

// Spec is a model: an input shape, a sequential list of layers and a
// reference to the weights.
type Spec struct {
	Format      string            `json:"format"`               // must be FormatV1
	Name        string            `json:"name"`                 // 1..128 chars of [A-Za-z0-9._-], starting with a letter or digit
	Description string            `json:"description,omitzero"` // free text, at most 4096 bytes
	Input       Input             `json:"input"`                // per-sample input
	Layers      Layers            `json:"layers"`               // at least one layer
	Weights     WeightsRef        `json:"weights"`              // digest of weights.safetensors
	Metadata    map[string]string `json:"metadata,omitzero"`    // at most 64 entries; keys 1..128 bytes, values at most 4096 bytes
	Source      *Source           `json:"source,omitzero"`      // provenance, when converted
}

// Input describes one sample of the model's input.
type Input struct {
	Shape []int  `json:"shape"` // per-sample shape; rank 1..MaxRank, every dim >= 1
	DType string `json:"dtype"` // "float32" (the only value in v1; default)
}

// WeightsRef binds the spec to its weights file.
type WeightsRef struct {
	SHA256 string `json:"sha256"` // 64 lowercase hex digits: SHA-256 of weights.safetensors
	Bytes  int64  `json:"bytes"`  // exact size of weights.safetensors, >= 8
	DType  string `json:"dtype"`  // dtype every tensor must have: "float32" (default), "float16", "bfloat16" or "float64"
}

// Source records where a converted model came from. It holds digests and
// version strings only: never a path or URL.
type Source struct {
	Format      string   `json:"format"`                // "flux-bson"
	SHA256      string   `json:"sha256"`                // SHA-256 of the original file, 64 lowercase hex digits
	Bytes       int64    `json:"bytes"`                 // size of the original file
	Key         string   `json:"key,omitzero"`          // top-level key the model was read from
	FluxVersion string   `json:"flux_version,omitzero"` // detected Flux version range, e.g. ">=0.13, <0.15"
	Converter   string   `json:"converter,omitzero"`    // modelgate version that converted it
	Notes       []string `json:"notes,omitzero"`        // what the converter did that a user should know
}

// Type names a layer type. The set is closed: a layer whose "type" is not one
// of these constants is refused.
type Type string

// The layer types of spec v1.
const (
	TypeDense            Type = "dense"
	TypeConv             Type = "conv"
	TypeConvTranspose    Type = "conv_transpose"
	TypeMaxPool          Type = "max_pool"
	TypeMeanPool         Type = "mean_pool"
	TypeGlobalMaxPool    Type = "global_max_pool"
	TypeGlobalMeanPool   Type = "global_mean_pool"
	TypeAdaptiveMaxPool  Type = "adaptive_max_pool"
	TypeAdaptiveMeanPool Type = "adaptive_mean_pool"
	TypeBatchNorm        Type = "batchnorm"
	TypeLayerNorm        Type = "layernorm"
	TypeGroupNorm        Type = "groupnorm"
	TypeInstanceNorm     Type = "instancenorm"
	TypeDropout          Type = "dropout"
	TypeEmbedding        Type = "embedding"
	TypeFlatten          Type = "flatten"
	TypeReshape          Type = "reshape"
	TypeSoftmax          Type = "softmax"
	TypeLogSoftmax       Type = "logsoftmax"
	TypeActivation       Type = "activation"
	TypeUpsample         Type = "upsample"
	TypeSkip             Type = "skip"
	TypeParallel         Type = "parallel"
	TypeRNN              Type = "rnn"
	TypeLSTM             Type = "lstm"
	TypeGRU              Type = "gru"
)

// Layer is one layer of a spec. The concrete types are the pointer types
// below (*Dense, *Conv, ...); switch on them.
type Layer interface {
	// LayerType returns the layer's "type" member.
	LayerType() Type
}

// Layers is a sequential list of layers. Its JSON form is an array of
// objects, each with a "type" member that selects the concrete type.
type Layers []Layer

// Activation names an element-wise activation function. The set is closed.
type Activation string

// The activations of spec v1 (NNlib's set). Formulas are in docs/format.md.
const (
	ActIdentity    Activation = "identity"
	ActReLU        Activation = "relu"
	ActReLU6       Activation = "relu6"
	ActLeakyReLU   Activation = "leakyrelu" // x > 0 ? x : alpha*x; alpha default 0.01
	ActELU         Activation = "elu"       // x > 0 ? x : alpha*(exp(x)-1); alpha default 1
	ActSELU        Activation = "selu"
	ActCELU        Activation = "celu"      // max(0,x) + min(0, alpha*(exp(x/alpha)-1)); alpha default 1
	ActGELUTanh    Activation = "gelu_tanh" // NNlib gelu (tanh approximation)
	ActGELUErf     Activation = "gelu_erf"  // exact gelu with erf
	ActSwish       Activation = "swish"     // x*sigmoid(x)
	ActSiLU        Activation = "silu"      // same function as swish
	ActSigmoid     Activation = "sigmoid"
	ActHardSigmoid Activation = "hardsigmoid" // NNlib hardσ: clamp((x+3)/6, 0, 1)
	ActLogSigmoid  Activation = "logsigmoid"
	ActTanh        Activation = "tanh"
	ActHardTanh    Activation = "hardtanh" // clamp(x, -1, 1)
	ActSoftplus    Activation = "softplus"
	ActSoftsign    Activation = "softsign"
	ActMish        Activation = "mish"
	ActTanhShrink  Activation = "tanhshrink" // x - tanh(x)
)

// Act is the activation part of layers that have one. Alpha is used by
// leakyrelu, elu and celu only (finite; > 0 for elu and celu; >= 0 for
// leakyrelu) and must be absent or zero for every other activation; after
// Parse it holds the effective value (0.01 or 1) for those three.
type Act struct {
	Activation Activation `json:"activation"`     // default "identity"
	Alpha      float64    `json:"alpha,omitzero"` // see above
}

// Combine names how skip and parallel layers merge their paths.
type Combine string

// The combine modes.
const (
	CombineAdd      Combine = "add"      // element-wise sum; shapes must be equal
	CombineConcat   Combine = "concat"   // concatenation along Axis; other axes must be equal
	CombineMultiply Combine = "multiply" // element-wise product; shapes must be equal
)

// Dense is a fully connected layer applied to the last axis:
// y = act(x·Wᵀ + b). Input [..., in] (rank >= 1), output [..., units].
// Parameters: weight [units, in], bias [units] (when Bias).
type Dense struct {
	Units int  `json:"units"` // >= 1
	Bias  bool `json:"bias"`  // default true
	Act
}

// Conv is a 1-D or 2-D cross-correlation (the PyTorch/ONNX convention: the
// kernel is not flipped). The number of spatial dimensions N is len(Kernel).
// Input [Cin, L] or [Cin, H, W]; output [Filters, L'] or [Filters, H', W'] with
// out = floor((in + pad_begin + pad_end - dilation*(k-1) - 1) / stride) + 1 >= 1.
// Parameters: weight [Filters, Cin/Groups, k...], bias [Filters] (when Bias).
type Conv struct {
	Filters  int   `json:"filters"`  // output channels, >= 1, divisible by Groups
	Kernel   []int `json:"kernel"`   // N = 1 or 2 values, each >= 1
	Stride   []int `json:"stride"`   // N values >= 1; default all 1
	Padding  []int `json:"padding"`  // 2N values >= 0: [begin0, end0, begin1, end1] (for 2-D: top, bottom, left, right); N values mean symmetric; default 0; each < dilated kernel extent
	Dilation []int `json:"dilation"` // N values >= 1; default all 1
	Groups   int   `json:"groups"`   // >= 1, divides Cin and Filters; default 1
	Bias     bool  `json:"bias"`     // default true
	Act
}

// ConvTranspose is a 2-D transposed convolution (ONNX ConvTranspose; PyTorch
// ConvTranspose2d). Input [Cin, H, W]; output [Filters, H', W'] with
// out = (in-1)*stride - pad_begin - pad_end + dilation*(k-1) + output_padding + 1 >= 1.
// Parameters: weight [Cin, Filters/Groups, kH, kW], bias [Filters].
type ConvTranspose struct {
	Filters       int   `json:"filters"`        // >= 1, divisible by Groups
	Kernel        []int `json:"kernel"`         // 2 values >= 1
	Stride        []int `json:"stride"`         // 2 values >= 1; default 1
	Padding       []int `json:"padding"`        // 4 values (or 2, symmetric) >= 0; default 0
	OutputPadding []int `json:"output_padding"` // 2 values, each < max(stride, dilation); default 0
	Dilation      []int `json:"dilation"`       // 2 values >= 1; default 1
	Groups        int   `json:"groups"`         // >= 1, divides Cin and Filters; default 1
	Bias          bool  `json:"bias"`           // default true
	Act
}

// MaxPool is 1-D or 2-D max pooling; padded cells are -Inf. Output size as for
// Conv with dilation 1 (floor). Input [C, L] or [C, H, W].
type MaxPool struct {
	Kernel  []int `json:"kernel"`  // N = 1 or 2 values >= 1
	Stride  []int `json:"stride"`  // N values >= 1; default = Kernel
	Padding []int `json:"padding"` // 2N (or N symmetric) values >= 0, each < kernel; default 0
}

// MeanPool is 1-D or 2-D average pooling. With CountPadding (the default, as
// in NNlib and PyTorch) padded cells count in the divisor, which is then
// always prod(Kernel); without it the divisor is the number of real cells.
type MeanPool struct {
	Kernel       []int `json:"kernel"`
	Stride       []int `json:"stride"`
	Padding      []int `json:"padding"`
	CountPadding bool  `json:"count_padding"` // default true
}

// GlobalMaxPool takes the maximum over every spatial axis:
// [C, d...] -> [C, 1...] (rank kept, as in Flux and ONNX). Input rank >= 2.
type GlobalMaxPool struct{}

// GlobalMeanPool averages over every spatial axis: [C, d...] -> [C, 1...].
type GlobalMeanPool struct{}

// AdaptiveMaxPool pools [C, d...] to [C, Output...] with Flux's rule: per
// axis stride = in / out (integer division) and kernel = in - (out-1)*stride,
// no padding. Requires 1 <= out <= in.
type AdaptiveMaxPool struct {
	Output []int `json:"output"` // one value per spatial axis (1 or 2)
}

// AdaptiveMeanPool is the averaging counterpart of AdaptiveMaxPool.
type AdaptiveMeanPool struct {
	Output []int `json:"output"`
}

// BatchNorm normalises with stored statistics, per channel (axis 0 of the
// per-sample shape): y = act(scale*(x-mean)/sqrt(var+eps) + bias).
// Parameters: scale [C] and bias [C] (when Affine), mean [C], var [C]
// (var >= 0 is checked at bind time).
type BatchNorm struct {
	Eps    float64 `json:"eps"`    // finite, > 0, <= 1; default 1e-5
	Affine bool    `json:"affine"` // default true
	Act
}

// LayerNorm normalises each sample over its last Dims axes, then applies
// scale and bias of the shape of those axes (when Affine), then act.
type LayerNorm struct {
	Dims   int     `json:"dims"`   // 1..rank; default 1
	Eps    float64 `json:"eps"`    // default 1e-5
	Affine bool    `json:"affine"` // default true
	Act
}

// GroupNorm splits the channels (axis 0) into Groups groups and normalises
// each group of each sample with that sample's own statistics, then applies
// per-channel scale and bias (when Affine) and act. Input rank >= 2.
type GroupNorm struct {
	Groups int     `json:"groups"` // >= 1, divides C
	Eps    float64 `json:"eps"`    // default 1e-5
	Affine bool    `json:"affine"` // default true
	Act
}

// InstanceNorm normalises each channel of each sample over its spatial axes
// (per-sample statistics), then per-channel scale and bias (when Affine) and
// act. Input rank >= 2.
type InstanceNorm struct {
	Eps    float64 `json:"eps"`    // default 1e-5
	Affine bool    `json:"affine"` // default false (as in Flux)
	Act
}

// Dropout is the identity at inference.
type Dropout struct {
	Rate float64 `json:"rate"` // 0 <= rate < 1; default 0.5
}

// Embedding maps integer indices to vectors. Input [T] of float32 values that
// must be whole numbers in [0, Vocab) at run time (0-based); output [T, Dim].
// Parameter: weight [Vocab, Dim].
type Embedding struct {
	Vocab int `json:"vocab"` // >= 1
	Dim   int `json:"dim"`   // >= 1
}

// Flatten reshapes [d...] to [prod(d)]; row-major, so [C, H, W] flattens with
// W fastest, exactly as Flux's flatten of a WHCN array.
type Flatten struct{}

// Reshape reshapes to Shape (row-major). One entry may be -1 and is inferred;
// the element count must match exactly.
type Reshape struct {
	Shape []int `json:"shape"` // rank 1..MaxRank; entries >= 1 or a single -1
}

// Softmax normalises along Axis (negative counts from the end).
type Softmax struct {
	Axis int `json:"axis"` // -rank <= axis < rank; default -1
}

// LogSoftmax is log(softmax(x)) computed stably along Axis.
type LogSoftmax struct {
	Axis int `json:"axis"` // default -1
}

// ActivationLayer applies an activation element-wise. Its JSON type is
// "activation".
type ActivationLayer struct {
	Act
}

// Upsample scales the spatial axes of [C, H, W] (or [C, L]) by whole factors.
// Mode "nearest" repeats values; "bilinear" interpolates, with AlignCorners as
// in PyTorch (NNlib's upsample_bilinear uses align_corners = true).
type Upsample struct {
	Scale        []int  `json:"scale"`         // one value per spatial axis, 1..64
	Mode         string `json:"mode"`          // "nearest" (default) or "bilinear"
	AlignCorners bool   `json:"align_corners"` // bilinear only; default false
}

// Skip runs Layers on x and combines the result with x: combine(layers(x), x),
// as Flux's SkipConnection. Layers may be empty (the identity).
type Skip struct {
	Layers  Layers  `json:"layers"`
	Combine Combine `json:"combine"` // required
	Axis    int     `json:"axis"`    // concat only; default 0 (channels)
}

// Parallel runs each branch on x and combines the results in order, as Flux's
// Parallel. An empty branch is the identity. At least one branch.
type Parallel struct {
	Branches []Layers `json:"branches"`
	Combine  Combine  `json:"combine"` // required
	Axis     int      `json:"axis"`    // concat only; default 0
}

// RNN is an Elman recurrent layer over [T, F]:
// h_t = act(W_ih x_t + W_hh h_{t-1} + b). Output [T, Hidden] when
// ReturnSequences, else [Hidden] (the last state).
// Parameters: weight_ih [Hidden, F], weight_hh [Hidden, Hidden], bias [Hidden],
// and h0 [Hidden] when InitialState (else h starts at zero).
type RNN struct {
	Hidden          int  `json:"hidden"`           // >= 1
	ReturnSequences bool `json:"return_sequences"` // default false
	InitialState    bool `json:"initial_state"`    // default false
	Act                  // default tanh
}

// LSTM is a long short-term memory layer in Flux's gate order (input, forget,
// cell, output) over [T, F]: c' = σ(f)c + σ(i)tanh(g); h' = σ(o)tanh(c').
// Parameters: weight_ih [4·Hidden, F], weight_hh [4·Hidden, Hidden],
// bias [4·Hidden], and h0, c0 [Hidden] when InitialState.
type LSTM struct {
	Hidden          int  `json:"hidden"`
	ReturnSequences bool `json:"return_sequences"`
	InitialState    bool `json:"initial_state"`
}

// GRU is a gated recurrent unit in Flux's gate order (reset, update, new) over
// [T, F]. Variant "v1" (Flux GRU): n = tanh(Wi_n x + r·(Wh_n h) + b_n),
// h' = (1-z)·n + z·h, with weight_ih [3H, F], weight_hh [3H, H], bias [3H].
// Variant "v3" (Flux GRUv3): n = tanh(Wi_n x + W_hn (r·h) + b_n), with
// weight_hh [2H, H] for r and z, plus weight_hn [H, H].
// h0 [H] when InitialState.
type GRU struct {
	Hidden          int    `json:"hidden"`
	ReturnSequences bool   `json:"return_sequences"`
	InitialState    bool   `json:"initial_state"`
	Variant         string `json:"variant"` // "v1" (default) or "v3"
}

// LayerType implementations.

// LayerType returns TypeDense.
func (*Dense) LayerType() Type { return TypeDense }

// LayerType returns TypeConv.
func (*Conv) LayerType() Type { return TypeConv }

// LayerType returns TypeConvTranspose.
func (*ConvTranspose) LayerType() Type { return TypeConvTranspose }

// LayerType returns TypeMaxPool.
func (*MaxPool) LayerType() Type { return TypeMaxPool }

// LayerType returns TypeMeanPool.
func (*MeanPool) LayerType() Type { return TypeMeanPool }

// LayerType returns TypeGlobalMaxPool.
func (*GlobalMaxPool) LayerType() Type { return TypeGlobalMaxPool }

// LayerType returns TypeGlobalMeanPool.
func (*GlobalMeanPool) LayerType() Type { return TypeGlobalMeanPool }

// LayerType returns TypeAdaptiveMaxPool.
func (*AdaptiveMaxPool) LayerType() Type { return TypeAdaptiveMaxPool }

// LayerType returns TypeAdaptiveMeanPool.
func (*AdaptiveMeanPool) LayerType() Type { return TypeAdaptiveMeanPool }

// LayerType returns TypeBatchNorm.
func (*BatchNorm) LayerType() Type { return TypeBatchNorm }

// LayerType returns TypeLayerNorm.
func (*LayerNorm) LayerType() Type { return TypeLayerNorm }

// LayerType returns TypeGroupNorm.
func (*GroupNorm) LayerType() Type { return TypeGroupNorm }

// LayerType returns TypeInstanceNorm.
func (*InstanceNorm) LayerType() Type { return TypeInstanceNorm }

// LayerType returns TypeDropout.
func (*Dropout) LayerType() Type { return TypeDropout }

// LayerType returns TypeEmbedding.
func (*Embedding) LayerType() Type { return TypeEmbedding }

// LayerType returns TypeFlatten.
func (*Flatten) LayerType() Type { return TypeFlatten }

// LayerType returns TypeReshape.
func (*Reshape) LayerType() Type { return TypeReshape }

// LayerType returns TypeSoftmax.
func (*Softmax) LayerType() Type { return TypeSoftmax }

// LayerType returns TypeLogSoftmax.
func (*LogSoftmax) LayerType() Type { return TypeLogSoftmax }

// LayerType returns TypeActivation.
func (*ActivationLayer) LayerType() Type { return TypeActivation }

// LayerType returns TypeUpsample.
func (*Upsample) LayerType() Type { return TypeUpsample }

// LayerType returns TypeSkip.
func (*Skip) LayerType() Type { return TypeSkip }

// LayerType returns TypeParallel.
func (*Parallel) LayerType() Type { return TypeParallel }

// LayerType returns TypeRNN.
func (*RNN) LayerType() Type { return TypeRNN }

// LayerType returns TypeLSTM.
func (*LSTM) LayerType() Type { return TypeLSTM }

// LayerType returns TypeGRU.
func (*GRU) LayerType() Type { return TypeGRU }
