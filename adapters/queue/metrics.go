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

// outboxScrapeTimeout bounds the database reads of one scrape.
const outboxScrapeTimeout = 2 * time.Second

// OutboxCollector reports the outbox to Prometheus at scrape time:
// scanpay_outbox_unsent (rows not yet queued, parked ones included) and
// scanpay_outbox_parked (rows no longer retried, see app.OutboxMaxAttempts).
// A rising unsent count means the relay is behind or Redis is down; any
// parked row needs a person.
type OutboxCollector struct {
	unsent, parked   func(context.Context) (int64, error)
	unsentD, parkedD *prometheus.Desc
}

// NewOutboxCollector reads the gauges through unsent and parked, e.g.
// (*mysql.OutboxRepo).OutboxBacklog and ParkedCount, both within 2 s per
// scrape. A gauge whose read fails is left out of that scrape rather than
// failing the whole scrape, so its absence shows the failure.
func NewOutboxCollector(unsent, parked func(context.Context) (int64, error)) *OutboxCollector {
	return &OutboxCollector{unsent: unsent, parked: parked,
		unsentD: prometheus.NewDesc("scanpay_outbox_unsent", "Outbox rows not yet queued, parked rows included.", nil, nil),
		parkedD: prometheus.NewDesc("scanpay_outbox_parked", "Outbox rows parked after too many failed attempts; they need a person.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *OutboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.unsentD
	ch <- c.parkedD
}

// Collect implements prometheus.Collector.
func (c *OutboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxScrapeTimeout)
	defer cancel()
	for _, g := range []struct {
		desc *prometheus.Desc
		read func(context.Context) (int64, error)
	}{{c.unsentD, c.unsent}, {c.parkedD, c.parked}} {
		if n, err := g.read(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(n))
		}
	}
}
