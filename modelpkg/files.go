package modelpkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/modelgate/modelgate"
)

// Load reads the package in dir (model.json or model.yaml, and
// weights.safetensors; nothing else), checks it completely and binds it.
// See the package documentation for the rules. A problem with the package
// is a *modelgate.Error or modelgate.Problems with code EINVALID,
// EUNSUPPORTED or ELIMIT; a missing directory or an I/O failure is an
// error without those codes.
func Load(ctx context.Context, dir string, opt Options) (*Package, error) {
	lim := opt.Limits.OrDefault()
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	specData, isYAML, err := readSpec(dir, lim)
	if err != nil {
		return nil, err
	}
	weights, err := readWeights(ctx, dir, lim)
	if err != nil {
		return nil, err
	}
	// The digest is checked and the tensors are bound from the same bytes,
	// so nobody who can write the file during the load can change what is
	// bound after it was verified.
	return Open(ctx, specData, isYAML, bytes.NewReader(weights), int64(len(weights)), opt)
}

// readWeights reads weights.safetensors whole, after checking its size
// against the budget, and refuses a file that grows while it is read.
func readWeights(ctx context.Context, dir string, lim modelgate.Limits) ([]byte, error) {
	f, size, err := openWeights(dir, lim)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, size)
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(size-off, digestChunk)
		k, err := io.ReadFull(f, data[off:off+n])
		off += int64(k)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, modelgate.Errorf(modelgate.EINVALID, WeightsFile, "truncated",
				"file ended at byte %d while being read (size was %d)", off, size)
		}
		if err != nil {
			return nil, fmt.Errorf("modelpkg: reading %s: %w", WeightsFile, err)
		}
	}
	var one [1]byte
	if k, _ := f.Read(one[:]); k != 0 {
		return nil, modelgate.Errorf(modelgate.EINVALID, WeightsFile, "changed-while-reading",
			"file grew beyond %d bytes while being read", size)
	}
	return data, nil
}

// checkDir checks that dir names a directory (it may be a symlink to one:
// the caller chose it).
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("modelpkg: %w", err)
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "open package", Path: dir, Err: syscall.ENOTDIR}
	}
	return nil
}

// readSpec finds exactly one of model.json and model.yaml in dir and reads
// it, refusing a file over lim.SpecBytes before reading it.
func readSpec(dir string, lim modelgate.Limits) ([]byte, bool, error) {
	name, isYAML, err := specName(dir)
	if err != nil {
		return nil, false, err
	}
	f, size, err := openRegular(dir, name)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if size > lim.SpecBytes {
		return nil, false, modelgate.Errorf(modelgate.ELIMIT, name, "spec-too-large",
			"spec is %d bytes, limit %d", size, lim.SpecBytes)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, false, fmt.Errorf("modelpkg: reading %s: %w", name, err)
	}
	return data, isYAML, nil
}

// specName decides which spec file the package uses.
func specName(dir string) (string, bool, error) {
	hasJSON, err := exists(dir, SpecJSON)
	if err != nil {
		return "", false, err
	}
	hasYAML, err := exists(dir, SpecYAML)
	if err != nil {
		return "", false, err
	}
	switch {
	case hasJSON && hasYAML:
		return "", false, modelgate.Errorf(modelgate.EINVALID, SpecJSON, "spec-ambiguous",
			"the package has both %s and %s; keep exactly one", SpecJSON, SpecYAML)
	case hasYAML:
		return SpecYAML, true, nil
	case hasJSON:
		return SpecJSON, false, nil
	}
	return "", false, modelgate.Errorf(modelgate.EINVALID, SpecJSON, "missing-spec",
		"the package has neither %s nor %s", SpecJSON, SpecYAML)
}

// exists reports whether name exists in dir, without following a symlink.
func exists(dir, name string) (bool, error) {
	_, err := os.Lstat(filepath.Join(dir, name))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("modelpkg: %w", err)
}

// openWeights opens weights.safetensors and checks its size against the
// budget.
func openWeights(dir string, lim modelgate.Limits) (*os.File, int64, error) {
	f, size, err := openRegular(dir, WeightsFile)
	if err != nil {
		return nil, 0, err
	}
	if size > lim.WeightsBytes {
		f.Close()
		return nil, 0, modelgate.Errorf(modelgate.ELIMIT, WeightsFile, "weights-too-large",
			"weights file is %d bytes, limit %d", size, lim.WeightsBytes)
	}
	return f, size, nil
}

// openRegular opens dir/name read-only without following symlinks and
// without blocking on a FIFO, and checks that it is a regular file with one
// hard link. It returns the file and its size.
func openRegular(dir, name string) (*os.File, int64, error) {
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, modelgate.Errorf(modelgate.EINVALID, name, "missing-file", "the package has no %s", name)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("modelpkg: %w", err)
	}
	if err := checkMode(name, fi); err != nil {
		return nil, 0, err
	}
	f, err := openNoFollow(path)
	if err != nil {
		if isSymlinkErr(err) {
			return nil, 0, refusedSymlink(name)
		}
		return nil, 0, fmt.Errorf("modelpkg: %w", err)
	}
	fi, err = f.Stat() // the file actually opened, not the name checked above
	if err == nil {
		err = checkMode(name, fi)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// checkMode refuses anything but a regular file with a single link.
func checkMode(name string, fi fs.FileInfo) error {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return refusedSymlink(name)
	case !m.IsRegular():
		return modelgate.Errorf(modelgate.EINVALID, name, "not-regular-file",
			"%s is not a regular file (mode %v)", name, m)
	}
	if n := linkCount(fi); n > 1 {
		return modelgate.Errorf(modelgate.EINVALID, name, "hard-link",
			"%s has %d hard links; a package file must have exactly one", name, n)
	}
	return nil
}

func refusedSymlink(name string) error {
	return modelgate.Errorf(modelgate.EINVALID, name, "symlink",
		"%s is a symbolic link; package files must be regular files", name)
}
