// Package modelpkg is modelgate's one loader path: it reads a model package,
// checks it completely and binds it to the runtime. The CLI, the library API
// and the server all load models through this package.
//
// # Package layout
//
// A package is a directory holding exactly two files that modelgate reads:
//
//   - model.json or model.yaml (not both): the spec (see package spec);
//   - weights.safetensors: the weights (see package safetensors).
//
// Nothing else in the directory is read, and the spec holds no file paths
// and no URLs. The spec records the SHA-256 and the byte size of the
// weights file; [Load] and [Open] check both before anything is bound.
// Only [Options.SkipDigest] (for a store that has verified the digest
// already) skips the SHA-256; the size is always checked.
//
// # Rules for the files
//
//   - Each file is opened without following symbolic links (O_NOFOLLOW) and
//     must be a regular file with a single hard link: symlinks, hard links,
//     devices, FIFOs and directories are refused.
//   - Sizes are checked against [modelgate.Limits] (SpecBytes, WeightsBytes)
//     before anything is read.
//   - The spec is parsed strictly, validated and analysed (spec.Parse,
//     spec.Analyze); the weights file is checked by safetensors.Open; the
//     weights are bound by nn.Bind, which consumes every tensor exactly once.
//
// The files must not change while they are being loaded: the digest is
// computed in a first pass over the open file, and a writer with access to
// the file could change it between that pass and binding.
package modelpkg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// File names inside a package directory.
const (
	SpecJSON    = "model.json"
	SpecYAML    = "model.yaml"
	WeightsFile = "weights.safetensors"
)

// Options tunes loading.
type Options struct {
	Limits     modelgate.Limits // budgets; zero fields take the defaults
	SkipDigest bool             // skip the SHA-256 check of the weights (the size is still checked)
	Threads    int              // goroutines per Predict; <= 0 means GOMAXPROCS
}

// Package is a loaded, fully checked model package.
type Package struct {
	Spec       *spec.Spec     // the spec, with every default filled in
	Analysis   *spec.Analysis // static shapes, parameters and FLOPs
	Model      *nn.Model      // the bound model
	SpecDigest string         // SHA-256 (lowercase hex) of the canonical spec (spec.Marshal), the same for JSON and YAML forms
}

// Predict runs the model on a batch; in.Shape is [N, input...].
func (p *Package) Predict(ctx context.Context, in nn.Tensor) (nn.Tensor, error) {
	return p.Model.Predict(ctx, in)
}

// Open checks and binds a package given as bytes: the spec document
// (YAML when isYAML) and the weights file as an io.ReaderAt of size bytes.
// It is the path [Load] takes after reading the files, and the one the
// server uses for uploads. weights must not change during the call: the
// digest is checked on one read and the tensors are bound from another.
func Open(ctx context.Context, specData []byte, isYAML bool, weights io.ReaderAt, size int64, opt Options) (*Package, error) {
	lim := opt.Limits.OrDefault()
	if int64(len(specData)) > lim.SpecBytes {
		return nil, specTooLarge(int64(len(specData)), lim)
	}
	s, err := spec.Parse(specData, isYAML, lim)
	if err != nil {
		return nil, err
	}
	a, err := spec.Analyze(s, lim)
	if err != nil {
		return nil, err
	}
	canon, err := spec.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("modelpkg: canonical spec: %w", err)
	}
	if err := CheckWeights(ctx, s, weights, size, opt.SkipDigest); err != nil {
		return nil, err
	}
	st, err := safetensors.Open(weights, size, lim)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	m, err := nn.Bind(ctx, s, a, st, nn.Options{Limits: lim, Threads: opt.Threads})
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	return &Package{Spec: s, Analysis: a, Model: m, SpecDigest: hex.EncodeToString(sum[:])}, nil
}

// CheckWeights checks that the weights file has the size and (unless
// skipDigest) the SHA-256 that s.Weights records. The size is checked
// first, so a wrong file is refused without reading it.
func CheckWeights(ctx context.Context, s *spec.Spec, weights io.ReaderAt, size int64, skipDigest bool) error {
	if size != s.Weights.Bytes {
		return modelgate.Errorf(modelgate.EINVALID, WeightsFile, "weights-size",
			"weights file is %d bytes, the spec says %d (/weights/bytes)", size, s.Weights.Bytes)
	}
	if skipDigest {
		return nil
	}
	sum, err := Digest(ctx, weights, size)
	if err != nil {
		return err
	}
	if sum != s.Weights.SHA256 {
		return modelgate.Errorf(modelgate.EINVALID, WeightsFile, "weights-digest",
			"weights file has SHA-256 %s, the spec says %s (/weights/sha256)", sum, s.Weights.SHA256)
	}
	return nil
}

// digestChunk is the read size of Digest; ctx is checked between chunks.
const digestChunk = 1 << 20

// Digest returns the lowercase hex SHA-256 of the first size bytes of r,
// streaming and checking ctx between 1 MiB chunks.
func Digest(ctx context.Context, r io.ReaderAt, size int64) (string, error) {
	if size < 0 {
		return "", modelgate.Errorf(modelgate.EINVALID, WeightsFile, "negative-size", "negative size %d", size)
	}
	h := sha256.New()
	buf := make([]byte, min(size, digestChunk))
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n := min(int64(len(buf)), size-off)
		k, err := r.ReadAt(buf[:n], off)
		if int64(k) == n {
			err = nil
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return "", &modelgate.Error{Code: modelgate.EINVALID, Where: WeightsFile, Rule: "truncated",
				Message: fmt.Sprintf("file ends at byte %d, before its declared size %d", off+int64(k), size),
				Err:     io.ErrUnexpectedEOF}
		}
		if err != nil {
			return "", fmt.Errorf("modelpkg: reading %s: %w", WeightsFile, err)
		}
		h.Write(buf[:n])
		off += n
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func specTooLarge(n int64, lim modelgate.Limits) error {
	return modelgate.Errorf(modelgate.ELIMIT, "", "spec-too-large", "spec is %d bytes, limit %d", n, lim.SpecBytes)
}
