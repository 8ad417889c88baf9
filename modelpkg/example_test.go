package modelpkg_test

import (
	"context"
	"fmt"
	"log"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
)

// Load a package with tightened budgets, inspect it and run one sample.
func Example() {
	ctx := context.Background()
	lim := modelgate.DefaultLimits()
	lim.WeightsBytes = 64 << 20 // refuse weights over 64 MiB
	lim.Batch = 32
	pkg, err := modelpkg.Load(ctx, "../examples/mnist-mlp", modelpkg.Options{Limits: lim})
	if err != nil {
		log.Fatal(err) // a *modelgate.Error or modelgate.Problems saying where and why
	}
	a := pkg.Analysis
	fmt.Println(pkg.Spec.Name, a.Input, "->", a.Output, a.TotalParams, "parameters")

	in := nn.Tensor{Shape: []int{1, 784}, Data: make([]float32, 784)} // one blank image
	out, err := pkg.Predict(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Shape)
	// Output:
	// mnist-mlp [784] -> [10] 235146 parameters
	// [1 10]
}

// Validate lists every problem instead of stopping at the first.
func ExampleValidate() {
	rep, err := modelpkg.Validate(context.Background(), "../examples/lstm", modelpkg.Options{})
	if err != nil {
		log.Fatal(err) // I/O error: the directory could not be read
	}
	for _, p := range rep.Problems {
		fmt.Println(p)
	}
	fmt.Println("valid:", rep.Valid())
	// Output:
	// valid: true
}
