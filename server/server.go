// Package server is modelgate's HTTP service: it accepts model packages
// (and, through a [Converter], legacy Flux files) from authenticated
// tenants, stores the validated spec in a [modelgate.Store] and the weights
// in a content-addressed [modelgate.BlobStore], and serves predictions
// from models it reconstructs through modelpkg, the same loader the CLI
// uses.
//
// # API
//
// Every route is listed in [Server.Install]. Everything under /v1 and
// /metrics needs "Authorization: Bearer mg_..." with the right scope; a
// token only ever sees its own namespace, and another tenant's model is
// indistinguishable from a missing one (404). Errors are JSON:
// {"error": {...}, "problems": [...]} with the code, rule and location of
// every problem, mapped to a status by one table (errors.go).
//
// # Storage
//
// An upload is spooled to a temporary file, validated completely, written
// to the blob store (temporary file, fsync, rename) and only then
// committed to the metadata store; a version is therefore never visible
// before its weights are durable. Versions are immutable and identified by
// the SHA-256 of the canonical spec, which binds the weights by digest.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server/middleware"
)

// Config configures a [Server]. Start from [Default].
type Config struct {
	Addr   string           // listen address, "127.0.0.1:8080"
	Limits modelgate.Limits // spec and runtime budgets for uploads and predictions

	MaxRequestBytes int64 // body limit of every request but uploads (predict inputs)
	MaxUploadBytes  int64 // body limit of POST /v1/models
	MaxLegacyBytes  int64 // size limit of a legacy file upload (held in memory for conversion)
	MaxBatch        int   // samples per predict request (<= Limits.Batch)
	MaxUploads      int   // uploads validated at once (each may bind a whole model in memory); more wait
	Threads         int   // goroutines per Predict; <= 0 means GOMAXPROCS

	RequestTimeout time.Duration // context deadline of ordinary requests and predictions
	UploadTimeout  time.Duration // context deadline of uploads (validation included)

	// ReadHeaderTimeout bounds how long a client may take to send the
	// request headers (slowloris).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included; it must
	// allow the largest upload at the slowest client speed you accept.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the end
	// of the response; it must exceed UploadTimeout so that a slow
	// validation can still answer.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration
	// ShutdownTimeout is how long Close waits for in-flight requests.
	ShutdownTimeout time.Duration

	CacheBytes int64 // memory budget of loaded models (LRU)

	UploadsPerMinute  float64 // sustained upload rate per token; 0 disables the limit
	UploadBurst       int     // upload bucket size
	PredictsPerSecond float64 // sustained predict rate per token; 0 disables the limit
	PredictBurst      int     // predict bucket size

	TempDir string // where uploads are spooled; "" means os.TempDir()

	// TLSCertFile and TLSKeyFile, when both set, make the server speak
	// HTTPS (PEM files, as for http.Server.ServeTLS).
	TLSCertFile, TLSKeyFile string

	// AuthCacheTTL is how long a valid token is remembered without asking
	// the store; a revocation takes effect after at most this long. 0
	// disables the cache.
	AuthCacheTTL time.Duration

	GCInterval time.Duration // how often unreferenced blobs are collected; 0 disables
	// GCGrace is the minimum age of an unreferenced blob before collection.
	// An upload writes its blob and commits its version within
	// UploadTimeout, so a grace longer than that never collects the blob
	// of an upload in progress; New raises it to UploadTimeout + 1 min.
	GCGrace time.Duration
}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		Limits:            modelgate.DefaultLimits(),
		MaxRequestBytes:   64 << 20, // 64 MiB of JSON predict input
		MaxUploadBytes:    2 << 30,  // 2 GiB per upload
		MaxLegacyBytes:    512 << 20,
		MaxBatch:          1024,
		MaxUploads:        4,
		RequestTimeout:    60 * time.Second,
		UploadTimeout:     10 * time.Minute,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      11 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   10 * time.Second,
		CacheBytes:        1 << 30,
		UploadsPerMinute:  30,
		UploadBurst:       10,
		PredictsPerSecond: 1000,
		PredictBurst:      2000,
		AuthCacheTTL:      2 * time.Second,
		GCInterval:        10 * time.Minute,
		GCGrace:           11 * time.Minute,
	}
}

