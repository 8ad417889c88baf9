package gemm

// genericKernel is the portable path, used where no assembly kernel fits.
var genericKernel = kernel{
	name: "generic-4x4",
	mr:   4, nr: 4,
	kc: 256, mc: 128, nc: 1024,
	micro:     microGeneric,
	nw:        256,
	dots:      dotsGo,
	axpy:      axpyGo,
	transpose: packT,
}

// microGeneric is the portable 4×4 micro-kernel (see microFunc).
func microGeneric(kc int, a, b, c []float32, ldc int, beta float32, load bool) {
	a = a[:4*kc]
	b = b[:4*kc]
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	for p := 0; p < kc; p++ {
		av := a[p*4 : p*4+4 : p*4+4]
		bv := b[p*4 : p*4+4 : p*4+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	store4(c[0:4:4], c00, c01, c02, c03, beta, load)
	store4(c[ldc:ldc+4:ldc+4], c10, c11, c12, c13, beta, load)
	store4(c[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, beta, load)
	store4(c[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, beta, load)
}

// store4 writes one row of a generic tile.
func store4(c []float32, v0, v1, v2, v3, beta float32, load bool) {
	if load {
		v0 += beta * c[0]
		v1 += beta * c[1]
		v2 += beta * c[2]
		v3 += beta * c[3]
	}
	c[0], c[1], c[2], c[3] = v0, v1, v2, v3
}
