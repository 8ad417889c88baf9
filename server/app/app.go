// Package app runs the modelgate service: it opens the stores a
// configuration names, recovers from a crash (interrupted uploads, orphan
// blobs), creates the first admin token and serves until its context ends.
// cmd/modelgate's serve command is a thin flag parser around [Run]; tests
// run the same code in child processes.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/store/blobs"
	"github.com/modelgate/modelgate/store/postgres"
	"github.com/modelgate/modelgate/store/sqlite"
)

// Options configure [Run].
type Options struct {
	Data   string        // data directory (SQLite database, blobs, temporary files)
	DB     string        // "" for Data/modelgate.db, a SQLite path, or postgres://...
	Blobs  string        // "fs" (Data/blobs) or "postgres"
	Config server.Config // server configuration; TempDir is set by Run

	// AdminToken, when set, is registered as an admin token of namespace
	// "default" if it is not stored yet (MODELGATE_ADMIN_TOKEN).
	AdminToken string
	Converter  server.Converter                                  // legacy conversion; nil refuses legacy uploads
	Mount      func(handle func(pattern string, h http.Handler)) // extra routes (web UI)
	Logger     *slog.Logger                                      // JSON logs
	Stderr     io.Writer                                         // human messages: the address, a new admin token
}

// Run serves until ctx ends, then drains in-flight requests.
func Run(ctx context.Context, opt Options) error {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	stderr := opt.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	st, err := openServeStores(ctx, opt, log)
	if err != nil {
		return err
	}
	defer st.close()
	return serve(ctx, st, opt, log, stderr)
}

// OpenStore opens the metadata store named by data and db; the second
// result is the PostgreSQL store when db is a postgres:// URL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openStore opens the metadata store the flags name.
func OpenStore(ctx context.Context, data, db string) (modelgate.Store, *postgres.Store, error) {
	if isPostgres(db) {
		pg, err := postgres.Open(ctx, db)
		return pg, pg, err
	}
	path := db
	if path == "" {
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(data, "modelgate.db")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, nil, fmt.Errorf("database path %q must not contain '?' or '#'", path)
	}
	st, err := sqlite.Open(ctx, path)
	return st, nil, err
}

// stores are the opened stores of a serve process.
type stores struct {
	meta    modelgate.Store
	blobs   modelgate.BlobStore
	tempDir string
	unlock  func()
}

func (s *stores) close() {
	if s.unlock != nil {
		s.unlock()
	}
	if s.meta != nil {
		s.meta.Close()
	}
}

// openServeStores opens both stores. Filesystem blobs are locked for this
// process, and uploads interrupted by a crash are cleaned up.
func openServeStores(ctx context.Context, f Options, log *slog.Logger) (*stores, error) {
	st := &stores{}
	meta, pg, err := OpenStore(ctx, f.Data, f.DB)
	if err != nil {
		return nil, fmt.Errorf("metadata store: %w", err)
	}
	st.meta = meta
	switch f.Blobs {
	case "fs":
		d, err := blobs.Open(filepath.Join(f.Data, "blobs"))
		if err != nil {
			st.close()
			return nil, err
		}
		if st.unlock, err = d.Lock(); err != nil {
			st.close()
			return nil, err
		}
		n, err := d.CleanTemp()
		if err != nil {
			st.close()
			return nil, err
		}
		if n > 0 {
			log.Info("removed interrupted uploads", "count", n)
		}
		st.blobs, st.tempDir = d, d.TempDir()
	case "postgres":
		if pg == nil {
			st.close()
			return nil, errors.New("--blobs postgres needs --db postgres://HOST/DB")
		}
		st.blobs = pg.Blobs()
		st.tempDir = filepath.Join(f.Data, "tmp")
		if err := os.MkdirAll(st.tempDir, 0o700); err != nil {
			st.close()
			return nil, err
		}
	default:
		st.close()
		return nil, fmt.Errorf("--blobs must be fs or postgres, not %q", f.Blobs)
	}
	return st, nil
}

// serve runs the server on opened stores until ctx ends, then drains it.
func serve(ctx context.Context, st *stores, opt Options, log *slog.Logger, stderr io.Writer) error {
	cfg := opt.Config
	if err := bootstrapAdmin(ctx, st.meta, opt.AdminToken, stderr, log); err != nil {
		return err
	}
	// At start no upload of ours is running; with locked filesystem blobs
	// no one else's either, so every unreferenced blob is an orphan.
	grace := max(cfg.GCGrace, cfg.UploadTimeout+time.Minute)
	if st.unlock != nil {
		grace = 0
	}
	if removed, err := server.CollectGarbage(ctx, st.meta, st.blobs, grace); err != nil {
		log.Warn("startup gc failed", "err", err.Error())
	} else if len(removed) > 0 {
		log.Info("removed orphan blobs", "count", len(removed))
	}
	cfg.TempDir = st.tempDir
	srv, err := server.New(cfg, server.Deps{Store: st.meta, Blobs: st.blobs, Logger: log, Converter: opt.Converter, Mount: opt.Mount})
	if err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return err
	}
	scheme := "http"
	if cfg.TLSCertFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(stderr, "modelgate: serving on %s://%s\n", scheme, srv.Addr())
	select {
	case <-ctx.Done():
		log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout.String())
	case <-waitChan(srv):
	}
	return srv.Close()
}

func waitChan(srv *server.Server) <-chan struct{} {
	ch := make(chan struct{})
	go func() { _ = srv.Wait(); close(ch) }()
	return ch
}

// bootstrapAdmin creates the first admin token when the store has none, or
// registers MODELGATE_ADMIN_TOKEN when it is set and not yet stored.
func bootstrapAdmin(ctx context.Context, st modelgate.Store, fromEnv string, stderr io.Writer, log *slog.Logger) error {
	if fromEnv != "" {
		if !server.WellFormedToken(fromEnv) {
			return errors.New("MODELGATE_ADMIN_TOKEN must be \"mg_\" followed by 43 base64url characters (modelgate token create prints one)")
		}
		if _, err := st.TokenByHash(ctx, server.HashToken(fromEnv)); err == nil {
			return nil
		} else if modelgate.ErrorCode(err) != modelgate.ENOTFOUND {
			return err
		}
		_, t, err := server.NewToken()
		if err != nil {
			return err
		}
		t.Hash = server.HashToken(fromEnv)
		t.Name, t.Namespace, t.Scopes, t.CreatedBy = "admin (MODELGATE_ADMIN_TOKEN)", "default", modelgate.AllScopes(), "cli"
		if err := st.CreateToken(ctx, t); err != nil {
			// Another replica starting at the same time may have won.
			if _, err2 := st.TokenByHash(ctx, t.Hash); err2 == nil {
				return nil
			}
			return err
		}
		log.Info("registered admin token from MODELGATE_ADMIN_TOKEN", "id", t.ID)
		return nil
	}
	n, err := st.CountTokens(ctx)
	if err != nil || n > 0 {
		return err
	}
	secret, t, err := server.NewToken()
	if err != nil {
		return err
	}
	t.Name, t.Namespace, t.Scopes, t.CreatedBy = "admin", "default", modelgate.AllScopes(), "cli"
	if err := st.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "modelgate: created admin token %s for namespace \"default\"; it is shown only once:\n\n\t%s\n\n", t.ID, secret)
	return nil
}
