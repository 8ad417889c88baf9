package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgate/modelgate"
)

const versionCols = `namespace, model, number, digest, spec, weights_sha256, weights_bytes, report, uploaded_by, created_at`

type scanner interface{ Scan(...any) error }

func scanVersion(r scanner) (*modelgate.Version, error) {
	var v modelgate.Version
	var t int64
	if err := r.Scan(&v.Namespace, &v.Model, &v.Number, &v.Digest, &v.Spec, &v.WeightsSHA256, &v.WeightsBytes, &v.Report, &v.UploadedBy, &t); err != nil {
		return nil, err
	}
	v.CreatedAt = fromNanos(t)
	return &v, nil
}

// CreateVersion stores a new version, or returns the live version with the
// same digest.
func (s *Store) CreateVersion(ctx context.Context, v *modelgate.Version) (*modelgate.Version, bool, error) {
	var stored *modelgate.Version
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		next, err := s.lockModel(ctx, tx, v.Namespace, v.Model, true)
		if err != nil {
			return err
		}
		row := tx.QueryRowContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE namespace = ? AND model = ? AND digest = ?`), v.Namespace, v.Model, v.Digest)
		old, err := scanVersion(row)
		if err == nil {
			stored = old
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("create version: %w", err)
		}
		nv := *v
		nv.Number = next
		t := now()
		nv.CreatedAt = fromNanos(t)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO versions (`+versionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			nv.Namespace, nv.Model, nv.Number, nv.Digest, nv.Spec, nv.WeightsSHA256, nv.WeightsBytes, nv.Report, nv.UploadedBy, t); err != nil {
			return fmt.Errorf("create version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE models SET next_version = ? WHERE namespace = ? AND name = ?`), next+1, nv.Namespace, nv.Model); err != nil {
			return fmt.Errorf("create version: %w", err)
		}
		if err := s.audit(ctx, tx, modelgate.AuditEntry{Actor: nv.UploadedBy, Namespace: nv.Namespace, Action: modelgate.AuditUpload,
			Model: nv.Model, Version: nv.Number, Detail: nv.Digest}); err != nil {
			return err
		}
		stored, created = &nv, true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// Models lists the namespace's models that have live versions.
func (s *Store) Models(ctx context.Context, ns string) ([]modelgate.Model, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT model, count(*), max(number), max(created_at) FROM versions WHERE namespace = ? GROUP BY model ORDER BY model`), ns)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	defer rows.Close()
	out := []modelgate.Model{}
	for rows.Next() {
		m := modelgate.Model{Namespace: ns}
		var t int64
		if err := rows.Scan(&m.Name, &m.Versions, &m.Latest, &t); err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		m.UpdatedAt = fromNanos(t)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Versions lists a model's live versions, newest first.
func (s *Store) Versions(ctx context.Context, ns, model string) ([]modelgate.Version, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+versionCols+` FROM versions WHERE namespace = ? AND model = ? ORDER BY number DESC`), ns, model)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	defer rows.Close()
	var out []modelgate.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("versions: %w", err)
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	if len(out) == 0 {
		return nil, notFound("model-not-found", "model %q not found", model)
	}
	return out, nil
}

// ResolveVersion finds a version by number, digest, alias or "latest".
func (s *Store) ResolveVersion(ctx context.Context, ns, model, ref string) (*modelgate.Version, error) {
	base := `SELECT ` + versionCols + ` FROM versions WHERE namespace = ? AND model = ? AND `
	var row *sql.Row
	switch {
	case ref == "latest":
		row = s.queryRow(ctx, base+`number = (SELECT max(number) FROM versions WHERE namespace = ? AND model = ?)`, ns, model, ns, model)
	case strings.HasPrefix(ref, "sha256:"):
		row = s.queryRow(ctx, base+`digest = ?`, ns, model, ref)
	case isNumber(ref):
		n, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			return nil, notFound("version-not-found", "version %q not found", ref)
		}
		row = s.queryRow(ctx, base+`number = ?`, ns, model, n)
	default:
		row = s.queryRow(ctx, base+`number = (SELECT version FROM aliases WHERE namespace = ? AND model = ? AND name = ?)`, ns, model, ns, model, ref)
	}
	v, err := scanVersion(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("version-not-found", "model %q has no version %q", model, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve version: %w", err)
	}
	return v, nil
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// DeleteVersion removes a version that no alias points to.
func (s *Store) DeleteVersion(ctx context.Context, a modelgate.Actor, model string, number int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockModel(ctx, tx, a.Namespace, model, false); err != nil {
			return err
		}
		var aliases []string
		rows, err := tx.QueryContext(ctx, s.q(`SELECT name FROM aliases WHERE namespace = ? AND model = ? AND version = ? ORDER BY name`), a.Namespace, model, number)
		if err != nil {
			return fmt.Errorf("delete version: %w", err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("delete version: %w", err)
			}
			aliases = append(aliases, n)
		}
		rows.Close()
		if len(aliases) > 0 {
			return modelgate.Errorf(modelgate.ECONFLICT, "", "version-aliased", "version %d of %q is pointed to by alias %s; move or delete the alias first", number, model, strings.Join(aliases, ", "))
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM versions WHERE namespace = ? AND model = ? AND number = ?`), a.Namespace, model, number)
		if err != nil {
			return fmt.Errorf("delete version: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("version-not-found", "model %q has no version %d", model, number)
		}
		return s.audit(ctx, tx, modelgate.AuditEntry{Actor: a.TokenID, Namespace: a.Namespace, Action: modelgate.AuditDelete, Model: model, Version: number})
	})
}

