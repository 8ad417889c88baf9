package flux

import (
	"context"
	"slices"
	"testing"
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
