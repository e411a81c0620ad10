package store

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	up          prometheus.Gauge
	errors      *prometheus.CounterVec
	synced      *prometheus.CounterVec
	renames     *prometheus.CounterVec
	pollSeconds prometheus.Gauge
}

// The op label takes a fixed set of values (ping, load, poll, watch, import,
// rename, list): bounded cardinality.
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
		synced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_store_documents_synced_total",
			Help: "Documents changed by others that the store applied to a live graph, by how it learnt of them.",
		}, []string{"source"}),
		renames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_store_renames_total",
			Help: "Renames through the store, by outcome (written, dry_run, conflict, error).",
		}, []string{"outcome"}),
		pollSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rts_store_poll_duration_seconds",
			Help: "How long the last poll for changes took (polling mode only).",
		}),
	}
	var err error
	if m.pollSeconds, err = register(reg, m.pollSeconds); err != nil {
		return nil, err
	}
	m.up, err = register(reg, m.up)
	if err != nil {
		return nil, err
	}
	if m.errors, err = register(reg, m.errors); err != nil {
		return nil, err
	}
	if m.synced, err = register(reg, m.synced); err != nil {
		return nil, err
	}
	if m.renames, err = register(reg, m.renames); err != nil {
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