// SetAlias creates or moves an alias atomically.
func (s *Store) SetAlias(ctx context.Context, a modelgate.Actor, model, alias string, number int64) (*modelgate.Alias, error) {
	var out *modelgate.Alias
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockModel(ctx, tx, a.Namespace, model, false); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM versions WHERE namespace = ? AND model = ? AND number = ?`), a.Namespace, model, number).Scan(&n); err != nil {
			return fmt.Errorf("set alias: %w", err)
		}
		if n == 0 {
			return notFound("version-not-found", "model %q has no version %d", model, number)
		}
		t := now()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO aliases (namespace, model, name, version, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (namespace, model, name) DO UPDATE SET version = excluded.version, updated_by = excluded.updated_by, updated_at = excluded.updated_at`),
			a.Namespace, model, alias, number, a.TokenID, t); err != nil {
			return fmt.Errorf("set alias: %w", err)
		}
		out = &modelgate.Alias{Namespace: a.Namespace, Model: model, Name: alias, Version: number, UpdatedBy: a.TokenID, UpdatedAt: fromNanos(t)}
		return s.audit(ctx, tx, modelgate.AuditEntry{Actor: a.TokenID, Namespace: a.Namespace, Action: modelgate.AuditAlias, Model: model, Version: number, Detail: alias})
	})
	return out, err
}

// DeleteAlias removes an alias.
func (s *Store) DeleteAlias(ctx context.Context, a modelgate.Actor, model, alias string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockModel(ctx, tx, a.Namespace, model, false); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM aliases WHERE namespace = ? AND model = ? AND name = ?`), a.Namespace, model, alias)
		if err != nil {
			return fmt.Errorf("delete alias: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("alias-not-found", "model %q has no alias %q", model, alias)
		}
		return s.audit(ctx, tx, modelgate.AuditEntry{Actor: a.TokenID, Namespace: a.Namespace, Action: modelgate.AuditDeleteAlias, Model: model, Detail: alias})
	})
}

// Aliases lists a model's aliases.
func (s *Store) Aliases(ctx context.Context, ns, model string) ([]modelgate.Alias, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT name, version, updated_by, updated_at FROM aliases WHERE namespace = ? AND model = ? ORDER BY name`), ns, model)
	if err != nil {
		return nil, fmt.Errorf("aliases: %w", err)
	}
	defer rows.Close()
	out := []modelgate.Alias{}
	for rows.Next() {
		al := modelgate.Alias{Namespace: ns, Model: model}
		var t int64
		if err := rows.Scan(&al.Name, &al.Version, &al.UpdatedBy, &t); err != nil {
			return nil, fmt.Errorf("aliases: %w", err)
		}
		al.UpdatedAt = fromNanos(t)
		out = append(out, al)
	}
	return out, rows.Err()
}

// WeightsReferenced reports whether a live version uses the blob.
func (s *Store) WeightsReferenced(ctx context.Context, sha string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM versions WHERE weights_sha256 = ?`), sha).Scan(&n); err != nil {
		return false, fmt.Errorf("weights referenced: %w", err)
	}
	return n > 0, nil
}

// ReferencedWeights returns every blob digest in use.
func (s *Store) ReferencedWeights(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT weights_sha256 FROM versions`)
	if err != nil {
		return nil, fmt.Errorf("referenced weights: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("referenced weights: %w", err)
		}
		out[d] = true
	}
	return out, rows.Err()
}
