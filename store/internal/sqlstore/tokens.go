package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgate/modelgate"
)

const tokenCols = `id, name, namespace, scopes, hash, created_at, created_by, revoked_at`

func scanToken(r scanner) (*modelgate.Token, error) {
	var t modelgate.Token
	var scopes string
	var created int64
	var revoked sql.NullInt64
	if err := r.Scan(&t.ID, &t.Name, &t.Namespace, &scopes, &t.Hash, &created, &t.CreatedBy, &revoked); err != nil {
		return nil, err
	}
	if scopes != "" {
		t.Scopes = strings.Split(scopes, ",")
	}
	t.CreatedAt = fromNanos(created)
	if revoked.Valid {
		r := fromNanos(revoked.Int64)
		t.RevokedAt = &r
	}
	return &t, nil
}

// CreateToken stores a token and records it in the audit log.
func (s *Store) CreateToken(ctx context.Context, t *modelgate.Token) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		c := now()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`),
			t.ID, t.Name, t.Namespace, strings.Join(t.Scopes, ","), t.Hash, c, t.CreatedBy); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		t.CreatedAt = fromNanos(c)
		return s.audit(ctx, tx, modelgate.AuditEntry{Actor: t.CreatedBy, Namespace: t.Namespace, Action: modelgate.AuditTokenCreate,
			Detail: t.ID + " " + strings.Join(t.Scopes, ",")})
	})
}

// TokenByHash returns the token with this hash.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*modelgate.Token, error) {
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("token-not-found", "no such token")
	}
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// Tokens lists every token, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]modelgate.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []modelgate.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked.
func (s *Store) RevokeToken(ctx context.Context, actor, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var ns string
		err := tx.QueryRowContext(ctx, s.q(`SELECT namespace FROM tokens WHERE id = ?`), id).Scan(&ns)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("token-not-found", "no token %q", id)
		}
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), now(), id); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return s.audit(ctx, tx, modelgate.AuditEntry{Actor: actor, Namespace: ns, Action: modelgate.AuditTokenRevoke, Detail: id})
	})
}

// CountTokens returns the number of tokens.
func (s *Store) CountTokens(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	return n, nil
}
