package nn

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

// mnistMLP is the 784-1024-1024-10 MLP of the benchmarks.
func mnistMLP() *spec.Spec {
	relu := spec.Act{Activation: spec.ActReLU}
	return testSpec([]int{784},
		&spec.Dense{Units: 1024, Bias: true, Act: relu},
		&spec.Dense{Units: 1024, Bias: true, Act: relu},
		&spec.Dense{Units: 10, Bias: true},
		&spec.Softmax{Axis: -1},
	)
}

// benchCNN is a small LeNet/ResNet-style CNN on 3×32×32 images.
func benchCNN() *spec.Spec {
	relu := spec.Act{Activation: spec.ActReLU}
	conv := func(f, k, s, g int) *spec.Conv {
		p := k / 2
		return &spec.Conv{Filters: f, Kernel: []int{k, k}, Stride: []int{s, s}, Padding: []int{p, p, p, p},
			Groups: g, Bias: true, Act: relu}
	}
	return testSpec([]int{3, 32, 32},
		conv(32, 3, 1, 1),
		&spec.BatchNorm{Eps: 1e-5, Affine: true},
		conv(64, 3, 2, 1),
		&spec.Skip{Combine: spec.CombineAdd, Layers: spec.Layers{conv(64, 3, 1, 64), conv(64, 1, 1, 1)}},
		&spec.MaxPool{Kernel: []int{2, 2}},
		conv(128, 3, 1, 1),
		&spec.GlobalMeanPool{},
		&spec.Flatten{},
		&spec.Dense{Units: 10, Bias: true},
		&spec.Softmax{Axis: -1},
	)
}

// benchModel binds s and benchmarks Predict on a batch of n, reporting
// GFLOP/s from the analysis FLOP count.
func benchModel(b *testing.B, s *spec.Spec, n, threads int) {
	bd := mustBind(b, s, 1, threads)
	in := Tensor{Shape: append([]int{n}, bd.a.Input...), Data: randData(n*int(bd.a.Input.Elements()), 2)}
	ctx := context.Background()
	flops := float64(bd.a.TotalFLOPs) * float64(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := bd.m.Predict(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	if ns := b.Elapsed().Nanoseconds(); ns > 0 {
		b.ReportMetric(flops*float64(b.N)/float64(ns), "GFLOP/s")
	}
}

// benchThreads runs fn for 1 thread and for GOMAXPROCS threads.
func benchThreads(b *testing.B, name string, s *spec.Spec, n int) {
	for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("%s/n=%d/threads=%d", name, n, th), func(b *testing.B) { benchModel(b, s, n, th) })
		if runtime.GOMAXPROCS(0) == 1 {
			break
		}
	}
}

func BenchmarkMNISTMLP(b *testing.B) {
	for _, n := range []int{1, 64} {
		benchThreads(b, "mlp", mnistMLP(), n)
	}
}

func BenchmarkSmallCNN(b *testing.B) {
	for _, n := range []int{1, 16} {
		benchThreads(b, "cnn", benchCNN(), n)
	}
}

func BenchmarkDense(b *testing.B) {
	benchThreads(b, "1024x1024", testSpec([]int{1024}, &spec.Dense{Units: 1024, Bias: true}), 64)
	benchThreads(b, "seq64x256", testSpec([]int{64, 256}, &spec.Dense{Units: 256, Bias: true}), 8)
}

func BenchmarkConv2D(b *testing.B) {
	conv := func(c, h, f, k, s, g int) *spec.Spec {
		p := k / 2
		return testSpec([]int{c, h, h}, &spec.Conv{Filters: f, Kernel: []int{k, k}, Stride: []int{s, s},
			Padding: []int{p, p, p, p}, Groups: g, Bias: true})
	}
	benchThreads(b, "3x3-64ch-56", conv(64, 56, 64, 3, 1, 1), 1)
	benchThreads(b, "3x3-128ch-14", conv(128, 14, 128, 3, 1, 1), 8)
	benchThreads(b, "7x7s2-3ch-224", conv(3, 224, 64, 7, 2, 1), 1)
	benchThreads(b, "1x1-256ch-28", conv(256, 28, 64, 1, 1, 1), 1)
	benchThreads(b, "depthwise3x3-128ch-28", conv(128, 28, 128, 3, 1, 128), 1)
}

func BenchmarkConv1D(b *testing.B) {
	s := testSpec([]int{64, 1024}, &spec.Conv{Filters: 64, Kernel: []int{5}, Padding: []int{2, 2}, Groups: 1, Bias: true})
	benchThreads(b, "k5-64ch-1024", s, 4)
}

func BenchmarkConvTranspose(b *testing.B) {
	s := testSpec([]int{64, 28, 28}, &spec.ConvTranspose{Filters: 32, Kernel: []int{4, 4}, Stride: []int{2, 2},
		Padding: []int{1, 1, 1, 1}, Groups: 1, Bias: true})
	benchThreads(b, "4x4s2-64ch-28", s, 1)
}

func BenchmarkPool(b *testing.B) {
	in := []int{64, 56, 56}
	benchThreads(b, "max3x3s2", testSpec(in, &spec.MaxPool{Kernel: []int{3, 3}, Stride: []int{2, 2}, Padding: []int{1, 1, 1, 1}}), 4)
	benchThreads(b, "mean2x2", testSpec(in, &spec.MeanPool{Kernel: []int{2, 2}, CountPadding: true}), 4)
	benchThreads(b, "global-mean", testSpec(in, &spec.GlobalMeanPool{}), 4)
	benchThreads(b, "global-max", testSpec(in, &spec.GlobalMaxPool{}), 4)
	benchThreads(b, "adaptive-mean-7x7", testSpec(in, &spec.AdaptiveMeanPool{Output: []int{7, 7}}), 4)
}

func BenchmarkNorm(b *testing.B) {
	in := []int{64, 56, 56}
	benchThreads(b, "batchnorm", testSpec(in, &spec.BatchNorm{Eps: 1e-5, Affine: true}), 4)
	benchThreads(b, "groupnorm", testSpec(in, &spec.GroupNorm{Groups: 8, Eps: 1e-5, Affine: true}), 4)
	benchThreads(b, "instancenorm", testSpec(in, &spec.InstanceNorm{Eps: 1e-5, Affine: true}), 4)
	benchThreads(b, "layernorm", testSpec([]int{128, 768}, &spec.LayerNorm{Dims: 1, Eps: 1e-5, Affine: true}), 4)
}

func BenchmarkSoftmax(b *testing.B) {
	benchThreads(b, "last-axis", testSpec([]int{128, 1000}, &spec.Softmax{Axis: -1}), 4)
	benchThreads(b, "channel-axis", testSpec([]int{21, 64, 64}, &spec.LogSoftmax{Axis: 0}), 4)
}

func BenchmarkSkipParallel(b *testing.B) {
	d := func() spec.Layers { return spec.Layers{&spec.Dense{Units: 256, Bias: true}} }
	benchThreads(b, "skip-add", testSpec([]int{256}, &spec.Skip{Layers: d(), Combine: spec.CombineAdd}), 64)
	benchThreads(b, "parallel-concat", testSpec([]int{256}, &spec.Parallel{Branches: []spec.Layers{d(), d(), {}}, Combine: spec.CombineConcat}), 64)
}
