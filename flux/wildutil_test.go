package flux

import (
	"path/filepath"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/nn"
)

func filepathGlob(p string) ([]string, error) { return filepath.Glob(p) }
func modelpkgOptions() modelpkg.Options       { return modelpkg.Options{Threads: 1} }
func nnTensor(shape []int, x []float32) nn.Tensor {
	return nn.Tensor{Shape: append([]int{1}, shape...), Data: x}
}
