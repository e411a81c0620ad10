package liveapps

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	loads     prometheus.Histogram
	evictions *prometheus.CounterVec
	renames   *prometheus.CounterVec
	synced    *prometheus.CounterVec
	unread    prometheus.Counter
}

// Label values are fixed sets (reason: budget, idle; outcome: written,
// dry_run, conflict, refused, error; source: stream, poll, compare):
// bounded cardinality.
func newMetrics(reg prometheus.Registerer, r *Room) (*metrics, error) {
	m := &metrics{
		loads: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rts_live_app_load_seconds",
			Help:    "Time to load an app from the store and build its graph.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_live_apps_evicted_total",
			Help: "Loaded apps dropped from memory, by reason (budget: over --memory-budget; idle: unused for --app-idle).",
		}, []string{"reason"}),
		renames: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_live_renames_total",
			Help: "Renames through the live apps, by outcome.",
		}, []string{"outcome"}),
		synced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_live_documents_synced_total",
			Help: "Documents changed by others that a loaded app took in, by how rts learnt of them.",
		}, []string{"source"}),
		unread: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_live_documents_unreadable_total",
			Help: "Changed documents that could not be read as part of an app (their last good state is kept).",
		}),
	}
	loaded := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rts_live_apps_loaded",
		Help: "Apps whose model and graph are in memory.",
	}, func() float64 { return float64(r.Usage().Apps) })
	bytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rts_live_apps_bytes",
		Help: "Estimated memory held by the loaded apps, in bytes (what --memory-budget bounds).",
	}, func() float64 { return float64(r.Usage().Bytes) })
	for _, c := range []prometheus.Collector{m.loads, m.evictions, m.renames, m.synced, m.unread, loaded, bytes} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
