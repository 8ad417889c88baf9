// Package storetest is the conformance suite every [modelgate.Store] and
// [modelgate.BlobStore] implementation runs: the SQLite and PostgreSQL
// stores and both blob stores share these tests.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/modelgate/modelgate"
)

// Digest returns "sha256:" + hex SHA-256 of s, a convenient fake digest.
func Digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

func newVersion(ns, model, content string) *modelgate.Version {
	w := sha256.Sum256([]byte("w" + content))
	return &modelgate.Version{Namespace: ns, Model: model, Digest: Digest(content), Spec: []byte(`{"c":"` + content + `"}`),
		WeightsSHA256: hex.EncodeToString(w[:]), WeightsBytes: 8, Report: []byte(`{}`), UploadedBy: "tok_test"}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := modelgate.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// Run runs the metadata store suite. open must return an empty store; it is
// called once per subtest.
func Run(t *testing.T, open func(t *testing.T) modelgate.Store) {
	t.Run("versions", func(t *testing.T) { testVersions(t, open(t)) })
	t.Run("aliases", func(t *testing.T) { testAliases(t, open(t)) })
	t.Run("isolation", func(t *testing.T) { testIsolation(t, open(t)) })
	t.Run("tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
}

func testVersions(t *testing.T, s modelgate.Store) {
	ctx := context.Background()
	v1, created, err := s.CreateVersion(ctx, newVersion("ns", "m", "a"))
	if err != nil || !created || v1.Number != 1 {
		t.Fatalf("create: %+v %v %v", v1, created, err)
	}
	again, created, err := s.CreateVersion(ctx, newVersion("ns", "m", "a"))
	if err != nil || created || again.Number != 1 || again.Digest != v1.Digest {
		t.Fatalf("idempotent create: %+v %v %v", again, created, err)
	}
	v2, _, err := s.CreateVersion(ctx, newVersion("ns", "m", "b"))
	if err != nil || v2.Number != 2 {
		t.Fatalf("second: %+v %v", v2, err)
	}
	for ref, want := range map[string]int64{"1": 1, "2": 2, "latest": 2, v1.Digest: 1} {
		got, err := s.ResolveVersion(ctx, "ns", "m", ref)
		if err != nil || got.Number != want {
			t.Fatalf("resolve %q: %+v %v", ref, got, err)
		}
		if !bytes.Equal(got.Spec, []byte(`{"c":"`+map[int64]string{1: "a", 2: "b"}[want]+`"}`)) {
			t.Fatalf("resolve %q: spec %s", ref, got.Spec)
		}
	}
	for _, ref := range []string{"3", "0", "sha256:00", "nope", "99999999999999999999999"} {
		_, err := s.ResolveVersion(ctx, "ns", "m", ref)
		wantCode(t, err, modelgate.ENOTFOUND)
	}
	models, err := s.Models(ctx, "ns")
	if err != nil || len(models) != 1 || models[0].Versions != 2 || models[0].Latest != 2 {
		t.Fatalf("models: %+v %v", models, err)
	}
	a := modelgate.Actor{TokenID: "tok_test", Namespace: "ns"}
	if err := s.DeleteVersion(ctx, a, "m", 2); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteVersion(ctx, a, "m", 2), modelgate.ENOTFOUND)
	if got, err := s.ResolveVersion(ctx, "ns", "m", "latest"); err != nil || got.Number != 1 {
		t.Fatalf("latest after delete: %+v %v", got, err)
	}
	v3, _, err := s.CreateVersion(ctx, newVersion("ns", "m", "b"))
	if err != nil || v3.Number != 3 {
		t.Fatalf("numbers are never reused: %+v %v", v3, err)
	}
	vs, err := s.Versions(ctx, "ns", "m")
	if err != nil || len(vs) != 2 || vs[0].Number != 3 || vs[1].Number != 1 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	if ok, err := s.WeightsReferenced(ctx, v1.WeightsSHA256); err != nil || !ok {
		t.Fatalf("weights referenced: %v %v", ok, err)
	}
	refs, err := s.ReferencedWeights(ctx)
	if err != nil || len(refs) != 2 {
		t.Fatalf("referenced weights: %v %v", refs, err)
	}
	audit, err := s.Audit(ctx, "ns", 100)
	if err != nil || len(audit) != 4 || audit[0].Action != modelgate.AuditUpload || audit[1].Action != modelgate.AuditDelete {
		t.Fatalf("audit: %+v %v", audit, err)
	}
	_, err = s.Versions(ctx, "ns", "missing")
	wantCode(t, err, modelgate.ENOTFOUND)
}

func testAliases(t *testing.T, s modelgate.Store) {
	ctx := context.Background()
	a := modelgate.Actor{TokenID: "tok_test", Namespace: "ns"}
	_, err := s.SetAlias(ctx, a, "m", "prod", 1)
	wantCode(t, err, modelgate.ENOTFOUND)
	for _, c := range []string{"a", "b"} {
		if _, _, err := s.CreateVersion(ctx, newVersion("ns", "m", c)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetAlias(ctx, a, "m", "prod", 1); err != nil {
		t.Fatal(err)
	}
	_, err = s.SetAlias(ctx, a, "m", "prod", 7)
	wantCode(t, err, modelgate.ENOTFOUND)
	wantCode(t, s.DeleteVersion(ctx, a, "m", 1), modelgate.ECONFLICT)
	if _, err := s.SetAlias(ctx, a, "m", "prod", 2); err != nil {
		t.Fatal(err)
	}
	if v, err := s.ResolveVersion(ctx, "ns", "m", "prod"); err != nil || v.Number != 2 {
		t.Fatalf("resolve alias: %+v %v", v, err)
	}
	if err := s.DeleteVersion(ctx, a, "m", 1); err != nil {
		t.Fatalf("delete after alias moved: %v", err)
	}
	al, err := s.Aliases(ctx, "ns", "m")
	if err != nil || len(al) != 1 || al[0].Name != "prod" || al[0].Version != 2 {
		t.Fatalf("aliases: %+v %v", al, err)
	}
	if err := s.DeleteAlias(ctx, a, "m", "prod"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteAlias(ctx, a, "m", "prod"), modelgate.ENOTFOUND)
	_, err = s.ResolveVersion(ctx, "ns", "m", "prod")
	wantCode(t, err, modelgate.ENOTFOUND)
}

func testIsolation(t *testing.T, s modelgate.Store) {
	ctx := context.Background()
	if _, _, err := s.CreateVersion(ctx, newVersion("alice", "m", "a")); err != nil {
		t.Fatal(err)
	}
	_, err := s.ResolveVersion(ctx, "bob", "m", "latest")
	wantCode(t, err, modelgate.ENOTFOUND)
	_, err = s.Versions(ctx, "bob", "m")
	wantCode(t, err, modelgate.ENOTFOUND)
	if ms, err := s.Models(ctx, "bob"); err != nil || len(ms) != 0 {
		t.Fatalf("bob sees %+v %v", ms, err)
	}
	bob := modelgate.Actor{TokenID: "tok_bob", Namespace: "bob"}
	wantCode(t, s.DeleteVersion(ctx, bob, "m", 1), modelgate.ENOTFOUND)
	_, err = s.SetAlias(ctx, bob, "m", "x", 1)
	wantCode(t, err, modelgate.ENOTFOUND)
	// The same content in another namespace is a separate version 1.
	v, created, err := s.CreateVersion(ctx, newVersion("bob", "m", "a"))
	if err != nil || !created || v.Number != 1 {
		t.Fatalf("bob create: %+v %v %v", v, created, err)
	}
	if audit, _ := s.Audit(ctx, "bob", 10); len(audit) != 1 {
		t.Fatalf("bob's audit: %+v", audit)
	}
}

func testTokens(t *testing.T, s modelgate.Store) {
	ctx := context.Background()
	if n, err := s.CountTokens(ctx); err != nil || n != 0 {
		t.Fatalf("count: %d %v", n, err)
	}
	h := sha256.Sum256([]byte("secret"))
	tok := &modelgate.Token{ID: "tok_0001", Name: "ci", Namespace: "ns", Scopes: []string{"read", "predict"}, Hash: h[:], CreatedBy: "cli"}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, &modelgate.Token{ID: "tok_0002", Namespace: "ns", Hash: h[:], CreatedBy: "cli"}); err == nil {
		t.Fatal("duplicate hash accepted")
	}
	got, err := s.TokenByHash(ctx, h[:])
	if err != nil || got.ID != "tok_0001" || strings.Join(got.Scopes, ",") != "read,predict" || got.RevokedAt != nil || got.Namespace != "ns" {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if !got.HasScope("predict") || got.HasScope("write") {
		t.Fatal("HasScope")
	}
	other := sha256.Sum256([]byte("other"))
	_, err = s.TokenByHash(ctx, other[:])
	wantCode(t, err, modelgate.ENOTFOUND)
	if err := s.RevokeToken(ctx, "cli", "tok_0001"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RevokeToken(ctx, "cli", "tok_nope"), modelgate.ENOTFOUND)
	got, err = s.TokenByHash(ctx, h[:])
	if err != nil || got.RevokedAt == nil {
		t.Fatalf("revoked: %+v %v", got, err)
	}
	list, err := s.Tokens(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
}

// testConcurrent has many goroutines upload, re-upload and alias at once:
// numbers stay unique and dense, duplicates collapse, no alias is lost.
func testConcurrent(t *testing.T, stores ...modelgate.Store) {
	ctx := context.Background()
	s := stores[0]
	const workers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[w%len(stores)]
			a := modelgate.Actor{TokenID: "tok_test", Namespace: "ns"}
			for i := 0; i < each; i++ {
				// Half the content is shared between workers.
				content := fmt.Sprintf("w%d-%d", w, i)
				if i%2 == 0 {
					content = fmt.Sprintf("shared-%d", i)
				}
				v, _, err := s.CreateVersion(ctx, newVersion("ns", "m", content))
				if err != nil {
					errs <- err
					continue
				}
				if _, err := s.SetAlias(ctx, a, "m", fmt.Sprintf("w%d", w), v.Number); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	vs, err := s.Versions(ctx, "ns", "m")
	if err != nil {
		t.Fatal(err)
	}
	want := workers*each/2 + each/2
	if len(vs) != want {
		t.Fatalf("%d versions, want %d", len(vs), want)
	}
	seen := map[int64]bool{}
	digests := map[string]bool{}
	for _, v := range vs {
		if seen[v.Number] || digests[v.Digest] {
			t.Fatalf("duplicate version %d %s", v.Number, v.Digest)
		}
		seen[v.Number], digests[v.Digest] = true, true
	}
	for n := int64(1); n <= int64(want); n++ {
		if !seen[n] {
			t.Fatalf("version numbers not dense: %d missing", n)
		}
	}
	al, err := s.Aliases(ctx, "ns", "m")
	if err != nil || len(al) != workers {
		t.Fatalf("aliases: %d %v", len(al), err)
	}
}

// RunShared runs the concurrency check with workers spread over several
// stores opened on the same database, as several serve processes are.
func RunShared(t *testing.T, stores ...modelgate.Store) { testConcurrent(t, stores...) }

// RunBlobs runs the blob store suite on an empty store.
func RunBlobs(t *testing.T, open func(t *testing.T) modelgate.BlobStore) {
	ctx := context.Background()
	s := open(t)
	data := bytes.Repeat([]byte("modelgate"), 300000) // spans several chunks
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	if _, err := s.Open(ctx, d); modelgate.ErrorCode(err) != modelgate.ENOTFOUND {
		t.Fatalf("open missing: %v", err)
	}
	// Wrong digest, short and long inputs leave nothing behind.
	wrong := strings.Repeat("0", 64)
	wantCode(t, s.Put(ctx, wrong, int64(len(data)), bytes.NewReader(data)), modelgate.EINVALID)
	wantCode(t, s.Put(ctx, d, int64(len(data))+1, bytes.NewReader(data)), modelgate.EINVALID)
	wantCode(t, s.Put(ctx, d, int64(len(data))-1, bytes.NewReader(data)), modelgate.EINVALID)
	wantCode(t, s.Put(ctx, "../../etc/passwd", 1, bytes.NewReader(data)), modelgate.EINVALID)
	if l, err := s.List(ctx); err != nil || len(l) != 0 {
		t.Fatalf("list after failed puts: %v %v", l, err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Put(ctx, d, int64(len(data)), bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size() != int64(len(data)) {
		t.Fatalf("size %d", b.Size())
	}
	got, err := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	mid := make([]byte, 100)
	if _, err := b.ReadAt(mid, 1<<20-50); err != nil || !bytes.Equal(mid, data[1<<20-50:1<<20+50]) {
		t.Fatalf("ReadAt across a chunk boundary: %v", err)
	}
	b.Close()
	if l, err := s.List(ctx); err != nil || len(l) != 1 {
		t.Fatalf("list: %v %v", l, err)
	}
	if err := s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, d); modelgate.ErrorCode(err) != modelgate.ENOTFOUND {
		t.Fatalf("open deleted: %v", err)
	}
	// Concurrent puts of the same blob end with exactly one blob.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Put(ctx, d, int64(len(data)), bytes.NewReader(data)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if l, err := s.List(ctx); err != nil || len(l) != 1 {
		t.Fatalf("list after concurrent puts: %v %v", l, err)
	}
}
