package models

import "fmt"

// Case is one benchmark model at one batch size.
type Case struct {
	Name  string
	Batch int
	Build func() (*Model, error)
}

// MLP is the MNIST MLP 784-1024-1024-10 with a softmax.
func MLP() (*Model, error) {
	return FromJSON("mnist-mlp", []int{784}, `[
		{"type":"dense","units":1024,"activation":"relu"},
		{"type":"dense","units":1024,"activation":"relu"},
		{"type":"dense","units":10},
		{"type":"softmax"}]`, 1)
}

// LeNet5 is LeNet-5 on [1, 32, 32] with ReLU and max pooling.
func LeNet5() (*Model, error) {
	return FromJSON("lenet5", []int{1, 32, 32}, `[
		{"type":"conv","filters":6,"kernel":[5,5],"activation":"relu"},
		{"type":"max_pool","kernel":[2,2]},
		{"type":"conv","filters":16,"kernel":[5,5],"activation":"relu"},
		{"type":"max_pool","kernel":[2,2]},
		{"type":"flatten"},
		{"type":"dense","units":120,"activation":"relu"},
		{"type":"dense","units":84,"activation":"relu"},
		{"type":"dense","units":10},
		{"type":"softmax"}]`, 2)
}

// convBN is a 3x3 (or 1x1) convolution without bias followed by batchnorm.
func convBN(filters, k, stride int, act string) string {
	p := k / 2
	return fmt.Sprintf(`{"type":"conv","filters":%d,"kernel":[%d,%d],"stride":[%d,%d],"padding":[%d,%d],"bias":false},
		{"type":"batchnorm","activation":%q}`, filters, k, k, stride, stride, p, p, act)
}

// block is a basic residual block; with down, the shortcut is a strided
// 1x1 convolution and batchnorm.
func block(filters int, down bool) string {
	if !down {
		return fmt.Sprintf(`{"type":"skip","combine":"add","layers":[%s,%s]},{"type":"activation","activation":"relu"}`,
			convBN(filters, 3, 1, "relu"), convBN(filters, 3, 1, "identity"))
	}
	return fmt.Sprintf(`{"type":"parallel","combine":"add","branches":[[%s,%s],[%s]]},{"type":"activation","activation":"relu"}`,
		convBN(filters, 3, 2, "relu"), convBN(filters, 3, 1, "identity"), convBN(filters, 1, 2, "identity"))
}

// ResNet is a small CIFAR-style ResNet on [3, 32, 32]: a 16-channel stem,
// residual stages of 16, 32 and 64 channels (two blocks each, the later
// stages starting with a strided projection block), global average
// pooling and a dense classifier.
func ResNet() (*Model, error) {
	layers := "[" + convBN(16, 3, 1, "relu") + "," +
		block(16, false) + "," + block(16, false) + "," +
		block(32, true) + "," + block(32, false) + "," +
		block(64, true) + "," + block(64, false) + "," +
		`{"type":"global_mean_pool"},{"type":"flatten"},{"type":"dense","units":10}]`
	return FromJSON("resnet-small", []int{3, 32, 32}, layers, 3)
}

// LSTM is an LSTM over T = 50 steps of 64 features with hidden size 256,
// followed by a dense classifier on the last state.
func LSTM() (*Model, error) {
	return FromJSON("lstm", []int{50, 64}, `[
		{"type":"lstm","hidden":256},
		{"type":"dense","units":10}]`, 4)
}

// GEMM is an n×n×n matrix product expressed as a dense layer without bias
// on one [n, n] sample (ONNX: MatMul with a constant B).
func GEMM(n int) (*Model, error) {
	return FromJSON(fmt.Sprintf("gemm-%d", n), []int{n, n}, fmt.Sprintf(`[{"type":"dense","units":%d,"bias":false}]`, n), uint64(10+n))
}

// Cases lists the model benchmarks in table order.
func Cases() []Case {
	return []Case{
		{"mnist-mlp", 1, MLP}, {"mnist-mlp", 64, MLP},
		{"lenet5", 1, LeNet5}, {"lenet5", 32, LeNet5},
		{"resnet-small", 1, ResNet}, {"resnet-small", 32, ResNet},
		{"lstm", 16, LSTM},
	}
}
