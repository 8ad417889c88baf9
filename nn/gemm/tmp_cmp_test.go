package gemm

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTmpCmp(t *testing.T) {
	if os.Getenv("GEMM_TUNE") == "" {
		t.Skip()
	}
	for _, s := range []int{256, 512, 1024} {
		o := benchOperands(s)
		c := make([]float32, len(o.c))
		for round := range 3 {
			for mode := range 3 {
				p := problem{m: s, n: s, k: s, alpha: 1, a: o.a, lda: o.lda, b: o.b, ldb: o.ldb, c: c, ldc: o.ldc}
				best := 0.0
				for range 10 {
					st := time.Now()
					switch mode {
					case 0:
						run(&avx512Kernel, 2, &p)
					case 1:
						runSharedB(&avx512Kernel, 2, &p)
					case 2:
						run(&avx512Kernel, 1, &p)
					}
					best = max(best, 2*float64(s*s*s)/time.Since(st).Seconds()/1e9)
				}
				fmt.Println(s, round, mode, best)
			}
		}
	}
}
