package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/internal/ctxio"
	"github.com/modelgate/modelgate/modelpkg"
	"github.com/modelgate/modelgate/server/middleware"
	"github.com/modelgate/modelgate/spec"
)

// Converter turns a legacy model file (a Flux.jl BSON file) into a
// modelgate package. Implementations parse the file as inert data, scan it
// against allow-lists and should run in an isolated child process.
type Converter interface {
	// Convert returns the package, or an error carrying the problems that
	// refused the file (a modelgate.Problems or *modelgate.Error). The
	// returned *Converted may be non-nil with an error, to carry the scan
	// report of a refused file. opt has passed [ConvertOptions.Check].
	Convert(ctx context.Context, data []byte, opt ConvertOptions) (*Converted, error)
}

// Converted is a converted legacy file.
type Converted struct {
	Spec    []byte          // spec JSON
	Weights []byte          // weights.safetensors bytes
	Report  json.RawMessage // the scan/conversion report, stored with the version
}

// uploadForm is what a multipart upload carried.
type uploadForm struct {
	name    string
	spec    []byte
	weights *os.File // spooled weights; nil when absent
	size    int64
	legacy  []byte
	hasSpec bool
	hasFile bool
	spooled []string
	// convOpt holds the conversion options given (Limits unset);
	// convParts names their parts.
	convOpt   ConvertOptions
	convParts []string
}

func (f *uploadForm) cleanup() {
	if f.weights != nil {
		f.weights.Close()
	}
	for _, p := range f.spooled {
		os.Remove(p)
	}
}

// upload answers POST /v1/models.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	if !s.uploads.allow(t.ID, time.Now()) {
		s.refuse(w, r, t, "", modelgate.Errorf(modelgate.ELIMIT, "", ruleRateLimit, "upload rate limit exceeded for this token"), nil)
		return
	}
	// Uploads get UploadTimeout instead of the ordinary request deadline;
	// a client that goes away (not the ordinary deadline) still cancels.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.UploadTimeout)
	defer cancel()
	stop := context.AfterFunc(r.Context(), func() {
		if errors.Is(r.Context().Err(), context.Canceled) {
			cancel()
		}
	})
	defer stop()
	select {
	case s.uploadSem <- struct{}{}:
		defer func() { <-s.uploadSem }()
	case <-ctx.Done():
		s.refuse(w, r, t, "", ctx.Err(), nil)
		return
	}
	f, err := s.readUpload(ctx, r)
	defer f.cleanup()
	if err != nil {
		s.refuse(w, r, t, f.name, err, nil)
		return
	}
	if f.hasFile {
		s.uploadLegacy(ctx, w, r, t, f)
		return
	}
	s.store1(ctx, w, r, t, f.name, f.spec, f.weights, f.size, nil)
}

// readUpload reads the multipart form: "name", and "spec" + "weights" or
// "file" with the optional conversion options "input_shape", "key",
// "allow_known_lambdas" and "swap_hw". Each part may appear once; unknown parts are
// refused.
func (s *Server) readUpload(ctx context.Context, r *http.Request) (*uploadForm, error) {
	f := &uploadForm{}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, badRequest("", "bad-multipart", "body must be multipart/form-data: %v", err)
	}
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return f, requestFailure(err, "bad-multipart", "reading multipart body")
		}
		name := p.FormName()
		if seen[name] {
			return f, badRequest(name, "duplicate-part", "part %q appears twice", name)
		}
		seen[name] = true
		if err := s.readPart(ctx, f, name, p); err != nil {
			return f, err
		}
	}
	switch {
	case f.hasFile && (f.hasSpec || f.weights != nil):
		return f, badRequest("", "mixed-upload", `send either "spec" and "weights" or "file", not both`)
	case !f.hasFile && len(f.convParts) > 0:
		return f, badRequest(f.convParts[0], "option-without-file", "part %q applies only to a legacy \"file\" upload", f.convParts[0])
	case !f.hasFile && (!f.hasSpec || f.weights == nil):
		return f, badRequest("", "missing-part", `an upload needs "spec" and "weights" parts (or a legacy "file")`)
	case f.name != "" && !validName(f.name):
		return f, badRequest("name", "bad-model-name", "model name must be 1..128 characters of [A-Za-z0-9._-], starting with a letter or digit")
	}
	return f, nil
}

