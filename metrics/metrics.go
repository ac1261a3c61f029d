// Package metrics owns the Prometheus registry of one instance and the
// series it exports at /metrics. Its methods are safe on a nil *Metrics, so
// code under test may run without one.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// QueueCount is how many jobs of a kind wait in a state.
type QueueCount struct {
	Kind  string
	State string // "available", "retryable", "scheduled"
	Count int64
}

// Sources are what the collectors read at each scrape.
type Sources struct {
	DBStats func() sql.DBStats                              // the database pool
	Queue   func(ctx context.Context) ([]QueueCount, error) // jobs waiting
}

// Metrics holds the instance's registry and collectors.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inbox      *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	jobs       *prometheus.HistogramVec
}

// New registers the series; sources that are nil are left out.
func New(src Sources) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vestiging_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vestiging_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vestiging_inbox_activities_total",
			Help: "Activities posted to the inboxes, by type and result (accepted, ignored or the reason for refusal).",
		}, []string{"type", "result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vestiging_deliveries_total",
			Help: "Delivery attempts by remote host and result: delivered, retry (to be tried again) or failed (given up).",
		}, []string{"host", "result"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vestiging_job_duration_seconds",
			Help:    "Time background jobs took, by kind and result (ok, error).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind", "result"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inbox, m.deliveries, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if src.DBStats != nil {
		m.reg.MustRegister(dbCollector{src.DBStats})
	}
	if src.Queue != nil {
		m.reg.MustRegister(queueCollector{src.Queue})
	}
	return m
}

// Handler serves the registry in Prometheus' text format. A series that
// cannot be read (the queue, when the database is down) is left out; the
// others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Request counts one answered request. route is the router's pattern,
// never the raw path, so the series stay few and hold no secrets.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// Inbox counts one activity posted to an inbox.
func (m *Metrics) Inbox(activityType, result string) {
	if m == nil {
		return
	}
	if activityType == "" {
		activityType = "unknown"
	}
	m.inbox.WithLabelValues(activityType, result).Inc()
}

// Delivery results.
const (
	Delivered = "delivered"
	Retry     = "retry"
	Failed    = "failed"
)

// Delivery counts one delivery attempt to host.
func (m *Metrics) Delivery(host, result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(host, result).Inc()
}

// Job records how long a job of kind took.
func (m *Metrics) Job(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.jobs.WithLabelValues(kind, result).Observe(d.Seconds())
}

var (
	dbOpen    = prometheus.NewDesc("vestiging_db_connections_open", "Open database connections.", nil, nil)
	dbInUse   = prometheus.NewDesc("vestiging_db_connections_in_use", "Database connections in use.", nil, nil)
	dbIdle    = prometheus.NewDesc("vestiging_db_connections_idle", "Idle database connections.", nil, nil)
	dbWait    = prometheus.NewDesc("vestiging_db_wait_count_total", "Times a query waited for a free connection.", nil, nil)
	dbWaitDur = prometheus.NewDesc("vestiging_db_wait_seconds_total", "Time spent waiting for a free connection.", nil, nil)
	queueDesc = prometheus.NewDesc("vestiging_jobs_waiting", "Background jobs waiting, by kind and state (available, retryable, scheduled).", []string{"kind", "state"}, nil)
)

// dbCollector reads the pool's statistics at each scrape.
type dbCollector struct{ stats func() sql.DBStats }

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpen
	ch <- dbInUse
	ch <- dbIdle
	ch <- dbWait
	ch <- dbWaitDur
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(dbOpen, prometheus.GaugeValue, float64(s.OpenConnections))
	ch <- prometheus.MustNewConstMetric(dbInUse, prometheus.GaugeValue, float64(s.InUse))
	ch <- prometheus.MustNewConstMetric(dbIdle, prometheus.GaugeValue, float64(s.Idle))
	ch <- prometheus.MustNewConstMetric(dbWait, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(dbWaitDur, prometheus.CounterValue, s.WaitDuration.Seconds())
}

// queueTimeout bounds the queue query of one scrape.
const queueTimeout = 5 * time.Second

// queueCollector counts waiting jobs at each scrape.
type queueCollector struct {
	count func(ctx context.Context) ([]QueueCount, error)
}

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	for _, q := range counts {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(q.Count), q.Kind, q.State)
	}
}
