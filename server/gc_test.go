package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/modelgate/modelgate/server"
)

// TestCollectGarbage: a deleted version's blob goes once it is old enough,
// a blob shared with a live version (even in another namespace) stays.
func TestCollectGarbage(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, nil)
			ctx := context.Background()
			m1, m2 := newTestModel(t, 1), newTestModel(t, 2)
			other := e.token("other", "write")
			for _, up := range []struct {
				tok string
				m   *testModel
			}{{e.admin, m1}, {e.admin, m2}, {other, m2}} {
				if r := e.uploadModel(up.tok, "gc", up.m); r.status != 201 {
					t.Fatalf("upload: %d %s", r.status, r.body)
				}
			}
			for _, v := range []string{"1", "2"} {
				if r := e.do("DELETE", "/v1/models/gc/versions/"+v, e.admin, nil, ""); r.status != 200 {
					t.Fatalf("delete: %d %s", r.status, r.body)
				}
			}
			removed, err := server.CollectGarbage(ctx, e.store, e.blobs, time.Hour)
			if err != nil || len(removed) != 0 {
				t.Fatalf("young blobs collected: %v %v", removed, err)
			}
			removed, err = server.CollectGarbage(ctx, e.store, e.blobs, 0)
			if err != nil || len(removed) != 1 {
				t.Fatalf("gc removed %v (%v), want m1's blob only", removed, err)
			}
			// A cancelled collection stops at once and removes nothing.
			dead, cancel := context.WithCancel(ctx)
			cancel()
			if removed, err := server.CollectGarbage(dead, e.store, e.blobs, 0); len(removed) != 0 || !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled gc: removed %v, err %v", removed, err)
			}
			all, _ := e.blobs.List(ctx)
			if len(all) != 1 {
				t.Fatalf("%d blobs left, want 1 (shared with namespace other)", len(all))
			}
			if r := e.postJSON("/v1/models/gc/versions/latest/predict", e.token("other", "predict"), `{"inputs": [[1, 2, 3, 4]]}`); r.status != 200 {
				t.Fatalf("other tenant's model broken by gc: %d %s", r.status, r.body)
			}
		})
	}
}
