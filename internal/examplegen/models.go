package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// example is one generated package: its spec, weights and a sample input.
type example struct {
	spec    *spec.Spec
	tensors []safetensors.Tensor
	input   [][]float32 // samples, each flattened row-major
}

// seed returns the fixed PCG generator of an example.
func seed(n uint64) *rand.Rand { return rand.New(rand.NewPCG(0x6d6f64656c676174, n)) }

// xavier returns n values uniform in ±sqrt(6/(fanIn+fanOut)).
func xavier(r *rand.Rand, n, fanIn, fanOut int) []float32 {
	a := math.Sqrt(6 / float64(fanIn+fanOut))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32((2*r.Float64() - 1) * a)
	}
	return v
}

func dense(units int, act spec.Activation) *spec.Dense {
	return &spec.Dense{Units: units, Bias: true, Act: spec.Act{Activation: act}}
}

func newSpec(name, desc string, input []int, layers ...spec.Layer) *spec.Spec {
	return &spec.Spec{
		Format:      spec.FormatV1,
		Name:        name,
		Description: desc,
		Input:       spec.Input{Shape: input, DType: "float32"},
		Layers:      layers,
		Weights:     spec.WeightsRef{DType: "float32"},
	}
}

// mnistMLP trains the 784-256-128-10 classifier on the MNIST sample in dir.
func mnistMLP(dir string, epochs int) (*example, error) {
	d, err := loadMNIST(dir)
	if err != nil {
		return nil, err
	}
	train, test := d.split()
	r := seed(1)
	m := newMLP(r, 784, 256, 128, 10)
	m.train(r, train, epochs, 10, 0.05)
	acc := m.accuracy(test)
	s := newSpec("mnist-mlp",
		fmt.Sprintf("MNIST digit classifier, a 784-256-128-10 MLP trained by internal/examplegen with plain SGD "+
			"on 900 digits; %.0f%% correct on the 100 held-out digits. Input: 28x28 pixels in [0, 1], row-major.", acc*100),
		[]int{784},
		dense(256, spec.ActReLU), dense(128, spec.ActReLU), dense(10, spec.ActIdentity), &spec.Softmax{Axis: -1})
	s.Metadata = map[string]string{"task": "mnist digits", "held_out_accuracy": fmt.Sprintf("%.2f", acc)}
	ex := &example{spec: s}
	for l := range m.w {
		in, out := int64(m.sizes[l]), int64(m.sizes[l+1])
		ex.tensors = append(ex.tensors,
			safetensors.F32(fmt.Sprintf("layers.%d.weight", l), []int64{out, in}, float32s(m.w[l])),
			safetensors.F32(fmt.Sprintf("layers.%d.bias", l), []int64{out}, float32s(m.b[l])))
	}
	// The first ten held-out digits: 0, 1, ..., 9 in order.
	ex.input = test.images[:10]
	return ex, nil
}

// smallCNN is a seeded-random convolutional classifier for [1, 28, 28].
func smallCNN(mnistDir string) (*example, error) {
	r := seed(2)
	s := newSpec("small-cnn",
		"A small convolutional network for 28x28 grey images with seeded random (Xavier) weights: "+
			"conv 8 3x3, max pool, conv 16 3x3, max pool, flatten, dense 10, softmax. Untrained.",
		[]int{1, 28, 28},
		&spec.Conv{Filters: 8, Kernel: []int{3, 3}, Padding: []int{1, 1}, Groups: 1, Bias: true, Act: spec.Act{Activation: spec.ActReLU}},
		&spec.MaxPool{Kernel: []int{2, 2}},
		&spec.Conv{Filters: 16, Kernel: []int{3, 3}, Padding: []int{1, 1}, Groups: 1, Bias: true, Act: spec.Act{Activation: spec.ActReLU}},
		&spec.MaxPool{Kernel: []int{2, 2}},
		&spec.Flatten{},
		dense(10, spec.ActIdentity),
		&spec.Softmax{Axis: -1})
	ex := &example{spec: s}
	ex.tensors = []safetensors.Tensor{
		safetensors.F32("layers.0.weight", []int64{8, 1, 3, 3}, xavier(r, 8*9, 9, 8*9)),
		safetensors.F32("layers.0.bias", []int64{8}, xavier(r, 8, 9, 8*9)),
		safetensors.F32("layers.2.weight", []int64{16, 8, 3, 3}, xavier(r, 16*8*9, 8*9, 16*9)),
		safetensors.F32("layers.2.bias", []int64{16}, xavier(r, 16, 8*9, 16*9)),
		safetensors.F32("layers.5.weight", []int64{10, 784}, xavier(r, 10*784, 784, 10)),
		safetensors.F32("layers.5.bias", []int64{10}, make([]float32, 10)),
	}
	d, err := loadMNIST(mnistDir)
	if err != nil {
		return nil, err
	}
	_, test := d.split()
	ex.input = [][]float32{test.images[0], test.images[1]}
	return ex, nil
}

// lstm is a seeded-random sequence model: [20, 8] -> LSTM 32 -> dense 4.
func lstm() *example {
	r := seed(3)
	const t, f, h = 20, 8, 32
	s := newSpec("lstm",
		"A sequence model with seeded random (Xavier) weights: 20 steps of 8 features, an LSTM with "+
			"32 hidden units (last state), then dense 4. Untrained.",
		[]int{t, f},
		&spec.LSTM{Hidden: h},
		dense(4, spec.ActIdentity))
	bias := make([]float32, 4*h)
	for i := h; i < 2*h; i++ {
		bias[i] = 1 // forget gate
	}
	ex := &example{spec: s}
	ex.tensors = []safetensors.Tensor{
		safetensors.F32("layers.0.weight_ih", []int64{4 * h, f}, xavier(r, 4*h*f, f, 4*h)),
		safetensors.F32("layers.0.weight_hh", []int64{4 * h, h}, xavier(r, 4*h*h, h, 4*h)),
		safetensors.F32("layers.0.bias", []int64{4 * h}, bias),
		safetensors.F32("layers.1.weight", []int64{4, h}, xavier(r, 4*h, h, 4)),
		safetensors.F32("layers.1.bias", []int64{4}, make([]float32, 4)),
	}
	for range 2 {
		x := make([]float32, t*f)
		for i := range x {
			x[i] = float32(math.Round((2*r.Float64()-1)*1000) / 1000)
		}
		ex.input = append(ex.input, x)
	}
	return ex
}
