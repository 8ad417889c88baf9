//go:build amd64

package cpupeak

import "golang.org/x/sys/cpu"

// fmaAVX512 runs n iterations of 24 independent zmm VFMADD231PS.
//
//go:noescape
func fmaAVX512(n int)

// fmaAVX2 runs n iterations of 12 independent ymm VFMADD231PS.
//
//go:noescape
func fmaAVX2(n int)

// Features detected once; never modified afterwards.
var (
	hasAVX512 = cpu.X86.HasAVX512F
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// fmaLoop returns the best loop for this CPU and its flops per iteration.
func fmaLoop() (func(n int), float64) {
	switch {
	case hasAVX512:
		return fmaAVX512, 24 * 16 * 2
	case hasAVX2:
		return fmaAVX2, 12 * 8 * 2
	}
	return func(n int) { sink(fmaGo(n)) }, 16
}

// Path names the loop MeasureFMA uses on this CPU.
func Path() string {
	switch {
	case hasAVX512:
		return "avx512-zmm-fma"
	case hasAVX2:
		return "avx2-ymm-fma"
	}
	return "go-scalar"
}