func (s *Server) readPart(ctx context.Context, f *uploadForm, name string, p *multipart.Part) error {
	lim := s.cfg.Limits
	switch name {
	case "name":
		b, err := readCapped(p, 256, "name")
		f.name = string(bytes.TrimSpace(b))
		return err
	case "spec":
		b, err := readCapped(p, lim.SpecBytes, "spec")
		f.spec, f.hasSpec = b, true
		return err
	case "file":
		b, err := readCapped(p, s.cfg.MaxLegacyBytes, "file")
		f.legacy, f.hasFile = b, true
		return err
	case "weights":
		return s.spoolWeights(ctx, f, p)
	case "input_shape", "key", "allow_known_lambdas", "swap_hw":
		b, err := readCapped(p, 1024, name)
		if err != nil {
			return err
		}
		return readConvertPart(f, name, b)
	}
	return badRequest(name, "unknown-part", "unknown part %q (want name, spec, weights, file, input_shape, key, allow_known_lambdas or swap_hw)", name)
}

// readCapped reads at most max bytes of a part, failing with ELIMIT past it.
func readCapped(r io.Reader, max int64, part string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, requestFailure(err, "bad-multipart", "reading part "+part)
	}
	if int64(len(b)) > max {
		return nil, modelgate.Errorf(modelgate.ELIMIT, part, part+"-too-large", "part %q is larger than %d bytes", part, max)
	}
	return b, nil
}

// spoolWeights copies the weights part into a temporary file.
func (s *Server) spoolWeights(ctx context.Context, f *uploadForm, p *multipart.Part) error {
	tmp, err := os.CreateTemp(s.cfg.TempDir, "upload-*")
	if err != nil {
		return fmt.Errorf("spool weights: %w", err)
	}
	f.weights = tmp
	f.spooled = append(f.spooled, tmp.Name())
	max := s.cfg.Limits.WeightsBytes
	n, err := io.Copy(tmp, ctxio.Reader(ctx, io.LimitReader(p, max+1)))
	if err != nil {
		return requestFailure(err, "bad-multipart", "reading part weights")
	}
	if n > max {
		return modelgate.Errorf(modelgate.ELIMIT, "weights", "weights-too-large", "weights are larger than %d bytes", max)
	}
	f.size = n
	return nil
}

// requestFailure classifies an error while reading the body: a body over
// the limit stays a limit error, anything else is a malformed request.
func requestFailure(err error, rule, doing string) error {
	var mbe *http.MaxBytesError
	var me *modelgate.Error
	if errors.As(err, &mbe) || errors.As(err, &me) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return badRequest("", rule, "%s: %v", doing, err)
}

// uploadLegacy converts a legacy file and stores the result.
func (s *Server) uploadLegacy(ctx context.Context, w http.ResponseWriter, r *http.Request, t *modelgate.Token, f *uploadForm) {
	if s.conv == nil {
		s.refuse(w, r, t, f.name, modelgate.Errorf(modelgate.EUNSUPPORTED, "file", "legacy-unsupported",
			"this server does not convert legacy files; convert with \"modelgate convert\" and upload the package"), nil)
		return
	}
	opt := f.convOpt
	opt.Limits = s.cfg.Limits
	c, err := s.conv.Convert(ctx, f.legacy, opt)
	var report json.RawMessage
	if c != nil {
		report = c.Report
	}
	if err != nil {
		s.refuse(w, r, t, f.name, err, report)
		return
	}
	s.store1(ctx, w, r, t, f.name, c.Spec, bytes.NewReader(c.Weights), int64(len(c.Weights)), report)
}

