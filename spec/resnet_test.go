package spec

import (
	"reflect"
	"testing"

	"github.com/modelgate/modelgate"
)

// resnet50 builds torchvision's ResNet-50 (v1.5: stride on the 3×3 conv) by
// hand, as a Go program would, and resolves it.
func resnet50() *Spec {
	conv := func(f, k, stride, pad int) *Conv {
		return &Conv{Filters: f, Kernel: []int{k, k}, Stride: []int{stride, stride}, Padding: []int{pad, pad}}
	}
	bn := func(act Activation) *BatchNorm {
		return &BatchNorm{Eps: 1e-5, Affine: true, Act: Act{Activation: act}}
	}
	layers := Layers{conv(64, 7, 2, 3), bn(ActReLU), &MaxPool{Kernel: []int{3, 3}, Stride: []int{2, 2}, Padding: []int{1, 1}}}
	in := 64
	for stage, blocks := range []int{3, 4, 6, 3} {
		w := 64 << stage
		for b := 0; b < blocks; b++ {
			stride := 1
			if b == 0 && stage > 0 {
				stride = 2
			}
			main := Layers{conv(w, 1, 1, 0), bn(ActReLU), conv(w, 3, stride, 1), bn(ActReLU), conv(4*w, 1, 1, 0), bn("")}
			if in != 4*w || stride != 1 {
				layers = append(layers, &Parallel{Combine: CombineAdd, Branches: []Layers{main, {conv(4*w, 1, stride, 0), bn("")}}})
			} else {
				layers = append(layers, &Skip{Combine: CombineAdd, Layers: main})
			}
			layers = append(layers, &ActivationLayer{Act: Act{Activation: ActReLU}})
			in = 4 * w
		}
	}
	layers = append(layers, &GlobalMeanPool{}, &Flatten{}, &Dense{Units: 1000, Bias: true})
	s := &Spec{Format: FormatV1, Name: "resnet50", Input: Input{Shape: []int{3, 224, 224}}, Layers: layers,
		Weights: WeightsRef{SHA256: testSHA, Bytes: 102_000_000}}
	setGroups(s.Layers)
	Resolve(s)
	return s
}

func setGroups(ls Layers) {
	for _, l := range ls {
		switch l := l.(type) {
		case *Conv:
			l.Groups = 1
		case *Skip:
			setGroups(l.Layers)
		case *Parallel:
			for _, b := range l.Branches {
				setGroups(b)
			}
		}
	}
}

func TestResNet50(t *testing.T) {
	t.Parallel()
	s := resnet50()
	a, err := Analyze(s, modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// torchvision counts 25,557,032 trainable parameters; BatchNorm running
	// statistics are parameters here too.
	var stats int64
	for _, p := range a.Params {
		if n := p.Name; len(n) > 5 && (n[len(n)-5:] == ".mean" || n[len(n)-4:] == ".var") {
			stats += p.Shape.Elements()
		}
	}
	if got := a.TotalParams - stats; got != 25_557_032 {
		t.Errorf("trainable parameters %d, want 25557032", got)
	}
	if !reflect.DeepEqual(a.Output, Shape{1000}) {
		t.Errorf("output %v", a.Output)
	}
	// ~4.09 G multiply-adds (torchvision) = ~8.2 GFLOPs, plus element-wise work.
	if a.TotalFLOPs < 8_100_000_000 || a.TotalFLOPs > 8_400_000_000 {
		t.Errorf("FLOPs %d, want about 8.2e9", a.TotalFLOPs)
	}
	if a.ActivationBytes > 16<<20 {
		t.Errorf("activation bytes %d", a.ActivationBytes)
	}
	t.Logf("ResNet-50: %d layers, %d tensors, %d params, %d FLOPs, %d activation bytes",
		len(a.Layers), len(a.Params), a.TotalParams, a.TotalFLOPs, a.ActivationBytes)
	// The canonical form parses back to the same spec.
	data, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseJSON(data, modelgate.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Error("ResNet-50 does not round-trip")
	}
	t.Logf("canonical JSON: %d bytes", len(data))
}

func BenchmarkParseResNet50(b *testing.B) {
	data, err := Marshal(resnet50())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseJSON(data, modelgate.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeResNet50(b *testing.B) {
	s := resnet50()
	for b.Loop() {
		if _, err := Analyze(s, modelgate.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseYAMLResNet50(b *testing.B) {
	data, err := Marshal(resnet50())
	if err != nil {
		b.Fatal(err)
	}
	// JSON is YAML 1.2 flow style: the same document through the YAML path.
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseYAML(data, modelgate.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalResNet50(b *testing.B) {
	s := resnet50()
	for b.Loop() {
		if _, err := Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}
