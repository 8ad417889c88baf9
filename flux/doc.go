// Package flux converts legacy Flux.jl models saved with BSON.jl into
// modelgate specs and weights, without running anything from the file.
//
// [Convert] scans the file first (package scan) and refuses it, returning
// the report, on any critical or high finding. It then maps each
// allow-listed layer layout of Flux 0.6 to 0.16 (see
// shared/reference/bsonjl-and-flux.md §4 and docs/flux.md) to spec layers
// and row-major float32 tensors:
//
//   - Dense, RNN/LSTM/GRU weights (out, in) in column-major memory are the
//     row-major [in, out] bytes: they are transposed to [out, in];
//   - Conv, DepthwiseConv and ConvTranspose weights (kW, kH, Cin, Cout) are
//     the row-major [Cout, Cin, kH, kW] bytes; Flux's Conv, DepthwiseConv
//     and ConvTranspose are true convolutions, so both spatial axes are
//     flipped (CrossCor is not flipped);
//   - Julia's per-axis tuples start at W (dimension 1): stride, dilation,
//     kernel and pool sizes are reversed, and padding (lo_W, hi_W, lo_H,
//     hi_H) becomes [top, bottom, left, right];
//   - Embedding (embed, vocab) is already the row-major [vocab, embed];
//   - Float64 and Float16 weights are converted to float32 (noted);
//   - bias = false in all three encodings (Flux.Zeros with a size, the
//     Flux.Zeros singleton, the boolean false) becomes bias: false.
//
// Flux files do not store the input shape: it is taken from
// [Options.InputShape], or inferred when the first layer with weights is a
// Dense ([in]), a recurrent layer ([1, in]: one time step) or an
// Embedding ([1]). Convolutional models need the option.
//
// Weights-only files (a Vector of arrays or Zygote.Params) are converted
// with [Options.Arch]: the arrays are matched to the architecture's
// parameters in Flux params(model) order with exact shape checks.
package flux
