package server_test

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/postgres"
	"github.com/modelgate/modelgate/store/postgres/pgtest"
)

// openPostgres: metadata in PostgreSQL, blobs on the local filesystem.
func openPostgres(t *testing.T) (modelgate.Store, modelgate.BlobStore) {
	st, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bl, err := blobs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st, bl
}

// openPostgresBlobs: metadata and blobs in PostgreSQL (--blobs postgres).
func openPostgresBlobs(t *testing.T) (modelgate.Store, modelgate.BlobStore) {
	st, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, st.Blobs()
}
