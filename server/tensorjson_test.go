package server

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
)

// inputCases are decoder cases for a model taking [2, 3] per sample.
var inputCases = []struct {
	body  string
	shape []int // nil when refused
	rule  string
}{
	{`{"inputs": [[[1,2,3],[4,5,6]]]}`, []int{1, 2, 3}, ""},
	{` {"inputs":[[[1,2,3],[4,5,6]],[[0,0,0],[-1e-3,2.5e10,7]]]} `, []int{2, 2, 3}, ""},
	{`{"inputs": [[[1,2,3],[4,5]]]}`, nil, "input-shape"},
	{`{"inputs": [[[1,2,3],[4,5,6],[7,8,9]]]}`, nil, "input-shape"},
	{`{"inputs": [[1,2,3]]}`, nil, "input-shape"},
	{`{"inputs": [[[[1],2,3],[4,5,6]]]}`, nil, "input-shape"},
	{`{"inputs": [[[1,2,true],[4,5,6]]]}`, nil, "input-shape"},
	{`{"inputs": [[[1,2,{}],[4,5,6]]]}`, nil, "input-shape"},
	{`{"inputs": [[[1,2,1e40],[4,5,6]]]}`, nil, "input-not-finite"},
	{`{"inputs": []}`, nil, "input-shape"},
	{`{"inputs": 5}`, nil, "input-shape"},
	{`{"inputs": [[[1,2,3],[4,5,6]]], "x": 1}`, nil, "bad-input-json"},
	{`{"x": [[[1,2,3],[4,5,6]]]}`, nil, "bad-input-json"},
	{`{"inputs": [[[1,2,3],[4,5,6]]]}x`, nil, "bad-input-json"},
	{`{"inputs": [[[1,2,3],[4,5,6]]`, nil, "bad-input-json"},
	{`{"inputs": [[[1,2,3],[4,5,6]]]`, nil, "bad-input-json"},
	{`{"inputs": [[[1,2,3],[4,5,6]]]}{}`, nil, "bad-input-json"},
	{`{"inputs": [[[01,2,3],[4,5,6]]]}`, nil, "bad-input-json"},
	{"{\"inputs\": [[[1,2,3],[4,5,6]]], \"inp\xffuts\": 1}", nil, "bad-input-json"},
	{`{"inputs": [` + strings.Repeat(`[[1,2,3],[4,5,6]],`, 4) + `[[1,2,3],[4,5,6]]]}`, nil, "batch-too-large"},
	{`{"inputs": ` + strings.Repeat("[", 100000), nil, "input-shape"},
	{``, nil, "bad-input-json"},
	{`null`, nil, "bad-input-json"},
}

func ruleOf(err error) string {
	return problemsOf(err)[0].Rule
}

func TestDecodeInputs(t *testing.T) {
	t.Parallel()
	for _, c := range inputCases {
		got, err := decodeInputs(strings.NewReader(c.body), []int{2, 3}, 4)
		if c.shape == nil {
			if err == nil || ruleOf(err) != c.rule {
				t.Errorf("%.50q: err %v, want rule %s", c.body, err, c.rule)
			}
			continue
		}
		if err != nil {
			t.Errorf("%.50q: %v", c.body, err)
			continue
		}
		if !equalInts(got.Shape, c.shape) || len(got.Data) != c.shape[0]*6 {
			t.Errorf("%.50q: shape %v (%d values)", c.body, got.Shape, len(got.Data))
		}
		// The values match a reference decode with encoding/json.
		var ref struct{ Inputs [][][]float64 }
		if err := json.Unmarshal([]byte(c.body), &ref); err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, s := range ref.Inputs {
			for _, row := range s {
				for _, v := range row {
					if got.Data[k] != float32(v) {
						t.Errorf("%.50q: value %d = %v, want %v", c.body, k, got.Data[k], float32(v))
					}
					k++
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAppendTensor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		t    nn.Tensor
		want string
	}{
		{nn.Tensor{Shape: []int{1}, Data: []float32{1.5}}, `[1.5]`},
		{nn.Tensor{Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}, `[[1,2],[3,4]]`},
		{nn.Tensor{Shape: []int{2, 1, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}, `[[[1,2,3]],[[4,5,6]]]`},
		{nn.Tensor{Shape: []int{1, 3}, Data: []float32{float32(math.NaN()), float32(math.Inf(1)), 0.1}}, `[[null,null,0.1]]`},
	}
	for _, c := range cases {
		b, err := appendTensor(nil, c.t)
		if err != nil || string(b) != c.want {
			t.Errorf("%v: %s %v, want %s", c.t.Shape, b, err, c.want)
		}
	}
	if _, err := appendTensor(nil, nn.Tensor{Shape: []int{2, 2}, Data: []float32{1}}); err == nil {
		t.Error("mismatched tensor accepted")
	}
}

// FuzzDecodeInputs checks that the input decoder never panics, never
// accepts a body encoding/json would reject, and that what it accepts has
// the declared shape and re-encodes to the same numbers.
func FuzzDecodeInputs(f *testing.F) {
	seeds := 0
	for _, c := range inputCases {
		f.Add([]byte(c.body))
		seeds++
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "predict", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		seeds++
	}
	if seeds == 0 || len(files) == 0 {
		f.Fatal("no seeds: the hostile table and testdata/predict/*.json must not be empty")
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeInputs(bytes.NewReader(body), []int{2, 3}, 4)
		if err != nil {
			if modelgate.ErrorCode(err) == modelgate.EINTERNAL {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if len(got.Shape) != 3 || got.Shape[0] < 1 || got.Shape[0] > 4 || len(got.Data) != got.Shape[0]*6 {
			t.Fatalf("shape %v with %d values", got.Shape, len(got.Data))
		}
		out, err := appendTensor(nil, got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeInputs(strings.NewReader(`{"inputs":`+string(out)+`}`), []int{2, 3}, 4)
		if err != nil || !equalInts(again.Shape, got.Shape) {
			t.Fatalf("round trip: %v", err)
		}
		for i := range got.Data {
			if again.Data[i] != got.Data[i] {
				t.Fatalf("round trip value %d: %v != %v", i, again.Data[i], got.Data[i])
			}
		}
	})
}