// Deps are the server's collaborators.
type Deps struct {
	Store     modelgate.Store     // metadata (required)
	Blobs     modelgate.BlobStore // weights (required)
	Converter Converter           // legacy Flux conversion; nil refuses legacy uploads
	Logger    *slog.Logger        // nil discards logs
	// Mount, when set, is called with the route installer after the API
	// routes are installed, so another package (the web UI) can add its
	// own routes to the same mux.
	Mount func(handle func(pattern string, h http.Handler))
}

// Server is a modelgate HTTP server.
type Server struct {
	cfg       Config
	store     modelgate.Store
	blobs     modelgate.BlobStore
	conv      Converter
	log       *slog.Logger
	metrics   *metrics
	cache     *modelCache
	uploads   *limiter
	authCache *authCache
	uploadSem chan struct{}
	predicts  *limiter
	handler   http.Handler

	ln       net.Listener
	srv      *http.Server
	done     chan struct{} // closed when Serve returns
	serveErr error         // Serve's error, set before done closes
	draining atomic.Bool
	stopGC   context.CancelFunc
}

// New returns a server; call [Server.Open] to start it, or use
// [Server.Handler] directly.
func New(cfg Config, d Deps) (*Server, error) {
	if d.Store == nil || d.Blobs == nil {
		return nil, errors.New("server: Store and Blobs are required")
	}
	cfg.Limits = cfg.Limits.OrDefault()
	if min := cfg.UploadTimeout + time.Minute; cfg.GCGrace < min {
		cfg.GCGrace = min
	}
	if cfg.MaxBatch <= 0 || cfg.MaxBatch > cfg.Limits.Batch {
		cfg.MaxBatch = cfg.Limits.Batch
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, store: d.Store, blobs: d.Blobs, conv: d.Converter, log: logger,
		metrics:   newMetrics(),
		uploads:   newLimiter(cfg.UploadsPerMinute/60, cfg.UploadBurst),
		predicts:  newLimiter(cfg.PredictsPerSecond, cfg.PredictBurst),
		authCache: newAuthCache(cfg.AuthCacheTTL),
		uploadSem: make(chan struct{}, max(cfg.MaxUploads, 1)),
	}
	s.cache = newModelCache(cfg.CacheBytes, s.metrics)
	mux := http.NewServeMux()
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, middleware.RecordRoute(h)) }
	s.Install(handle)
	if d.Mount != nil {
		d.Mount(handle)
	}
	s.handler = middleware.Chain(
		middleware.Route(),
		middleware.RequestID(),
		middleware.Log(logger),
		s.metrics.middleware(),
		middleware.Recover(logger),
		middleware.Timeout(cfg.RequestTimeout),
	)(mux)
	return s, nil
}

// Handler returns the server's root handler with every middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Open binds the listen address synchronously (so the caller knows the
// port is taken when it returns) and serves in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10, // 64 KiB: a bearer token and a few headers
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.done = make(chan struct{})
	if (s.cfg.TLSCertFile == "") != (s.cfg.TLSKeyFile == "") {
		ln.Close()
		return errors.New("server: TLS needs both a certificate and a key file")
	}
	if s.cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("server: TLS: %w", err)
		}
		s.srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.serveErr = err
		close(s.done)
	}()
	gcCtx, stop := context.WithCancel(context.Background())
	s.stopGC = stop
	if s.cfg.GCInterval > 0 {
		go s.gcLoop(gcCtx, s.cfg.GCInterval, s.cfg.GCGrace)
	}
	s.log.Info("listening", "addr", ln.Addr().String())
	return nil
}

// Addr returns the bound address (useful with port 0).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops accepting connections, marks the server not ready, and waits
// up to ShutdownTimeout for in-flight requests to finish.
func (s *Server) Close() error {
	s.draining.Store(true)
	if s.srv == nil {
		return nil
	}
	s.stopGC()
	// A fresh context: the caller's (signal) context is already done.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	if err == nil {
		err = s.serveErr
	}
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// Wait blocks until the server stops serving and returns the serve error.
func (s *Server) Wait() error {
	<-s.done
	return s.serveErr
}
