//go:build !amd64

package gemm

// selected is the kernel used by Sgemm; it is never modified.
var selected = &genericKernel

// kernelPath is a kernel this build knows and, when the CPU cannot run it,
// the name of the missing feature.
type kernelPath struct {
	kern    *kernel
	missing string
}

// kernelPaths lists every path of this build, best first.
func kernelPaths() []kernelPath {
	return []kernelPath{{kern: &genericKernel}}
}
