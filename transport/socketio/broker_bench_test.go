package socketio

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkBrokerBroadcast measures how long a room broadcast takes to
// reach a member's WebSocket through each broker: the memory one (this
// node alone) and Redis (PUBLISH, the node's subscription, delivery). 16
// senders offer brokerBenchRate broadcasts/s in all, each timed from when
// it was due (so a stalled sender counts its backlog); "busy" keeps every
// core spinning meanwhile, as a loaded machine would. It reports the p50
// and p99 latency in ms.
//
//	go test -run '^$' -bench BrokerBroadcast -benchtime 20000x ./transport/socketio/
func BenchmarkBrokerBroadcast(b *testing.B) {
	for _, tc := range []struct {
		name        string
		redis, busy bool
	}{{"memory", false, false}, {"redis", true, false}, {"memory-busy", false, true}, {"redis-busy", true, true}} {
		b.Run(tc.name, func(b *testing.B) {
			mutate := func(o *Options) { o.MaxQueueBytes = 256 << 20 }
			if tc.redis {
				rdb := requireRedis(b, testRedisAddr)
				p := testPrefix(b, rdb)
				mutate = func(o *Options) {
					o.MaxQueueBytes = 256 << 20
					o.Redis, o.RedisPrefix, o.NodeID = rdb, p, "bench"
				}
			}
			e := newEnvLeaks(b, mutate, !tc.redis)
			c := dialRaw(b, e, "SESSION=alice", nil)
			c.write("40")
			c.readUntil("40{")
			c.write(`42["collab:start_edit","app1"]`)
			c.readUntil(`42["collab:online_editors"`)

			lat := make([]time.Duration, 0, b.N)
			var wg sync.WaitGroup
			var readErr error
			wg.Add(1)
			go func() { // the member: every broadcast carries its send time
				defer wg.Done()
				for len(lat) < b.N {
					_ = c.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, m, err := c.ws.ReadMessage()
					if err != nil {
						readErr = err
						return
					}
					if string(m) == "2" {
						_ = c.ws.WriteMessage(websocket.TextMessage, []byte("3"))
						continue
					}
					ts, ok := strings.CutPrefix(string(m), `42["bench",`)
					if !ok {
						continue
					}
					ns, err := strconv.ParseInt(strings.TrimSuffix(ts, "]"), 10, 64)
					if err != nil {
						readErr = err
						return
					}
					lat = append(lat, time.Since(time.Unix(0, ns)))
				}
			}()
			stop := make(chan struct{})
			var burners sync.WaitGroup
			if tc.busy {
				for range runtime.GOMAXPROCS(0) {
					burners.Add(1)
					go func() {
						defer burners.Done()
						for {
							select {
							case <-stop:
								return
							default:
								for i := 0; i < 1e5; i++ {
									sink.Add(1)
								}
							}
						}
					}()
				}
			}
			const senders = 16
			interval := time.Second / brokerBenchRate
			b.ResetTimer()
			start := time.Now()
			var sent sync.WaitGroup
			for i := range senders {
				sent.Add(1)
				go func() {
					defer sent.Done()
					for k := i; k < b.N; k += senders {
						due := start.Add(time.Duration(k) * interval)
						time.Sleep(time.Until(due))
						at := strconv.FormatInt(due.UnixNano(), 10)
						e.srv.broker.broadcast(e.srv.root, "app:app1", outMsg{b: encodeEvent(nspRoot, "bench", []byte(at))})
					}
				}()
			}
			sent.Wait()
			wg.Wait()
			b.StopTimer()
			close(stop)
			burners.Wait()
			if readErr != nil {
				b.Fatalf("member stopped reading after %d of %d broadcasts: %v", len(lat), b.N, readErr)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// brokerBenchRate is the broadcasts per second BenchmarkBrokerBroadcast
// offers (a room of editors' pointers: 20/s each).
const brokerBenchRate = 10000

var sink atomic.Int64 // the busy goroutines' work, so it is not optimised away

// BenchmarkRedisPresenceJoin times the Redis side of one join to a room
// of 100 editors (presenceScript without the list: the hub sends one list
// per room per presenceWindow).
//
//	go test -run '^$' -bench RedisPresenceJoin ./transport/socketio/
func BenchmarkRedisPresenceJoin(b *testing.B) {
	rdb := requireRedis(b, testRedisAddr)
	p := testPrefix(b, rdb)
	e := newEnvLeaks(b, func(o *Options) { o.Redis, o.RedisPrefix, o.NodeID = rdb, p, "bench" }, false)
	cl := e.srv.broker.(*redisBroker)
	ctx := context.Background()
	join := func(i int) {
		field := "bench:/page/edit:s" + strconv.Itoa(i%100)
		value := strconv.Itoa(i) + "\nu" + strconv.Itoa(i%100) + "@x\n{}"
		if err := cl.runPresence(ctx, e.srv.page, "page:p", "join", field, value, cl.node, false); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 {
		join(i)
	}
	b.ResetTimer()
	for i := range b.N {
		join(i)
	}
}
