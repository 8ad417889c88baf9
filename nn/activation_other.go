//go:build !amd64

package nn

// vecSigmoid has no vector kernel on this architecture.
func vecSigmoid(x []float32) int { return 0 }

// vecTanh has no vector kernel on this architecture.
func vecTanh(x []float32) int { return 0 }

// hasVecAct reports whether vector kernels run: never on this architecture.
const hasVecAct = false
