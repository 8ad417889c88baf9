package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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

var serveHelp = cmdHelp{
	name: "serve",
	about: `Run the modelgate HTTP service. Metadata goes to an embedded SQLite
database and weights to a content-addressed blob directory, both under
--data, unless --db names a PostgreSQL database (and --blobs postgres puts
the weights there too, so replicas share nothing but PostgreSQL).

Every flag can also be set by the environment variable in brackets; a flag
wins over the environment. On first start, when the store holds no token, an
admin token is created and printed once on stderr; set MODELGATE_ADMIN_TOKEN
(an "mg_..." token) to choose it instead. SIGINT/SIGTERM drain in-flight
requests before exiting.`,
	example: `modelgate serve
modelgate serve --addr :9000 --data /var/lib/modelgate
MODELGATE_DB=postgres://mg@db/modelgate modelgate serve --blobs postgres`,
}

// storeFlags select the metadata and blob stores (serve and token share them).
type storeFlags struct {
	data, db, blobs string
}

func addStoreFlags(fs *flag.FlagSet) *storeFlags {
	f := &storeFlags{}
	fs.StringVar(&f.data, "data", "modelgate-data", "data directory for the SQLite database and blobs [MODELGATE_DATA]")
	fs.StringVar(&f.db, "db", "", "metadata database: empty for DATA/modelgate.db, a SQLite file path, or postgres://... [MODELGATE_DB]")
	fs.StringVar(&f.blobs, "blobs", "fs", "blob storage: fs (DATA/blobs) or postgres (needs --db postgres://...) [MODELGATE_BLOBS]")
	return f
}

// applyEnv sets every flag whose usage ends in "[VAR]" from the environment
// variable VAR when it is set, before the command line is parsed, so that
// flags win over the environment. A bad value is a usage error.
func applyEnv(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		i := strings.LastIndex(f.Usage, "[")
		if i < 0 || !strings.HasSuffix(f.Usage, "]") || err != nil {
			return
		}
		name := f.Usage[i+1 : len(f.Usage)-1]
		if v, ok := os.LookupEnv(name); ok && v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openStore opens the metadata store the flags name.
func (f *storeFlags) openStore(ctx context.Context) (modelgate.Store, *postgres.Store, error) {
	if isPostgres(f.db) {
		pg, err := postgres.Open(ctx, f.db)
		return pg, pg, err
	}
	path := f.db
	if path == "" {
		if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, nil, err
		}
		path = filepath.Join(f.data, "modelgate.db")
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
func openServeStores(ctx context.Context, f *storeFlags, log *slog.Logger) (*stores, error) {
	st := &stores{}
	meta, pg, err := f.openStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("metadata store: %w", err)
	}
	st.meta = meta
	switch f.blobs {
	case "fs":
		d, err := blobs.Open(filepath.Join(f.data, "blobs"))
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
			return nil, errors.New("--blobs postgres needs --db postgres://...")
		}
		st.blobs = pg.Blobs()
		st.tempDir = filepath.Join(f.data, "tmp")
		if err := os.MkdirAll(st.tempDir, 0o700); err != nil {
			st.close()
			return nil, err
		}
	default:
		st.close()
		return nil, fmt.Errorf("--blobs must be fs or postgres, not %q", f.blobs)
	}
	return st, nil
}

// serveFlags holds the flags of serve.
type serveFlags struct {
	addr, logLevel                  string
	maxUpload, maxRequest, cacheB   int64
	maxBatch, threads               int
	reqTimeout, upTimeout, shutdown time.Duration
	uploadRate, predictRate         float64
}

