package queue

import (
	"context"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector reports asynq queue sizes to Prometheus at scrape time, so
// a backlog of payments or receipts shows on a dashboard.
//
// A scrape costs one Redis round trip per queue plus one (asynq's inspector
// takes no context), so its time is bounded only by the timeouts of the
// Redis options the inspector was made with: give it short ones (dial, read
// and write about a second; go-redis defaults are 5 s and 3 s), or a
// Redis outage makes every scrape hang until Prometheus gives up.
type QueueCollector struct {
	inspector *asynq.Inspector
	size      *prometheus.Desc
	up        *prometheus.Desc
}

// NewQueueCollector reads queue sizes through inspector; see QueueCollector
// on the timeouts its Redis options need.
func NewQueueCollector(inspector *asynq.Inspector) *QueueCollector {
	return &QueueCollector{
		inspector: inspector,
		size: prometheus.NewDesc("scanpay_queue_tasks", "Tasks in an asynq queue by state.",
			[]string{"queue", "state"}, nil),
		up: prometheus.NewDesc("scanpay_queue_redis_up", "1 when the queue sizes could be read from Redis.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.size
	ch <- c.up
}

// Collect implements prometheus.Collector; a Redis failure reports up=0
// instead of failing the whole scrape.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	up := 1.0
	defer func() { ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up) }()
	for q := range QueuePriorities {
		info, err := c.inspector.GetQueueInfo(q)
		if err != nil {
			// A queue that has never had a task does not exist yet.
			continue
		}
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(n), q, state)
		}
	}
	if _, err := c.inspector.Queues(); err != nil {
		up = 0
	}
}

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 2 * time.Second

// Gauge is one number read from the database at scrape time.
type Gauge struct {
	Name, Help string
	Read       func(context.Context) (int64, error)
}

// GaugeCollector reports gauges read at scrape time, all within 2 s. A
// gauge whose read fails is left out of that scrape rather than failing
// the whole scrape, so its absence shows the failure.
type GaugeCollector struct {
	gauges []Gauge
	descs  []*prometheus.Desc
}

// NewGaugeCollector collects gauges.
func NewGaugeCollector(gauges ...Gauge) *GaugeCollector {
	c := &GaugeCollector{gauges: gauges}
	for _, g := range gauges {
		c.descs = append(c.descs, prometheus.NewDesc(g.Name, g.Help, nil, nil))
	}
	return c
}

// NewOutboxCollector reports scanpay_outbox_unsent (rows not yet queued,
// parked ones included) and scanpay_outbox_parked (rows no longer retried,
// see app.OutboxMaxAttempts), read through unsent and parked, e.g.
// (*mysql.OutboxRepo).OutboxBacklog and ParkedCount. A rising unsent count
// means the relay is behind or Redis is down; any parked row needs a person.
func NewOutboxCollector(unsent, parked func(context.Context) (int64, error)) *GaugeCollector {
	return NewGaugeCollector(
		Gauge{"scanpay_outbox_unsent", "Outbox rows not yet queued, parked rows included.", unsent},
		Gauge{"scanpay_outbox_parked", "Outbox rows parked after too many failed attempts; they need a person.", parked})
}

// Describe implements prometheus.Collector.
func (c *GaugeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *GaugeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for i, g := range c.gauges {
		if n, err := g.Read(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(c.descs[i], prometheus.GaugeValue, float64(n))
		}
	}
}
