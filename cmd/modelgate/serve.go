package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server"
	"github.com/modelgate/modelgate/server/app"
	"github.com/modelgate/modelgate/server/web"
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

// serveFlags holds the flags of serve.
type serveFlags struct {
	addr, logLevel, tlsCert, tlsKey string
	maxUpload, maxRequest, cacheB   int64
	maxBatch, threads, maxUploads   int
	reqTimeout, upTimeout, shutdown time.Duration
	uploadRate, predictRate         float64
}

func addServeFlags(fs *flag.FlagSet) *serveFlags {
	d := server.Default()
	f := &serveFlags{}
	fs.StringVar(&f.addr, "addr", d.Addr, "listen address [MODELGATE_ADDR]")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate file: serve HTTPS (with --tls-key) [MODELGATE_TLS_CERT]")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key file for --tls-cert [MODELGATE_TLS_KEY]")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error [MODELGATE_LOG_LEVEL]")
	fs.Int64Var(&f.maxUpload, "max-upload-bytes", d.MaxUploadBytes, "largest upload request [MODELGATE_MAX_UPLOAD_BYTES]")
	fs.Int64Var(&f.maxRequest, "max-request-bytes", d.MaxRequestBytes, "largest predict request [MODELGATE_MAX_REQUEST_BYTES]")
	fs.Int64Var(&f.cacheB, "cache-bytes", d.CacheBytes, "memory budget of loaded models [MODELGATE_CACHE_BYTES]")
	fs.IntVar(&f.maxBatch, "max-batch-request", d.MaxBatch, "most samples per predict request [MODELGATE_MAX_BATCH_REQUEST]")
	fs.IntVar(&f.maxUploads, "max-uploads", d.MaxUploads, "uploads validated at once; more wait [MODELGATE_MAX_UPLOADS]")
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
	c.TLSCertFile, c.TLSKeyFile = f.tlsCert, f.tlsKey
	c.MaxUploadBytes, c.MaxRequestBytes, c.CacheBytes = f.maxUpload, f.maxRequest, f.cacheB
	c.MaxBatch, c.Threads, c.MaxUploads = f.maxBatch, f.threads, f.maxUploads
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
	opt := app.Options{Data: sf.data, DB: sf.db, Blobs: sf.blobs, Config: vf.config(lf.limits()),
		AdminToken: os.Getenv("MODELGATE_ADMIN_TOKEN"), Logger: log, Stderr: stderr}
	ui, err := web.New(web.Options{Logger: log})
	if err != nil {
		log.Error("serve failed", "err", err.Error())
		return exitUsage
	}
	opt.Mount = ui.Install                                  // the web UI under /ui/
	if opt.Converter, err = legacyConverter(); err != nil { // legacy files convert in a sandboxed child
		log.Error("serve failed", "err", err.Error())
		return exitUsage
	}
	if err := app.Run(ctx, opt); err != nil {
		log.Error("serve failed", "err", err.Error())
		return exitUsage
	}
	return exitOK
}
