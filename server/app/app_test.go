package app

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
)

func TestBootstrapAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, _, err := OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.DiscardHandler)
	var out bytes.Buffer
	if err := bootstrapAdmin(ctx, st, "", &out, log); err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`mg_[A-Za-z0-9_-]{43}`).FindString(out.String())
	if secret == "" {
		t.Fatalf("no token printed: %q", out.String())
	}
	tok, err := st.TokenByHash(ctx, server.HashToken(secret))
	if err != nil || tok.Namespace != "default" || !tok.HasScope(modelgate.ScopeAdmin) {
		t.Fatalf("admin token: %+v %v", tok, err)
	}
	// A second start prints nothing new.
	out.Reset()
	if err := bootstrapAdmin(ctx, st, "", &out, log); err != nil || out.Len() != 0 {
		t.Fatalf("second start: %q %v", out.String(), err)
	}
	// MODELGATE_ADMIN_TOKEN is registered once, and must be well-formed.
	env, _, _ := server.NewToken()
	for i := 0; i < 2; i++ {
		if err := bootstrapAdmin(ctx, st, env, &out, log); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := st.CountTokens(ctx); n != 2 {
		t.Fatalf("%d tokens, want 2", n)
	}
	if err := bootstrapAdmin(ctx, st, "mg_x", &out, log); err == nil || !strings.Contains(err.Error(), "MODELGATE_ADMIN_TOKEN") {
		t.Fatalf("malformed env token: %v", err)
	}
}

func TestOpenStoreErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, _, err := OpenStore(ctx, t.TempDir(), filepath.Join(t.TempDir(), "a?b.db")); err == nil {
		t.Fatal("path with '?' accepted")
	}
	_, err := openServeStores(ctx, Options{Data: t.TempDir(), Blobs: "postgres"}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "needs --db") {
		t.Fatalf("postgres blobs without postgres db: %v", err)
	}
}
