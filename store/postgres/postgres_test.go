package postgres_test

import (
	"context"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/postgres"
	"github.com/modelgate/modelgate/store/postgres/pgtest"
	"github.com/modelgate/modelgate/store/storetest"
)

func open(t *testing.T) *postgres.Store {
	s, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) modelgate.Store { return open(t) })
}

func TestBlobs(t *testing.T) {
	storetest.RunBlobs(t, func(t *testing.T) modelgate.BlobStore { return open(t).Blobs() })
}

// TestTwoStoresOneDatabase runs the concurrency check with two separate
// connection pools (as two serve processes would have) on one schema.
func TestTwoStoresOneDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RunShared(t, a, b)
}
