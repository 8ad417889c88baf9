package flux

import (
	"context"
	"slices"
	"testing"

	"github.com/modelgate/modelgate/spec"
)

func TestPickSide(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fits []int
		want int
		ok   bool
	}{
		{nil, 0, false},
		{[]int{17}, 17, true},
		{[]int{24, 25, 26, 27, 28, 29, 30, 31}, 28, true},
		{[]int{28, 29, 30, 31, 32}, 28, true},
		{[]int{32, 33}, 32, true},
		{[]int{40, 41}, 0, false},            // a run with no well-known side is not guessed
		{make([]int, maxPinned+1), 0, false}, // too many fit: nothing pins the size
	} {
		got, ok := pickSide(tc.fits)
		if got != tc.want || ok != tc.ok {
			t.Errorf("pickSide(%v) = %d, %v; want %d, %v", tc.fits, got, ok, tc.want, tc.ok)
		}
	}
}

// TestInferInputShape: corpus file 01 (conv-first, Dense(288) after three
// 2×2 pools) converts without --input-shape to the MNIST input.
func TestInferInputShape(t *testing.T) {
	t.Parallel()
	res, err := Convert(context.Background(), corpus(t, "01"), Options{AllowKnownLambdas: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Spec.Input.Shape; !slices.Equal(got, []int{1, 28, 28}) {
		t.Errorf("inferred input %v, want [1 28 28]", got)
	}
}

// TestArchSwapHW: weights-only 02 with 01's architecture and SwapHW reads
// the upright digit 7, and the caller's architecture is left untouched.
func TestArchSwapHW(t *testing.T) {
	t.Parallel()
	r01 := convert(t, corpus(t, "01"), Options{AllowKnownLambdas: true, InputShape: []int{1, 28, 28}})
	arch := *r01.Spec
	before, err := spec.Marshal(&arch)
	if err != nil {
		t.Fatal(err)
	}
	r02 := convert(t, corpus(t, "02"), Options{Arch: &arch, SwapHW: true})
	out := predict(t, mustOpen(t, r02), []int{1, 28, 28}, digit7RowMajor(t))
	if k := argmax(out); k != 7 || out[k] <= 0.99 {
		t.Fatalf("upright digit 7 through 02 + SwapHW: got %d p=%v", k, out[k])
	}
	after, err := spec.Marshal(&arch)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("SwapHW changed the caller's architecture")
	}
}

func TestSquareLayers(t *testing.T) {
	t.Parallel()
	sq := &spec.Conv{Filters: 4, Kernel: []int{3, 3}, Stride: []int{2, 2}, Dilation: []int{1, 1}, Padding: []int{1, 1, 1, 1}}
	tall := &spec.Conv{Filters: 4, Kernel: []int{1, 5}, Stride: []int{1, 1}, Dilation: []int{1, 1}, Padding: []int{0, 0, 0, 0}}
	pool := &spec.MaxPool{Kernel: []int{2, 2}, Stride: []int{1, 2}, Padding: []int{0, 0, 0, 0}}
	for _, tc := range []struct {
		ls   spec.Layers
		want bool
	}{
		{spec.Layers{sq}, true},
		{spec.Layers{sq, tall}, false},
		{spec.Layers{sq, pool}, false},
		{spec.Layers{sq, &spec.Skip{Layers: spec.Layers{tall}, Combine: spec.CombineAdd}}, false},
		{spec.Layers{&spec.Parallel{Branches: []spec.Layers{{sq}, {pool}}, Combine: spec.CombineAdd}}, false},
	} {
		if got := squareLayers(tc.ls); got != tc.want {
			t.Errorf("squareLayers(%v) = %v, want %v", tc.ls, got, tc.want)
		}
	}
}
