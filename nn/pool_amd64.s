#include "textflag.h"

// GOMAX sets d = Go's max(a, b) for non-NaN lanes: MAXPS both ways, ANDed
// (so max(-0, +0) = +0 whatever the order).
#define GOMAX(a, b, d, t) \
	VMAXPS a, b, d \
	VMAXPS b, a, t \
	VANDPS t, d, d

// SMAX is GOMAX for the low lane.
#define SMAX(a, b, d, t) \
	VMAXSS a, b, d \
	VMAXSS b, a, t \
	VANDPS t, d, d

// func maxPool2x2AVX2(out, r0, r1 []float32) int
// out[i] = max(r0[2i], r0[2i+1], r1[2i], r1[2i+1]) for blocks of 8
// outputs, then one by one; stops before the first block (or output) with
// a NaN (left to the caller) and returns how many it wrote.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-80
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	MOVQ r0_base+24(FP), SI
	MOVQ r1_base+48(FP), R8
	XORQ BX, BX
ploop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  ptail
	MOVQ BX, AX
	SHLQ $3, AX // byte offset of input pair 2*BX floats
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS 32(SI)(AX*1), Y1
	VMOVUPS (R8)(AX*1), Y2
	VMOVUPS 32(R8)(AX*1), Y3
	VCMPPS $0x03, Y0, Y0, Y4
	VCMPPS $0x03, Y1, Y1, Y5
	VORPS Y5, Y4, Y4
	VCMPPS $0x03, Y2, Y2, Y5
	VORPS Y5, Y4, Y4
	VCMPPS $0x03, Y3, Y3, Y5
	VORPS Y5, Y4, Y4
	VMOVMSKPS Y4, DX
	TESTL DX, DX
	JNE  pdone
	GOMAX(Y0, Y2, Y6, Y7) // rows, outputs 0..3 pairs
	GOMAX(Y1, Y3, Y8, Y9) // rows, outputs 4..7 pairs
	VSHUFPS $0x88, Y8, Y6, Y10 // even columns
	VSHUFPS $0xDD, Y8, Y6, Y11 // odd columns
	GOMAX(Y10, Y11, Y12, Y13)
	VPERMPD $0xD8, Y12, Y12
	VMOVUPS Y12, (DI)(BX*4)
	ADDQ $8, BX
	JMP  ploop
ptail: // one output at a time; stop at a NaN
	CMPQ BX, CX
	JGE  pdone
	MOVQ BX, AX
	SHLQ $3, AX
	VMOVSS (SI)(AX*1), X0
	VMOVSS 4(SI)(AX*1), X1
	VMOVSS (R8)(AX*1), X2
	VMOVSS 4(R8)(AX*1), X3
	VUCOMISS X0, X0
	JPS  pdone
	VUCOMISS X1, X1
	JPS  pdone
	VUCOMISS X2, X2
	JPS  pdone
	VUCOMISS X3, X3
	JPS  pdone
	SMAX(X0, X1, X4, X5)
	SMAX(X2, X3, X6, X7)
	SMAX(X4, X6, X8, X9)
	VMOVSS X8, (DI)(BX*4)
	INCQ BX
	JMP  ptail
pdone:
	VZEROUPPER
	MOVQ BX, ret+72(FP)
	RET
