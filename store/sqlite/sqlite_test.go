package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/store/sqlite"
	"github.com/modelgate/modelgate/store/storetest"
)

func TestStoreMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) modelgate.Store {
		s, err := sqlite.Open(context.Background(), ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestStoreFile(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) modelgate.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestReopen checks that migrations are idempotent and data survives.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v := &modelgate.Version{Namespace: "ns", Model: "m", Digest: storetest.Digest("x"), Spec: []byte("{}"),
		WeightsSHA256: "ab", WeightsBytes: 1, Report: []byte("{}"), UploadedBy: "t"}
	if _, _, err := s.CreateVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.ResolveVersion(ctx, "ns", "m", "latest"); err != nil || got.Number != 1 {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}
