package queue

import (
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector reports asynq queue sizes to Prometheus at scrape time, so
// a backlog of payments or receipts shows on a dashboard.
type QueueCollector struct {
	inspector *asynq.Inspector
	size      *prometheus.Desc
	up        *prometheus.Desc
}

// NewQueueCollector reads queue sizes through inspector.
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
