package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// report is what a run prints (text, or JSON with -json).
type report struct {
	Server            string  `json:"server"`
	Conns             int     `json:"conns"`
	Rooms             int     `json:"rooms"`
	RoomSize          int     `json:"room_size"`
	ConnectSeconds    float64 `json:"connect_seconds"`
	PresenceSeconds   float64 `json:"presence_settle_seconds"`
	PresenceMsgs      int64   `json:"presence_msgs"`
	Publishes         int     `json:"publishes"`
	PublishErrors     int     `json:"publish_errors"`
	PublishSeconds    float64 `json:"publish_seconds"`
	Churns            int     `json:"presence_churns"`
	Expected          int     `json:"expected_deliveries"`
	Delivered         int     `json:"delivered"`
	Disconnected      int     `json:"disconnected"`
	MsgsPerSec        float64 `json:"delivered_msgs_per_sec"`
	P50ms             float64 `json:"fanout_p50_ms"`
	P90ms             float64 `json:"fanout_p90_ms"`
	P99ms             float64 `json:"fanout_p99_ms"`
	MaxMs             float64 `json:"fanout_max_ms"`
	HeapPerConnBytes  float64 `json:"heap_stack_per_idle_conn_bytes,omitempty"`
	RSSPerConnBytes   float64 `json:"rss_per_idle_conn_bytes,omitempty"`
	ServerRSSBeforeMB float64 `json:"server_rss_before_mb,omitempty"`
	ServerRSSAfterMB  float64 `json:"server_rss_idle_mb,omitempty"`
	GoroutinesPerConn float64 `json:"server_goroutines_per_conn,omitempty"`
	SlowConsumers     int     `json:"slow_consumers"`
}

// setLatencies fills the exact percentiles (nearest rank) of d.
func (r *report) setLatencies(d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		i := int(q*float64(len(d))+0.999999) - 1
		i = max(0, min(i, len(d)-1))
		return float64(d[i]) / float64(time.Millisecond)
	}
	r.P50ms, r.P90ms, r.P99ms, r.MaxMs = at(0.50), at(0.90), at(0.99), at(1)
}

func (r *report) print(w io.Writer, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "server            %s\n", r.Server)
	fmt.Fprintf(w, "connections       %d in %d rooms of %d, connected in %.2fs\n", r.Conns, r.Rooms, r.RoomSize, r.ConnectSeconds)
	fmt.Fprintf(w, "presence          settled in %.2fs after connecting (%d collab:online_editors received)\n", r.PresenceSeconds, r.PresenceMsgs)
	fmt.Fprintf(w, "pushes            %d (%d errors) in %.2fs, with %d presence churns\n", r.Publishes, r.PublishErrors, r.PublishSeconds, r.Churns)
	fmt.Fprintf(w, "delivered         %d of %d (%d connections lost)\n", r.Delivered, r.Expected, r.Disconnected)
	fmt.Fprintf(w, "throughput        %.0f delivered msgs/s\n", r.MsgsPerSec)
	fmt.Fprintf(w, "fan-out latency   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", r.P50ms, r.P90ms, r.P99ms, r.MaxMs)
	if r.HeapPerConnBytes != 0 {
		fmt.Fprintf(w, "idle memory       %.1f KiB heap+stacks per connection, %.2f goroutines per connection\n", r.HeapPerConnBytes/1024, r.GoroutinesPerConn)
	}
	if r.RSSPerConnBytes != 0 {
		fmt.Fprintf(w, "server RSS        %.1f MiB → %.1f MiB idle: %.1f KiB per connection\n", r.ServerRSSBeforeMB, r.ServerRSSAfterMB, r.RSSPerConnBytes/1024)
	}
	fmt.Fprintf(w, "slow consumers    %d\n", r.SlowConsumers)
}