// refuse answers a refused upload and records it in metrics and the audit log.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, t *modelgate.Token, model string, err error, report json.RawMessage) {
	ps := problemsOf(err)
	result := "refused"
	if statusOf(err) >= 500 {
		result = "failed"
	}
	s.metrics.uploads.WithLabelValues(result).Inc()
	for _, p := range ps {
		s.metrics.rejection(p.Rule)
	}
	if result == "refused" {
		// The request's own deadline may have passed (slow uploads).
		actx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		_ = s.store.AppendAudit(actx, modelgate.AuditEntry{Actor: t.ID, Namespace: t.Namespace, Action: modelgate.AuditUploadRefuse,
			Model: model, Detail: ps[0].Rule})
	}
	s.log.InfoContext(r.Context(), "upload refused", "namespace", t.Namespace, "model", model, "rule", ps[0].Rule,
		"problems", len(ps), "request_id", middleware.GetRequestID(r.Context()))
	s.writeError(w, r, err, report)
}

// uploadResult is the 201 body.
type uploadResult struct {
	Name    string          `json:"name"`
	Version int64           `json:"version"`
	Digest  string          `json:"digest"`
	Created bool            `json:"created"`
	Weights blobID          `json:"weights"`
	Report  json.RawMessage `json:"report"`
}

// store1 validates a package, writes its blob, then commits the version.
func (s *Server) store1(ctx context.Context, w http.ResponseWriter, r *http.Request, t *modelgate.Token, name string, specData []byte, weights io.ReaderAt, size int64, scan json.RawMessage) {
	isYAML := !looksLikeJSON(specData)
	rep, err := modelpkg.ValidateBytes(ctx, specData, isYAML, weights, size, modelpkg.Options{Limits: s.cfg.Limits, Threads: s.cfg.Threads})
	if err != nil {
		s.refuse(w, r, t, name, err, nil)
		return
	}
	report, err := buildReport(rep, scan)
	if err != nil {
		s.refuse(w, r, t, name, err, nil)
		return
	}
	if !rep.Valid() {
		s.refuse(w, r, t, name, rep.Problems, report)
		return
	}
	if name == "" {
		name = rep.Spec.Name
	}
	canon, err := spec.Marshal(rep.Spec)
	if err != nil {
		s.refuse(w, r, t, name, err, report)
		return
	}
	sum := sha256.Sum256(canon)
	v := &modelgate.Version{Namespace: t.Namespace, Model: name, Digest: "sha256:" + hex.EncodeToString(sum[:]), Spec: canon,
		WeightsSHA256: rep.Spec.Weights.SHA256, WeightsBytes: size, Report: report, UploadedBy: t.ID}
	// The blob must be durable before the row that names it commits.
	if err := s.blobs.Put(ctx, v.WeightsSHA256, size, io.NewSectionReader(weights, 0, size)); err != nil {
		s.refuse(w, r, t, name, err, report)
		return
	}
	stored, created, err := s.store.CreateVersion(ctx, v)
	if err != nil {
		s.refuse(w, r, t, name, err, report)
		return
	}
	if rep.Package != nil {
		s.cache.add(stored.Digest, rep.Package)
	}
	status, result := http.StatusCreated, "created"
	if !created {
		status, result = http.StatusOK, "existing"
	}
	s.metrics.uploads.WithLabelValues(result).Inc()
	s.log.InfoContext(ctx, "upload stored", "namespace", t.Namespace, "model", name, "version", stored.Number,
		"digest", stored.Digest, "created", created, "token", t.ID)
	writeJSON(w, status, uploadResult{Name: name, Version: stored.Number, Digest: stored.Digest, Created: created,
		Weights: blobID{stored.WeightsSHA256, stored.WeightsBytes}, Report: stored.Report})
}

// looksLikeJSON reports whether a spec document is JSON (its first
// non-space byte is '{'); anything else is parsed as YAML.
func looksLikeJSON(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}
