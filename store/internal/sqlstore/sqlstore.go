// Package sqlstore implements [modelgate.Store] on database/sql for the
// SQLite and PostgreSQL stores, which differ only in placeholders, row
// locking and how a write transaction starts.
//
// # Concurrency
//
// Every write that touches a model first locks that model's row in the
// models table (SELECT ... FOR UPDATE on PostgreSQL; SQLite write
// transactions are serialised by BEGIN IMMEDIATE). Version numbers come
// from the locked row's counter, so concurrent uploads from several
// processes get distinct numbers, an upload of an existing digest returns
// the stored version, and alias moves and deletes cannot interleave.
// Unique constraints back every one of these rules.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelgate/modelgate"
)

// Dialect describes the SQL differences between backends.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1, $2) instead of "?".
	Numbered bool
	// ForUpdate is appended to the model row lock query (" FOR UPDATE").
	ForUpdate string
	// MigrationLock, when set, runs inside the migration transaction
	// before anything else (an advisory lock on PostgreSQL).
	MigrationLock string
}

// Store is a metadata store on a *sql.DB.
type Store struct {
	db    *sql.DB
	d     Dialect
	stmts sync.Map // rewritten query -> *sql.Stmt, for the hot read paths
}

var _ modelgate.Store = (*Store)(nil)

// New returns a store on db. Call [Migrate] first.
func New(db *sql.DB, d Dialect) *Store { return &Store{db: db, d: d} }

// DB returns the underlying database.
func (s *Store) DB() *sql.DB { return s.db }

// q rewrites "?" placeholders for the dialect.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Migrate applies the numbered migrations NNNN_name.sql found at the root
// of files that are not yet recorded in schema_migrations, each in its own
// transaction.
func Migrate(ctx context.Context, db *sql.DB, d Dialect, files fs.FS) error {
	names, err := fs.Glob(files, "*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	s := &Store{db: db, d: d}
	for _, name := range names {
		num, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %q", name)
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if err := s.migrateOne(ctx, num, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrateOne(ctx context.Context, num int64, body string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.MigrationLock); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), num).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range strings.Split(body, ";\n") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), num, now()); err != nil {
		return err
	}
	return tx.Commit()
}

func stripComments(stmt string) string {
	var out []string
	for _, line := range strings.Split(stmt, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// Ping checks the database connection.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the prepared statements and the database.
func (s *Store) Close() error {
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

// queryRow runs a single-row query through a statement prepared once (the
// per-request lookups: tokens, version resolution).
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := s.q(query)
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt).QueryRowContext(ctx, args...)
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, q, args...)
	}
	if old, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		st = old.(*sql.Stmt)
	}
	return st.QueryRowContext(ctx, args...)
}

func now() int64 { return time.Now().UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func notFound(rule, format string, args ...any) error {
	return modelgate.Errorf(modelgate.ENOTFOUND, "", rule, format, args...)
}

// tx runs fn in a transaction and commits it when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", s.d.Name, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", s.d.Name, err)
	}
	return nil
}

// lockModel creates the model row if needed and locks it; it returns the
// next version number.
func (s *Store) lockModel(ctx context.Context, tx *sql.Tx, ns, model string, create bool) (int64, error) {
	if create {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO models (namespace, name, next_version) VALUES (?, ?, 1) ON CONFLICT DO NOTHING`), ns, model); err != nil {
			return 0, fmt.Errorf("lock model: %w", err)
		}
	}
	var next int64
	err := tx.QueryRowContext(ctx, s.q(`SELECT next_version FROM models WHERE namespace = ? AND name = ?`+s.d.ForUpdate), ns, model).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound("model-not-found", "model %q not found", model)
	}
	if err != nil {
		return 0, fmt.Errorf("lock model: %w", err)
	}
	return next, nil
}

func (s *Store) audit(ctx context.Context, tx *sql.Tx, e modelgate.AuditEntry) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit (time, actor, namespace, action, model, version, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		now(), e.Actor, e.Namespace, e.Action, e.Model, e.Version, e.Detail)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AppendAudit records one audit entry.
func (s *Store) AppendAudit(ctx context.Context, e modelgate.AuditEntry) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.audit(ctx, tx, e) })
}

// Audit returns the newest audit entries, newest first.
func (s *Store) Audit(ctx context.Context, ns string, limit int) ([]modelgate.AuditEntry, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	query := `SELECT id, time, actor, namespace, action, model, version, detail FROM audit`
	args := []any{}
	if ns != "" {
		query += ` WHERE namespace = ?`
		args = append(args, ns)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	var out []modelgate.AuditEntry
	for rows.Next() {
		var e modelgate.AuditEntry
		var t int64
		if err := rows.Scan(&e.ID, &t, &e.Actor, &e.Namespace, &e.Action, &e.Model, &e.Version, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		e.Time = fromNanos(t)
		out = append(out, e)
	}
	return out, rows.Err()
}
