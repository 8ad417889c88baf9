// Package postgres is modelgate's PostgreSQL metadata store (and,
// optionally, blob store) through pgx/v5, for running several serve
// replicas on one database.
//
// Writes that touch a model lock its row (SELECT ... FOR UPDATE), so
// several processes uploading, aliasing and deleting at once get unique,
// dense version numbers, idempotent re-uploads and atomic alias moves. The
// schema is created by numbered migrations embedded from migrations/,
// applied under a transaction-scoped advisory lock so that replicas
// starting together do not race.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a PostgreSQL metadata store.
type Store struct {
	*sqlstore.Store
}

var _ modelgate.Store = (*Store)(nil)

// migrationLockKey is the advisory lock held while migrating ("mgat").
const migrationLockKey = 0x6d676174

var dialect = sqlstore.Dialect{
	Name:          "postgres",
	Numbered:      true,
	ForUpdate:     " FOR UPDATE",
	MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
}

// Open connects to the database named by dsn (a postgres:// URL or
// key=value string) and applies pending migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := sqlstore.Migrate(ctx, db, dialect, sub); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{sqlstore.New(db, dialect)}, nil
}

// Blobs returns a blob store in the same database.
func (s *Store) Blobs() *Blobs { return &Blobs{db: s.DB()} }

func rollback(tx *sql.Tx) { _ = tx.Rollback() }
