package socketio

import "github.com/prometheus/client_golang/prometheus"

// metrics are registered on Options.Registerer. Labels are low-cardinality
// (namespace, a fixed set of reasons); never a room, user or socket id.
type metrics struct {
	connections    prometheus.Gauge       // rts_ws_connections
	sockets        *prometheus.GaugeVec   // rts_ws_sockets{namespace}
	accepted       prometheus.Counter     // rts_ws_connections_accepted_total
	rejected       *prometheus.CounterVec // rts_ws_upgrades_rejected_total{reason}
	slow           prometheus.Counter     // rts_ws_slow_consumers_total
	published      prometheus.Counter     // rts_ws_published_events_total
	sent           prometheus.Counter     // rts_ws_sent_messages_total
	writes         prometheus.Counter     // rts_ws_writes_total
	conflated      prometheus.Counter     // rts_ws_conflated_messages_total
	pointerDropped prometheus.Counter     // rts_ws_pointer_events_dropped_total
	recoveries     *prometheus.CounterVec // rts_ws_recoveries_total{result}
	auth           *prometheus.CounterVec // rts_ws_auth_checks_total{result}
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rts_ws_connections", Help: "Open Engine.IO WebSocket connections.",
		}),
		sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rts_ws_sockets", Help: "Connected Socket.IO sockets by namespace.",
		}, []string{"namespace"}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_connections_accepted_total", Help: "WebSocket connections accepted.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_ws_upgrades_rejected_total", Help: "Connection attempts rejected before the upgrade, by reason.",
		}, []string{"reason"}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_slow_consumers_total", Help: "Connections closed because their send queue overflowed.",
		}),
		published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_published_events_total", Help: "Events pushed with Publish.",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_sent_messages_total", Help: "WebSocket messages written to clients.",
		}),
		writes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_writes_total", Help: "Writes to client sockets (each carries every message queued at the time).",
		}),
		conflated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_conflated_messages_total", Help: "Queued messages replaced by a newer one of the same kind (a sender's pointer) before they were written.",
		}),
		pointerDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_ws_pointer_events_dropped_total", Help: "collab:mouse_pointer events dropped (rate limit or sender not in the room).",
		}),
		recoveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_ws_recoveries_total", Help: "Connection-state recovery attempts by result.",
		}, []string{"result"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rts_ws_auth_checks_total", Help: "Socket authentications by result (cached answers included).",
		}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.connections, m.sockets, m.accepted, m.rejected, m.slow,
		m.published, m.sent, m.writes, m.conflated, m.pointerDropped, m.recoveries, m.auth} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
