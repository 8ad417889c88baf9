package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/modelpkg"
)

// predict answers POST /v1/models/{name}/versions/{version}/predict with
// body {"inputs": [...]} (batch first) and {"outputs": [...]}.
func (s *Server) predict(w http.ResponseWriter, r *http.Request, t *modelgate.Token) {
	if !s.predicts.allow(t.ID, time.Now()) {
		s.metrics.rejection(ruleRateLimit)
		s.writeError(w, r, modelgate.Errorf(modelgate.ELIMIT, "", ruleRateLimit, "predict rate limit exceeded for this token"), nil)
		return
	}
	name, v, err := s.resolvePath(r, t)
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	ctx := r.Context()
	pkg, err := s.cache.get(ctx, v.Digest, func(ctx context.Context) (*modelpkg.Package, error) { return s.loadVersion(ctx, v) })
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	in, err := decodeInputs(r.Body, pkg.Model.InputShape(), s.cfg.MaxBatch)
	if err != nil {
		s.metrics.rejection(problemsOf(err)[0].Rule)
		s.writeError(w, r, requestFailure(err, "bad-input-json", "reading inputs"), nil)
		return
	}
	start := time.Now()
	out, err := pkg.Predict(ctx, in)
	s.metrics.predict.WithLabelValues(t.Namespace + "/" + name).Observe(time.Since(start).Seconds())
	if err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	b := make([]byte, 0, 64+len(out.Data)*12)
	b = append(b, `{"model":`...)
	nb, _ := json.Marshal(name)
	b = append(b, nb...)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, v.Number, 10)
	b = append(b, `,"digest":"`...)
	b = append(b, v.Digest...)
	b = append(b, `","shape":[`...)
	for i, d := range out.Shape {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	b = append(b, `],"outputs":`...)
	if b, err = appendTensor(b, out); err != nil {
		s.writeError(w, r, err, nil)
		return
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// loadVersion reconstructs a stored version through modelpkg, the CLI's
// loader: the weights blob's SHA-256 and size are verified against the
// stored spec, and the canonical spec's digest against the version's.
// Any failure is an internal error: the stored data is damaged.
func (s *Server) loadVersion(ctx context.Context, v *modelgate.Version) (*modelpkg.Package, error) {
	b, err := s.blobs.Open(ctx, v.WeightsSHA256)
	if err != nil {
		return nil, storedDamaged(v, err)
	}
	defer b.Close()
	pkg, err := modelpkg.Open(ctx, v.Spec, false, b, b.Size(), modelpkg.Options{Limits: s.cfg.Limits, Threads: s.cfg.Threads})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, storedDamaged(v, err)
	}
	if "sha256:"+pkg.SpecDigest != v.Digest {
		return nil, storedDamaged(v, modelgate.Errorf(modelgate.EINTERNAL, "", "spec-digest", "canonical spec digest sha256:%s", pkg.SpecDigest))
	}
	s.log.InfoContext(ctx, "model loaded", "namespace", v.Namespace, "model", v.Model, "version", v.Number, "digest", v.Digest)
	return pkg, nil
}

func storedDamaged(v *modelgate.Version, err error) error {
	return &modelgate.Error{Code: modelgate.EINTERNAL, Where: v.Model + "@" + strconv.FormatInt(v.Number, 10), Rule: "stored-model-damaged",
		Message: "stored model failed verification", Err: err}
}
