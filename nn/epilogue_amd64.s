#include "textflag.h"

// AVX2 epilogues, bit for bit the Go loops of epilogue.go: max(v, 0) is
// computed as MAXPS with 0 as the second operand (so -0 gives +0, as Go's
// max), then NaN lanes are restored from v (Go's max propagates NaN).
// Each processes whole blocks of 8 and returns how many elements it did.

// func biasReLUAVX2(dst, src []float32, b float32) int
TEXT ·biasReLUAVX2(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS b+48(FP), Y1
	VXORPS Y2, Y2, Y2
	XORQ BX, BX
rloop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  rdone
	VMOVUPS (SI)(BX*4), Y0
	VADDPS Y1, Y0, Y0
	VMAXPS Y2, Y0, Y3
	VCMPPS $0x03, Y0, Y0, Y4
	VBLENDVPS Y4, Y0, Y3, Y3
	VMOVUPS Y3, (DI)(BX*4)
	ADDQ $8, BX
	JMP  rloop
rdone:
	VZEROUPPER
	MOVQ BX, ret+56(FP)
	RET

// func biasAddAVX2(dst, src []float32, b float32) int
TEXT ·biasAddAVX2(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	VBROADCASTSS b+48(FP), Y1
	XORQ BX, BX
aloop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  adone
	VMOVUPS (SI)(BX*4), Y0
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ $8, BX
	JMP  aloop
adone:
	VZEROUPPER
	MOVQ BX, ret+56(FP)
	RET

// func addVecReLUAVX2(y, b []float32) int
TEXT ·addVecReLUAVX2(SB), NOSPLIT, $0-56
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ b_base+24(FP), SI
	VXORPS Y2, Y2, Y2
	XORQ BX, BX
vloop:
	LEAQ 8(BX), DX
	CMPQ DX, CX
	JGT  vdone
	VMOVUPS (DI)(BX*4), Y0
	VADDPS (SI)(BX*4), Y0, Y0
	VMAXPS Y2, Y0, Y3
	VCMPPS $0x03, Y0, Y0, Y4
	VBLENDVPS Y4, Y0, Y3, Y3
	VMOVUPS Y3, (DI)(BX*4)
	ADDQ $8, BX
	JMP  vloop
vdone:
	VZEROUPPER
	MOVQ BX, ret+48(FP)
	RET

// func gatherRowsAVX2(dst, src []float32, offs []int, nr int)
// dst[q*nr+i] = src[offs[q]+i] for i < nr (a multiple of 8).
TEXT ·gatherRowsAVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ offs_base+48(FP), R8
	MOVQ offs_len+56(FP), CX
	MOVQ nr+72(FP), R9
	TESTQ CX, CX
	JEQ  gdone
gq:
	MOVQ (R8), AX
	LEAQ (SI)(AX*4), AX
	XORQ BX, BX
gi:
	VMOVUPS (AX)(BX*4), Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ $8, BX
	CMPQ BX, R9
	JLT  gi
	LEAQ (DI)(R9*4), DI
	ADDQ $8, R8
	DECQ CX
	JNE  gq
gdone:
	VZEROUPPER
	RET

// func storeTileAVX2(y, tile, bias []float32, runs []int, fg, ldy, ldt, relu int)
// For each row f < fg and each triple (t0, y0, n) of runs:
// y[f*ldy+y0+i] = tile[f*ldt+t0+i] + bias[f] for i < n, then max(., 0)
// (NaN kept, -0 to +0, as Go's max) when relu != 0.
TEXT ·storeTileAVX2(SB), NOSPLIT, $0-128
	MOVQ y_base+0(FP), DI
	MOVQ tile_base+24(FP), SI
	MOVQ bias_base+48(FP), R11
	MOVQ fg+96(FP), R12
	MOVQ ldy+104(FP), R13
	MOVQ ldt+112(FP), R14
	MOVQ relu+120(FP), R10
	SHLQ $2, R13
	SHLQ $2, R14
	VXORPS Y2, Y2, Y2
trow:
	TESTQ R12, R12
	JEQ  tfin
	VBROADCASTSS (R11), Y1
	MOVQ runs_base+72(FP), R8
	MOVQ runs_len+80(FP), CX
trun:
	CMPQ CX, $3
	JLT  tnextrow
	MOVQ 0(R8), AX
	MOVQ 8(R8), BX
	MOVQ 16(R8), DX
	LEAQ (SI)(AX*4), AX
	LEAQ (DI)(BX*4), BX
tvec:
	CMPQ DX, $8
	JLT  ttail
	VMOVUPS (AX), Y0
	VADDPS Y1, Y0, Y0
	TESTQ R10, R10
	JEQ  tvst
	VMAXPS Y2, Y0, Y3
	VCMPPS $0x03, Y0, Y0, Y4
	VBLENDVPS Y4, Y0, Y3, Y0
tvst:
	VMOVUPS Y0, (BX)
	ADDQ $32, AX
	ADDQ $32, BX
	SUBQ $8, DX
	JMP  tvec
ttail:
	TESTQ DX, DX
	JEQ  tnext
	VMOVSS (AX), X0
	VADDSS X1, X0, X0
	TESTQ R10, R10
	JEQ  ttst
	VMAXSS X2, X0, X3
	VCMPSS $0x03, X0, X0, X4
	VBLENDVPS X4, X0, X3, X0
ttst:
	VMOVSS X0, (BX)
	ADDQ $4, AX
	ADDQ $4, BX
	DECQ DX
	JMP  ttail
tnext:
	ADDQ $24, R8
	SUBQ $3, CX
	JMP  trun
tnextrow:
	ADDQ R13, DI
	ADDQ R14, SI
	ADDQ $4, R11
	DECQ R12
	JMP  trow
tfin:
	VZEROUPPER
	RET

// func copyRowsAVX2(dst, src []float32, rows, w, ldd, lds int)
// dst[r*ldd+i] = src[r*lds+i] for r < rows, i < w.
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-80
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ w+56(FP), R9
	MOVQ ldd+64(FP), R10
	MOVQ lds+72(FP), R11
	SHLQ $2, R10
	SHLQ $2, R11
crow:
	TESTQ R8, R8
	JEQ  cfin
	XORQ BX, BX
cvec:
	LEAQ 8(BX), DX
	CMPQ DX, R9
	JGT  ctail
	VMOVUPS (SI)(BX*4), Y0
	VMOVUPS Y0, (DI)(BX*4)
	MOVQ DX, BX
	JMP  cvec
ctail:
	CMPQ BX, R9
	JGE  cnext
	MOVL (SI)(BX*4), AX
	MOVL AX, (DI)(BX*4)
	INCQ BX
	JMP  ctail
cnext:
	ADDQ R10, DI
	ADDQ R11, SI
	DECQ R8
	JMP  crow
cfin:
	VZEROUPPER
	RET
