package onnx

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/spec"
)

// FuzzExport exports every spec the parser accepts (within small budgets)
// and checks that the result decodes and holds the graph invariants, or
// that the refusal is a coded error.
func FuzzExport(f *testing.F) {
	seeds := specFiles(f)
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for _, doc := range seeds {
		f.Add(doc)
	}
	lim := modelgate.DefaultLimits()
	lim.Params = 1 << 16
	lim.FLOPs = 1 << 24
	lim.ActivationBytes = 1 << 20
	f.Fuzz(func(t *testing.T, doc []byte) {
		s, err := spec.ParseJSON(doc, lim)
		if err != nil {
			return
		}
		a, err := spec.Analyze(s, lim)
		if err != nil {
			return
		}
		data, err := Export(context.Background(), s, a, randomWeights(a, 1))
		if err != nil {
			if c := modelgate.ErrorCode(err); c != modelgate.EUNSUPPORTED {
				t.Fatalf("valid spec refused with %s: %v", c, err)
			}
			return
		}
		checkGraph(t, data, a)
	})
}
