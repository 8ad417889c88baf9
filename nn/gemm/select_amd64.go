//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// Features detected once; never modified afterwards.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// selected is the kernel used by Sgemm; it is never modified.
var selected = pick()

// pick returns the first path this CPU can run.
func pick() *kernel {
	for _, kp := range kernelPaths() {
		if kp.missing == "" {
			return kp.kern
		}
	}
	return &genericKernel
}

// kernelPath is a kernel this build knows and, when the CPU cannot run it,
// the name of the missing feature.
type kernelPath struct {
	kern    *kernel
	missing string
}

// kernelPaths lists every path of this build, best first.
func kernelPaths() []kernelPath {
	var paths []kernelPath
	missing := func(ok bool, name string) string {
		if ok {
			return ""
		}
		return name
	}
	paths = append(paths,
		kernelPath{kern: &avx512Kernel, missing: missing(hasAVX512, "AVX-512F/VL")},
		kernelPath{kern: &avx2Kernel, missing: missing(hasAVX2, "AVX2/FMA")},
		kernelPath{kern: &genericKernel})
	return paths
}
