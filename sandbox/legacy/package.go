package legacy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// Package encodes a converted model as a [Result], in memory (the child
// may not create files): the canonical safetensors encoding of tensors,
// the spec with its weights digest and size filled in (dtype defaults to
// float32), canonically marshalled, and report as JSON (nil for none).
func Package(s *spec.Spec, tensors []safetensors.Tensor, report any) (*Result, error) {
	if s == nil {
		return nil, fmt.Errorf("legacy: nil spec")
	}
	var w bytes.Buffer
	if err := safetensors.Write(&w, tensors, nil); err != nil {
		return nil, fmt.Errorf("legacy: weights: %w", err)
	}
	sum := sha256.Sum256(w.Bytes())
	if s.Weights.DType == "" {
		s.Weights.DType = "float32"
	}
	s.Weights.SHA256, s.Weights.Bytes = hex.EncodeToString(sum[:]), int64(w.Len())
	specData, err := spec.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("legacy: spec: %w", err)
	}
	res := &Result{Spec: specData, Weights: w.Bytes()}
	if report != nil {
		if res.Report, err = json.Marshal(report); err != nil {
			return nil, fmt.Errorf("legacy: report: %w", err)
		}
	}
	return res, nil
}
