package juliabson_test

import (
	"fmt"
	"os"

	"github.com/modelgate/modelgate/juliabson"
)

// Read a Flux model saved with BSON.jl, list the types it names and read
// the first Dense layer's weights, without evaluating anything.
func Example() {
	data, err := os.ReadFile("../bson/testdata/corpus/09_juliadeploy_boston_mlp_flux01310.bson")
	if err != nil {
		panic(err)
	}
	g, err := juliabson.Parse(data, juliabson.Limits{})
	if err != nil {
		fmt.Println("refused:", err)
		return
	}
	fmt.Println("keys:", g.Keys(), "cycles:", g.Cycles)

	// Every struct type in the file, the way a scanner sees them.
	seen := map[string]bool{}
	g.Walk(func(at *juliabson.Path, v juliabson.Value) bool {
		if s, ok := v.(*juliabson.Struct); ok && !seen[s.TypeName()] {
			seen[s.TypeName()] = true
			fmt.Println(at, s.TypeName())
		}
		return true
	})

	// model = Chain((Dense, Dense)): field 0 of the Chain is a tuple.
	model, _ := g.Lookup("model")
	chain := juliabson.Deref(model).(*juliabson.Struct)
	layers := juliabson.Deref(chain.Fields[0]).(*juliabson.Tuple)
	dense := juliabson.Deref(layers.Elems[0]).(*juliabson.Struct)
	w := juliabson.Deref(dense.Fields[0]).(*juliabson.Array)
	ws, err := w.Float32s()
	if err != nil {
		panic(err)
	}
	fmt.Println(dense.TypeName(), "weight", w.Elem.Name, w.Dims, "row-major", w.RowMajorShape(), len(ws), "values")
	// Output:
	// keys: [model] cycles: []
	// model Flux.Chain
	// model/0/0 Flux.Dense
	// model/0/0/2 NNlib.#relu
	// model/0/1/2 Base.#identity
	// Flux.Dense weight Float32 [42 13] row-major [13 42] 546 values
}
