//go:build !amd64

package cpupeak

// fmaLoop returns the portable loop and its flops per iteration.
func fmaLoop() (func(n int), float64) {
	return func(n int) { sink(fmaGo(n)) }, 16
}

// Path names the loop MeasureFMA uses on this CPU.
func Path() string { return "go-scalar" }
