// Package onnx exports a modelgate model (a spec, its static analysis and
// its weights) as an ONNX model, so that a package reconstructed safely can
// run on any ONNX runtime.
//
// The file is a serialized ModelProto (IR version [IRVersion], default
// domain operator set [Opset], producer [Producer]) written with
// protowire against the public onnx.proto field numbers; no generated code
// and no cgo. The graph has one float input [InputName] of shape
// [N, input...] and one output [OutputName] of shape [N, output...], where
// N is the symbolic batch dimension. Parameters become initializers named
// after the spec's parameters ("layers.0.weight"); tensors that must be
// rearranged for ONNX (transposed dense weights, recurrent gates) get a
// derived name ("layers.0.weight.T", "layers.2.onnx.W").
//
// # Mapping
//
//   - dense: Gemm (transB) for [N, in] inputs, MatMul + Add otherwise;
//   - conv, conv_transpose: Conv, ConvTranspose (spec padding
//     [b0, e0, b1, e1] becomes ONNX pads [b0, b1, e0, e1]);
//   - max_pool, mean_pool: MaxPool, AveragePool (count_include_pad);
//     adaptive pools: the equivalent fixed pool; global pools:
//     GlobalMaxPool, GlobalAveragePool;
//   - batchnorm, layernorm, instancenorm: BatchNormalization,
//     LayerNormalization, InstanceNormalization; groupnorm: Reshape to
//     [N, G, -1], InstanceNormalization, Reshape back, per-channel Mul/Add;
//   - flatten: Flatten (axis 1); reshape: Reshape; softmax, logsoftmax:
//     Softmax, LogSoftmax (per-sample axis a >= 0 becomes a+1);
//   - activations: the ONNX operator where one exists (Relu, LeakyRelu,
//     Elu, Selu, Celu, Sigmoid, HardSigmoid(1/6, 0.5), Tanh, Softplus,
//     Softsign, Clip for relu6 and hardtanh), otherwise an exact expansion
//     (gelu, swish, mish, logsigmoid, tanhshrink);
//   - dropout: nothing (identity at inference); embedding: Cast to int64 and
//     Gather; upsample: Resize (nearest/floor/asymmetric, or linear with
//     align_corners or half_pixel);
//   - skip, parallel: the branches, then Add/Mul chains or Concat;
//   - rnn, lstm, gru: RNN, LSTM, GRU between Transposes to ONNX's
//     time-first layout, gates reordered (LSTM i,f,c,o to ONNX i,o,f,c; GRU
//     r,z,n to z,r,h), the single bias as Wb with Rb = 0, GRU v1 as
//     linear_before_reset = 1 and v3 as 0; initial states are expanded to
//     the batch.
//
// Whatever ONNX cannot express (an RNN activation outside ONNX's RNN list)
// is refused with modelgate.EUNSUPPORTED and rule "onnx-unsupported".
package onnx
