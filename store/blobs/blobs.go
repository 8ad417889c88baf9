// Package blobs is a content-addressed blob store on a local directory: the
// weights files of stored model versions, named by their SHA-256.
//
// # Layout
//
//	DIR/sha256/ab/abcdef...   one file per blob (64 hex digits), read-only
//	DIR/tmp/put-*             uploads in progress
//	DIR/LOCK                  held (flock) by the serving process
//
// # Crash safety
//
// [Dir.Put] writes to a temporary file while hashing, checks size and
// digest, fsyncs the file, renames it into place and fsyncs the directory.
// A blob path therefore only ever names a complete, durable blob; a crash
// leaves at most a temporary file, which [Dir.CleanTemp] removes at the next
// start.
package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/internal/ctxio"
)

// Dir is a blob store rooted at a directory.
type Dir struct {
	root string
}

var _ modelgate.BlobStore = (*Dir)(nil)

// Open returns the blob store in root, creating its directories.
func Open(root string) (*Dir, error) {
	for _, d := range []string{root, filepath.Join(root, "sha256"), filepath.Join(root, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blobs: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// ValidDigest reports whether s is 64 lowercase hex digits.
func ValidDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func badDigest(d string) error {
	return modelgate.Errorf(modelgate.EINVALID, "", "blob-digest", "invalid blob digest %q", d)
}

func (d *Dir) path(digest string) string {
	return filepath.Join(d.root, "sha256", digest[:2], digest)
}

// Put stores size bytes from r under digest, verifying both.
func (d *Dir) Put(ctx context.Context, digest string, size int64, r io.Reader) error {
	if !ValidDigest(digest) {
		return badDigest(digest)
	}
	if size < 0 {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-size", "negative blob size %d", size)
	}
	final := d.path(digest)
	if _, err := os.Stat(final); err == nil {
		t := time.Now()
		return os.Chtimes(final, t, t)
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "put-*")
	if err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxio.Reader(ctx, io.LimitReader(r, size+1)))
	if err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	if n != size {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-size", "blob is %d bytes, expected %d", n, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != digest {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-digest", "blob has SHA-256 %s, expected %s", got, digest)
	}
	if err := tmp.Chmod(0o400); err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("blobs: put: fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	shard := filepath.Dir(final)
	if err := os.MkdirAll(shard, 0o700); err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("blobs: put: %w", err)
	}
	ok = true
	if err := syncDir(shard); err != nil {
		return err
	}
	return syncDir(filepath.Dir(shard))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blobs: fsync dir: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blobs: fsync dir: %w", err)
	}
	return nil
}

// file is an open blob.
type file struct {
	*os.File
	size int64
}

func (f *file) Size() int64 { return f.size }

// Open opens a blob for reading.
func (d *Dir) Open(ctx context.Context, digest string) (modelgate.Blob, error) {
	if !ValidDigest(digest) {
		return nil, badDigest(digest)
	}
	f, err := os.Open(d.path(digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, modelgate.Errorf(modelgate.ENOTFOUND, digest, "blob-not-found", "blob not found")
	}
	if err != nil {
		return nil, fmt.Errorf("blobs: open: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blobs: open: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, modelgate.Errorf(modelgate.EINTERNAL, digest, "blob-not-regular", "blob is not a regular file")
	}
	return &file{File: f, size: st.Size()}, nil
}

// Delete removes a blob.
func (d *Dir) Delete(ctx context.Context, digest string) error {
	if !ValidDigest(digest) {
		return badDigest(digest)
	}
	if err := os.Remove(d.path(digest)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobs: delete: %w", err)
	}
	return nil
}

// List returns every blob with its modification time.
func (d *Dir) List(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	shards, err := os.ReadDir(filepath.Join(d.root, "sha256"))
	if err != nil {
		return nil, fmt.Errorf("blobs: list: %w", err)
	}
	for _, sh := range shards {
		if !sh.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(d.root, "sha256", sh.Name()))
		if err != nil {
			return nil, fmt.Errorf("blobs: list: %w", err)
		}
		for _, e := range ents {
			if !ValidDigest(e.Name()) || e.Name()[:2] != sh.Name() {
				continue
			}
			info, err := e.Info()
			if err != nil {
				continue
			}
			out[e.Name()] = info.ModTime()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Ping checks that the blob directory is present.
func (d *Dir) Ping(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(d.root, "tmp")); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	return nil
}

// TempDir returns the directory for uploads in progress; files the server
// spools there are removed by [Dir.CleanTemp] after a crash.
func (d *Dir) TempDir() string { return filepath.Join(d.root, "tmp") }

// CleanTemp removes every file in the temporary directory and returns how
// many it removed. Call it only while holding [Dir.Lock].
func (d *Dir) CleanTemp() (int, error) {
	ents, err := os.ReadDir(d.TempDir())
	if err != nil {
		return 0, fmt.Errorf("blobs: clean: %w", err)
	}
	n := 0
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(d.TempDir(), e.Name())); err != nil {
			return n, fmt.Errorf("blobs: clean: %w", err)
		}
		n++
	}
	return n, nil
}

// Lock takes an exclusive, non-blocking flock on DIR/LOCK so that only one
// process serves from a blob directory. The lock ends with the returned
// function or the process.
func (d *Dir) Lock() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(d.root, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("blobs: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, modelgate.Errorf(modelgate.ECONFLICT, d.root, "data-dir-locked", "another modelgate process holds %s: %v", d.root, err)
	}
	return func() { f.Close() }, nil
}