func addServeFlags(fs *flag.FlagSet) *serveFlags {
	d := server.Default()
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", d.Addr, "listen address [MODELGATE_ADDR]")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error [MODELGATE_LOG_LEVEL]")
	fs.Int64Var(&f.maxUpload, "max-upload-bytes", d.MaxUploadBytes, "largest upload request [MODELGATE_MAX_UPLOAD_BYTES]")
	fs.Int64Var(&f.maxRequest, "max-request-bytes", d.MaxRequestBytes, "largest predict request [MODELGATE_MAX_REQUEST_BYTES]")
	fs.Int64Var(&f.cacheB, "cache-bytes", d.CacheBytes, "memory budget of loaded models [MODELGATE_CACHE_BYTES]")
	fs.IntVar(&f.maxBatch, "max-batch-request", d.MaxBatch, "most samples per predict request [MODELGATE_MAX_BATCH_REQUEST]")
	fs.IntVar(&f.threads, "threads", 0, "goroutines per prediction; 0 = GOMAXPROCS [MODELGATE_THREADS]")
	fs.DurationVar(&f.reqTimeout, "request-timeout", d.RequestTimeout, "deadline of ordinary requests and predictions [MODELGATE_REQUEST_TIMEOUT]")
	fs.DurationVar(&f.upTimeout, "upload-timeout", d.UploadTimeout, "deadline of an upload, validation included [MODELGATE_UPLOAD_TIMEOUT]")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", d.ShutdownTimeout, "how long shutdown waits for in-flight requests [MODELGATE_SHUTDOWN_TIMEOUT]")
	fs.Float64Var(&f.uploadRate, "upload-rate", d.UploadsPerMinute, "uploads per minute per token; 0 = unlimited [MODELGATE_UPLOAD_RATE]")
	fs.Float64Var(&f.predictRate, "predict-rate", d.PredictsPerSecond, "predictions per second per token; 0 = unlimited [MODELGATE_PREDICT_RATE]")
	return f
}

func (f *serveFlags) config(lim modelgate.Limits) server.Config {
	c := server.Default()
	c.Addr, c.Limits = f.addr, lim
	c.MaxUploadBytes, c.MaxRequestBytes, c.CacheBytes = f.maxUpload, f.maxRequest, f.cacheB
	c.MaxBatch, c.Threads = f.maxBatch, f.threads
	c.RequestTimeout, c.UploadTimeout, c.ShutdownTimeout = f.reqTimeout, f.upTimeout, f.shutdown
	c.UploadsPerMinute, c.PredictsPerSecond = f.uploadRate, f.predictRate
	if c.UploadTimeout+time.Minute > c.WriteTimeout {
		c.WriteTimeout = c.UploadTimeout + time.Minute
	}
	return c
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(serveHelp, stderr)
	sf := addStoreFlags(fs)
	vf := addServeFlags(fs)
	lf := addLimitFlags(fs)
	if err := applyEnv(fs); err != nil {
		fmt.Fprintf(stderr, "modelgate serve: %v\n", err)
		return exitUsage
	}
	pos, code, ok := parseArgs(fs, serveHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 0, stderr) {
		return exitUsage
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(vf.logLevel)); err != nil {
		fmt.Fprintf(stderr, "modelgate serve: --log-level: %v\n", err)
		return exitUsage
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if err := serve(ctx, sf, vf.config(lf.limits()), log, stderr); err != nil {
		log.Error("serve failed", "err", err.Error())
		return exitUsage
	}
	return exitOK
}

// serve runs the server until ctx ends, then drains it.
func serve(ctx context.Context, sf *storeFlags, cfg server.Config, log *slog.Logger, stderr io.Writer) error {
	st, err := openServeStores(ctx, sf, log)
	if err != nil {
		return err
	}
	defer st.close()
	if err := bootstrapAdmin(ctx, st.meta, os.Getenv("MODELGATE_ADMIN_TOKEN"), stderr, log); err != nil {
		return err
	}
	// At start no upload of ours is running; with locked filesystem blobs
	// no one else's either, so every unreferenced blob is an orphan.
	grace := cfg.GCGrace
	if st.unlock != nil {
		grace = 0
	}
	if removed, err := server.CollectGarbage(ctx, st.meta, st.blobs, grace); err != nil {
		log.Warn("startup gc failed", "err", err.Error())
	} else if len(removed) > 0 {
		log.Info("removed orphan blobs", "count", len(removed))
	}
	cfg.TempDir = st.tempDir
	srv, err := server.New(cfg, server.Deps{Store: st.meta, Blobs: st.blobs, Logger: log})
	if err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "modelgate: serving on http://%s\n", srv.Addr())
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
		log.Info("registered admin token from MODELGATE_ADMIN_TOKEN", "id", t.ID)
		return st.CreateToken(ctx, t)
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
