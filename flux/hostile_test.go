package flux

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/bson"
)

// TestHostileConvert runs attack files through Convert: each is refused
// (a *RefusedError: exit 1) or fails to parse (a typed error: exit 2),
// and nothing is converted.
func TestHostileConvert(t *testing.T) {
	t.Parallel()
	gadget := func() []byte {
		cmd := st(dt("Base", "Cmd"), bson.A{"sh", "-c", "touch /tmp/pwned"}, false, false, nil, int64(0))
		bc := st(dt("Base", "Broadcast", "Broadcasted"), fn("Base", "#run"), tup(cmd), nil)
		return encFile(t, "model", st(dt("Base", "SubArray"), bc, tup(int64(1)), int64(0), int64(1)))
	}
	dense := denseL(jarr{dims: []int64{1, 1}, v: []float64{1}}, jarr{dims: []int64{1}, v: []float64{0}}, "#relu")
	cases := []struct {
		name    string
		data    []byte
		refused bool
		code    string
	}{
		{"issue50-gadget", gadget(), true, ""},
		{"user-activation", encFile(t, "model", chainOf(st(dt("Flux", "Dense"), jarr{dims: []int64{1, 1}, v: []float64{1}}.bson(), false, fn("Main", "#slopehtanh")))), true, ""},
		{"cuarray-weight", encFile(t, "model", chainOf(st(dt("Flux", "Dense"), st(dt("CUDA", "CuArray")), false, fn("NNlib", "#relu")))), true, ""},
		{"duplicate-key", mustEnc(t, bson.D{{Key: "model", Value: dense}, {Key: "model", Value: fn("Base", "#run")}}), false, modelgate.EINVALID},
		{"trailing-bytes", append(encFile(t, "model", dense), 0, 0), false, modelgate.EINVALID},
		{"self-chain", encFile(t, "model", doc("tag", "backref", "ref", int64(1)), "_backrefs", bson.A{st(dt("Flux", "Chain"), tup(doc("tag", "backref", "ref", int64(1))))}), true, ""},
		{"serialization", []byte("7JL\x0a\x04\x00\x00\x00"), false, modelgate.EUNSUPPORTED},
	}
	for _, tc := range cases {
		res, err := Convert(context.Background(), tc.data, Options{InputShape: []int{1}})
		var ref *RefusedError
		switch {
		case tc.refused && !errors.As(err, &ref):
			t.Errorf("%s: want a refusal, got %v", tc.name, err)
		case !tc.refused && modelgate.ErrorCode(err) != tc.code:
			t.Errorf("%s: want code %s, got %v", tc.name, tc.code, err)
		case res != nil && res.Spec != nil:
			t.Errorf("%s: something was converted", tc.name)
		}
	}
}

func mustEnc(t testing.TB, d bson.D) []byte {
	b, err := bson.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzConvert checks that Convert never panics, returns typed errors, and
// that every conversion it accepts loads through modelpkg.
func FuzzConvert(f *testing.F) {
	n := 0
	m, _ := filepath.Glob("../../shared/corpus/flux-bson/*.bson")
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil && len(b) < 200<<10 {
			f.Add(b, true)
			n++
		}
	}
	d := denseL(jarr{dims: []int64{2, 3}, v: []float64{1, 2, 3, 4, 5, 6}}, jarr{dims: []int64{2}, v: []float64{0, 1}}, "#relu")
	seeds := [][]byte{
		encFile(f, "model", chainOf(d, fn("NNlib", "#softmax")), "acc", 0.5),
		encFile(f, "model", st(dt("Flux", "Recur"), st(dt("Flux", "GRUCell"), jarr{dims: []int64{3, 2}, v: make([]float64, 6)}.bson(),
			jarr{dims: []int64{3, 1}, v: make([]float64, 3)}.bson(), jarr{dims: []int64{3}, v: make([]float64, 3)}.bson(),
			jarr{dims: []int64{1, 1}, v: []float64{0}}.bson()), jarr{dims: []int64{1, 1}, v: []float64{0}}.bson())),
	}
	for _, s := range seeds {
		f.Add(s, false)
		n++
	}
	if n == 0 {
		f.Fatal("no fuzz seeds")
	}
	f.Fuzz(func(t *testing.T, data []byte, lambdas bool) {
		res, err := Convert(context.Background(), data, Options{AllowKnownLambdas: lambdas, InputShape: []int{1, 28, 28}})
		if err != nil {
			var ref *RefusedError
			var me *modelgate.Error
			if !errors.As(err, &ref) && !errors.As(err, &me) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if _, err := res.Open(context.Background(), modelpkgOptions()); err != nil {
			var me *modelgate.Error
			if !errors.As(err, &me) {
				t.Fatalf("converted package does not load: %v", err)
			}
		}
	})
}
