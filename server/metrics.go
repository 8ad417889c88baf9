package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/server/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, on a registry of its own
// (no global state).
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	uploads     *prometheus.CounterVec
	rejections  *prometheus.CounterVec
	predict     *prometheus.HistogramVec
	cacheBytes  prometheus.Gauge
	cacheModels prometheus.Gauge
	loads       *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "modelgate_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14),
		}, []string{"route"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_uploads_total", Help: "Uploads by result (created, existing, refused, failed).",
		}, []string{"result"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_rejections_total", Help: "Refused requests and uploads by rule.",
		}, []string{"rule"}),
		predict: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "modelgate_predict_duration_seconds", Help: "Model execution time per predict request, by model (namespace/name).",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 14),
		}, []string{"model"}),
		cacheBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "modelgate_model_cache_bytes", Help: "Estimated memory of loaded models in the cache.",
		}),
		cacheModels: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "modelgate_model_cache_models", Help: "Loaded models in the cache.",
		}),
		loads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgate_model_loads_total", Help: "Model cache lookups by result (hit, load, error).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.uploads, m.rejections, m.predict, m.cacheBytes, m.cacheModels, m.loads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// middleware counts requests and observes their latency by route pattern
// (never by raw path, which would let clients create label values).
func (m *metrics) middleware() middleware.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := middleware.Wrap(w)
			next.ServeHTTP(sw, r)
			route := middleware.GetRoute(r.Context())
			if route == "" {
				route = "unmatched"
			}
			code := sw.Status
			if code == 0 {
				code = http.StatusOK
			}
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
			m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		})
	}
}

// rejection counts a refusal under its rule.
func (m *metrics) rejection(rule string) {
	if rule == "" {
		rule = "unspecified"
	}
	m.rejections.WithLabelValues(rule).Inc()
}

// serveMetrics exposes the registry in the Prometheus text format.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request, _ *modelgate.Token) {
	promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}
