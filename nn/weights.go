package nn

import "context"

// Weights is a source of named tensors, as held in a weights file.
// *safetensors.File satisfies it; nn never imports a reader.
type Weights interface {
	// TensorNames returns the names of every tensor, sorted.
	TensorNames() []string
	// TensorInfo returns the dtype ("F32", "F16", "BF16", "F64", or any other
	// safetensors dtype name) and the shape of the named tensor.
	TensorInfo(name string) (dtype string, shape []int64, ok bool)
	// ReadFloat32 reads the named tensor, converted to float32, into dst,
	// which has exactly as many elements as the tensor.
	ReadFloat32(ctx context.Context, name string, dst []float32) error
}

// Tensor is a dense float32 array, row-major; for Predict the first axis is
// the batch.
type Tensor struct {
	Shape []int
	Data  []float32
}
