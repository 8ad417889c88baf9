package modelpkg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/nn"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// Report is the result of validating a package: every problem found, and
// whatever could be established before them.
type Report struct {
	Problems modelgate.Problems // every problem, in the order found; nil when the package is valid
	Spec     *spec.Spec         // the parsed spec; nil if it did not parse
	Analysis *spec.Analysis     // the static analysis; nil if the spec did not analyse
	Package  *Package           // the loaded package when there are no problems
}

// Valid reports whether the package has no problems.
func (r *Report) Valid() bool { return len(r.Problems) == 0 }

// Err returns the problems as an error, or nil when the package is valid.
func (r *Report) Err() error { return r.Problems.Err() }

// add records err: problems and coded errors are appended to r.Problems;
// anything else (I/O, cancellation) is returned.
func (r *Report) add(err error, whereFile string) error {
	if err == nil {
		return nil
	}
	var probs modelgate.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			r.Problems = append(r.Problems, located(p, whereFile))
		}
		return nil
	}
	var e *modelgate.Error
	if errors.As(err, &e) && e.Code != modelgate.EINTERNAL && e.Code != "" {
		r.Problems = append(r.Problems, located(e, whereFile))
		return nil
	}
	return err
}

// located prefixes a byte offset with the file it is in, so "byte 12"
// becomes "weights.safetensors byte 12".
func located(e *modelgate.Error, file string) *modelgate.Error {
	if file == "" || !strings.HasPrefix(e.Where, "byte ") {
		return e
	}
	c := *e
	c.Where = file + " " + e.Where
	return &c
}

// Validate checks the package in dir as [Load] does, but reports every
// problem it can find instead of stopping at the first one. The error is
// non-nil only when dir cannot be read (it does not exist, I/O failure) or
// ctx is done; a package with problems gives a Report whose Problems list
// them.
func Validate(ctx context.Context, dir string, opt Options) (*Report, error) {
	lim := opt.Limits.OrDefault()
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	r := &Report{}
	in := input{}
	data, isYAML, err := readSpec(dir, lim)
	if err := r.add(err, ""); err != nil {
		return nil, err
	}
	in.spec, in.isYAML, in.haveSpec = data, isYAML, err == nil
	f, size, err := openWeights(dir, lim)
	if err := r.add(err, ""); err != nil {
		return nil, err
	}
	if err == nil {
		defer f.Close()
		in.weights, in.size, in.haveWeights = f, size, true
	}
	if err := r.check(ctx, in, opt); err != nil {
		return nil, err
	}
	return r, nil
}

// ValidateBytes is [Validate] for a package given as bytes, as [Open] takes
// it. The error is non-nil only on an I/O failure of weights or when ctx is
// done.
func ValidateBytes(ctx context.Context, specData []byte, isYAML bool, weights io.ReaderAt, size int64, opt Options) (*Report, error) {
	r := &Report{}
	in := input{spec: specData, isYAML: isYAML, haveSpec: true, weights: weights, size: size, haveWeights: true}
	if err := r.check(ctx, in, opt); err != nil {
		return nil, err
	}
	return r, nil
}

// input is what a validation has to work with; either file may be absent.
type input struct {
	spec        []byte
	isYAML      bool
	haveSpec    bool
	weights     io.ReaderAt
	size        int64
	haveWeights bool
}

// check runs every step whose inputs are available and records problems.
func (r *Report) check(ctx context.Context, in input, opt Options) error {
	lim := opt.Limits.OrDefault()
	specFile := SpecJSON
	if in.isYAML {
		specFile = SpecYAML
	}
	var canon []byte
	if in.haveSpec {
		s, err := spec.Parse(in.spec, in.isYAML, lim)
		if err := r.add(err, specFile); err != nil {
			return err
		}
		r.Spec = s
		if s != nil {
			a, err := spec.Analyze(s, lim)
			if err := r.add(err, specFile); err != nil {
				return err
			}
			r.Analysis = a
			if canon, err = spec.Marshal(s); err != nil {
				return err
			}
		}
	}
	if !in.haveWeights {
		return nil
	}
	if r.Spec != nil {
		if err := r.add(CheckWeights(ctx, r.Spec, in.weights, in.size, opt.SkipDigest), WeightsFile); err != nil {
			return err
		}
	}
	st, err := safetensors.Open(in.weights, in.size, lim)
	if err := r.add(err, WeightsFile); err != nil {
		return err
	}
	if st == nil || r.Analysis == nil {
		return nil
	}
	defer st.Close()
	m, err := nn.Bind(ctx, r.Spec, r.Analysis, st, nn.Options{Limits: lim, Threads: opt.Threads})
	if err := r.add(err, WeightsFile); err != nil {
		return err
	}
	if m != nil && r.Valid() {
		sum := sha256.Sum256(canon)
		r.Package = &Package{Spec: r.Spec, Analysis: r.Analysis, Model: m, SpecDigest: hex.EncodeToString(sum[:])}
	}
	return nil
}
