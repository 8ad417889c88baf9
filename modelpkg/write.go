package modelpkg

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/safetensors"
	"github.com/modelgate/modelgate/spec"
)

// WriteOptions tunes [WriteWith].
type WriteOptions struct {
	Overwrite bool             // replace the package files of an existing non-empty directory
	Limits    modelgate.Limits // budgets for the validating load; zero fields take the defaults
	Metadata  map[string]string
}

// Write creates the package directory dir from s and tensors: it fills
// s.Weights (SHA-256 and size; DType defaults to "float32"), writes
// weights.safetensors (canonical, see safetensors.Write) and the canonical
// model.json (spec.Marshal), checks the result through the same path as
// [Open], and only then moves both files into place (temporary files,
// fsync, rename, fsync of the directory). It refuses a directory that
// exists and is not empty; see [WriteWith].
func Write(ctx context.Context, dir string, s *spec.Spec, tensors []safetensors.Tensor) error {
	return WriteWith(ctx, dir, s, tensors, WriteOptions{})
}

// WriteWith is [Write] with options. With Overwrite, an existing
// model.json, model.yaml and weights.safetensors are replaced and other
// files are left alone. The weights are streamed to disk, not held twice in
// memory.
func WriteWith(ctx context.Context, dir string, s *spec.Spec, tensors []safetensors.Tensor, opt WriteOptions) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("modelpkg: writing %s: %w", dir, err)
		}
	}()
	if s == nil {
		return errors.New("nil spec")
	}
	if err := prepareDir(dir, opt.Overwrite); err != nil {
		return err
	}
	var tmps []string
	defer func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}()
	wf, err := os.CreateTemp(dir, ".modelgate-*.tmp")
	if err != nil {
		return err
	}
	tmps = append(tmps, wf.Name())
	defer wf.Close()
	sum, size, err := writeWeights(wf, tensors, opt.Metadata)
	if err != nil {
		return err
	}
	if s.Weights.DType == "" {
		s.Weights.DType = "float32"
	}
	s.Weights.SHA256, s.Weights.Bytes = sum, size
	specData, err := spec.Marshal(s)
	if err != nil {
		return err
	}
	if _, err := Open(ctx, specData, false, wf, size, Options{Limits: opt.Limits, Threads: 1}); err != nil {
		return fmt.Errorf("the package would not load: %w", err)
	}
	sf, err := writeTemp(dir, specData)
	if sf != "" {
		tmps = append(tmps, sf)
	}
	if err != nil {
		return err
	}
	if err := placeFiles(dir, tmps, opt.Overwrite); err != nil {
		return err
	}
	tmps = nil
	return nil
}

// writeWeights streams the canonical safetensors encoding of tensors to f,
// syncs it and returns its SHA-256 and size.
func writeWeights(f *os.File, tensors []safetensors.Tensor, meta map[string]string) (string, int64, error) {
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	bw := bufio.NewWriterSize(cw, 1<<20)
	if err := safetensors.Write(bw, tensors, meta); err != nil {
		return "", 0, err
	}
	if err := bw.Flush(); err != nil {
		return "", 0, err
	}
	if err := f.Chmod(0o644); err != nil {
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), cw.n, nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// prepareDir creates dir if needed and refuses a non-empty one unless
// overwrite.
func prepareDir(dir string, overwrite bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if overwrite {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(names) > 0 {
		return modelgate.Errorf(modelgate.ECONFLICT, dir, "dir-not-empty",
			"directory is not empty (found %s); pass Overwrite to replace the package", names[0])
	}
	return nil
}

// placeFiles renames the temporary weights and spec files into place and
// syncs the directory. With overwrite, a model.yaml that would make the
// spec ambiguous is removed first.
func placeFiles(dir string, tmps []string, overwrite bool) error {
	if overwrite {
		if err := os.Remove(filepath.Join(dir, SpecYAML)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmps[0], filepath.Join(dir, WeightsFile)); err != nil {
		return err
	}
	if err := os.Rename(tmps[1], filepath.Join(dir, SpecJSON)); err != nil {
		return err
	}
	return syncDir(dir)
}

// writeTemp writes data to a new temporary file in dir and syncs it.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".modelgate-*.tmp")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, err = w.Write(data)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
