// Package sqlite is modelgate's embedded metadata store: a [modelgate.Store]
// on a single SQLite file, through the pure-Go modernc.org/sqlite driver (no
// cgo).
//
// The database runs in WAL mode with synchronous=FULL, so a committed row
// survives a crash; write transactions start with BEGIN IMMEDIATE, which
// serialises writers inside one process and across processes sharing the
// file. The schema is created and upgraded by the numbered migrations
// embedded from migrations/.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a SQLite metadata store.
type Store struct {
	*sqlstore.Store
}

var _ modelgate.Store = (*Store)(nil)

var dialect = sqlstore.Dialect{Name: "sqlite"}

// Open opens (creating if needed) the SQLite database at path and applies
// pending migrations. path ":memory:" gives a private in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	params := url.Values{}
	params.Set("_txlock", "immediate")
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(FULL)")
	memory := path == ":memory:"
	if !memory {
		params.Add("_pragma", "journal_mode(WAL)")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if memory {
		// Every connection to :memory: is a separate database.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := sqlstore.Migrate(ctx, db, dialect, sub); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Store{sqlstore.New(db, dialect)}, nil
}
