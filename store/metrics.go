package store

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics of a MongoDB store (the embedded and memory stores have no
// server to lose).
type metrics struct {
	up         prometheus.Gauge
	errors     *prometheus.CounterVec
	recoveries prometheus.Counter
}

// The op label takes a fixed set of values (ping, list, load, get,
// libraries, poll, watch, write, import, recover): bounded cardinality.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rts_store_up",
			Help: "1 when MongoDB answered the store's last call, 0 when it did not.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_store_errors_total",
			Help: "Store operations that failed, by operation.",
		}, []string{"op"}),
		recoveries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_store_journal_recoveries_total",
			Help: "Interrupted writes settled from the journal (finished or undone) on a server without transactions.",
		}),
	}
	var err error
	if m.up, err = register(reg, m.up); err != nil {
		return nil, err
	}
	if m.errors, err = register(reg, m.errors); err != nil {
		return nil, err
	}
	if m.recoveries, err = register(reg, m.recoveries); err != nil {
		return nil, err
	}
	return m, nil
}

// register adds c, or reuses the collector a store opened earlier on the
// same registry registered (reopening a store must not fail on metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}

func (m *metrics) setUp(up bool) {
	if up {
		m.up.Set(1)
	} else {
		m.up.Set(0)
	}
}
