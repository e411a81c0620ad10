//go:build race

package transport

// raceEnabled: built with -race. The fast path then reads and writes
// through net.Conn (see fastConn.serve).
const raceEnabled = true
