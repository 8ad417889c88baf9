package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/modelgate/modelgate"
)

// ChunkBytes is the size of one stored blob chunk.
const ChunkBytes = 1 << 20 // 1 MiB

// Blobs is a content-addressed blob store in PostgreSQL: one row per blob
// and its data in ChunkBytes chunks. A blob and all its chunks commit in one
// transaction, so a visible blob is always complete; reading one verifies
// its SHA-256 before returning it.
type Blobs struct {
	db *sql.DB
}

var _ modelgate.BlobStore = (*Blobs)(nil)

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func badDigest(d string) error {
	return modelgate.Errorf(modelgate.EINVALID, "", "blob-digest", "invalid blob digest %q", d)
}

// Put stores a blob, verifying size and digest before committing. When the
// blob exists it only refreshes touched_at (which protects it from a
// concurrent garbage collection).
func (b *Blobs) Put(ctx context.Context, digest string, size int64, r io.Reader) error {
	if !validDigest(digest) {
		return badDigest(digest)
	}
	if size < 0 {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-size", "negative blob size %d", size)
	}
	for attempt := 0; ; attempt++ {
		err := b.put(ctx, digest, size, r)
		if err == errExists || err == nil {
			return nil
		}
		// A concurrent Put of the same digest committed first: ours hit the
		// primary key. The retry sees the row and only touches it.
		if attempt == 0 && isUniqueViolation(err) {
			continue
		}
		return err
	}
}

var errExists = errors.New("blob exists")

func (b *Blobs) put(ctx context.Context, digest string, size int64, r io.Reader) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("postgres blobs: %w", err)
	}
	defer rollback(tx)
	res, err := tx.ExecContext(ctx, `UPDATE blobs SET touched_at = $1 WHERE digest = $2`, time.Now().UnixNano(), digest)
	if err != nil {
		return fmt.Errorf("postgres blobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("postgres blobs: %w", err)
		}
		return errExists
	}
	chunks := (size + ChunkBytes - 1) / ChunkBytes
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (digest, size, chunks, touched_at) VALUES ($1, $2, $3, $4)`, digest, size, chunks, time.Now().UnixNano()); err != nil {
		return fmt.Errorf("postgres blobs: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, min(size, ChunkBytes))
	lr := io.LimitReader(r, size+1)
	var total int64
	for seq := int64(0); seq < chunks; seq++ {
		n, err := io.ReadFull(lr, buf[:min(int64(len(buf)), size-total)])
		total += int64(n)
		if err != nil {
			return modelgate.Errorf(modelgate.EINVALID, "", "blob-size", "blob is %d bytes, expected %d", total, size)
		}
		h.Write(buf[:n])
		if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (digest, seq, data) VALUES ($1, $2, $3)`, digest, seq, buf[:n]); err != nil {
			return fmt.Errorf("postgres blobs: %w", err)
		}
	}
	if extra, _ := io.Copy(io.Discard, io.LimitReader(lr, 1)); extra > 0 {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-size", "blob is longer than %d bytes", size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != digest {
		return modelgate.Errorf(modelgate.EINVALID, "", "blob-digest", "blob has SHA-256 %s, expected %s", got, digest)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("postgres blobs: commit: %w", err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	type sqlStater interface{ SQLState() string }
	var s sqlStater
	return errors.As(err, &s) && s.SQLState() == "23505"
}

// memBlob is a blob read into memory.
type memBlob struct{ *bytes.Reader }

func (m memBlob) Close() error { return nil }

// Open reads a whole blob into memory, verifying its SHA-256 and size.
func (b *Blobs) Open(ctx context.Context, digest string) (modelgate.Blob, error) {
	if !validDigest(digest) {
		return nil, badDigest(digest)
	}
	var size, chunks int64
	err := b.db.QueryRowContext(ctx, `SELECT size, chunks FROM blobs WHERE digest = $1`, digest).Scan(&size, &chunks)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, modelgate.Errorf(modelgate.ENOTFOUND, digest, "blob-not-found", "blob not found")
	}
	if err != nil {
		return nil, fmt.Errorf("postgres blobs: %w", err)
	}
	data := make([]byte, 0, size)
	h := sha256.New()
	for seq := int64(0); seq < chunks; seq++ {
		var chunk []byte
		if err := b.db.QueryRowContext(ctx, `SELECT data FROM blob_chunks WHERE digest = $1 AND seq = $2`, digest, seq).Scan(&chunk); err != nil {
			return nil, fmt.Errorf("postgres blobs: chunk %d: %w", seq, err)
		}
		if int64(len(data)+len(chunk)) > size {
			return nil, modelgate.Errorf(modelgate.EINTERNAL, digest, "blob-corrupt", "stored chunks exceed the blob size")
		}
		h.Write(chunk)
		data = append(data, chunk...)
	}
	if int64(len(data)) != size || hex.EncodeToString(h.Sum(nil)) != digest {
		return nil, modelgate.Errorf(modelgate.EINTERNAL, digest, "blob-corrupt", "stored blob fails its digest check")
	}
	return memBlob{bytes.NewReader(data)}, nil
}

// Delete removes a blob and its chunks.
func (b *Blobs) Delete(ctx context.Context, digest string) error {
	if !validDigest(digest) {
		return badDigest(digest)
	}
	if _, err := b.db.ExecContext(ctx, `DELETE FROM blobs WHERE digest = $1`, digest); err != nil {
		return fmt.Errorf("postgres blobs: %w", err)
	}
	return nil
}

// List returns every blob with its last Put time.
func (b *Blobs) List(ctx context.Context) (map[string]time.Time, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT digest, touched_at FROM blobs`)
	if err != nil {
		return nil, fmt.Errorf("postgres blobs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var d string
		var t int64
		if err := rows.Scan(&d, &t); err != nil {
			return nil, fmt.Errorf("postgres blobs: %w", err)
		}
		out[d] = time.Unix(0, t)
	}
	return out, rows.Err()
}

// Ping checks the connection.
func (b *Blobs) Ping(ctx context.Context) error { return b.db.PingContext(ctx) }
