package flux

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// Encode returns the package files of r in memory: the canonical spec
// JSON (with the weights digest and size filled in) and the canonical
// weights.safetensors bytes. r.Spec.Weights is updated.
func (r *Result) Encode() (specJSON, weights []byte, err error) {
	if r == nil || r.Spec == nil {
		return nil, nil, fmt.Errorf("flux: nothing converted")
	}
	var w bytes.Buffer
	if err := safetensors.Write(&w, r.Tensors, nil); err != nil {
		return nil, nil, fmt.Errorf("flux: weights: %w", err)
	}
	sum := sha256.Sum256(w.Bytes())
	r.Spec.Weights = spec.WeightsRef{SHA256: hex.EncodeToString(sum[:]), Bytes: int64(w.Len()), DType: "float32"}
	specJSON, err = spec.Marshal(r.Spec)
	if err != nil {
		return nil, nil, fmt.Errorf("flux: spec: %w", err)
	}
	return specJSON, w.Bytes(), nil
}

// Open checks and binds the converted model through modelgate's one
// loader path (modelpkg.Open), as a package written to disk would be.
func (r *Result) Open(ctx context.Context, opt modelpkg.Options) (*modelpkg.Package, error) {
	sj, w, err := r.Encode()
	if err != nil {
		return nil, err
	}
	return modelpkg.Open(ctx, sj, false, bytes.NewReader(w), int64(len(w)), opt)
}
