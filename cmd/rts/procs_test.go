package main

import "testing"

// rts serve runs with two Ps when pinned to one CPU, unless GOMAXPROCS
// says otherwise; a CPU quota's one P stays one.
func TestServeProcs(t *testing.T) {
	for _, tc := range []struct {
		goDefault, cpus int
		env             string
		want            int
	}{
		{1, 1, "", 2},
		{1, 8, "", 1}, // a quota of one CPU on an 8-CPU machine
		{2, 2, "", 2},
		{8, 8, "", 8},
		{1, 1, "1", 1},
		{4, 8, "3", 4}, // the runtime read the variable already
	} {
		if got := serveProcs(tc.goDefault, tc.cpus, tc.env); got != tc.want {
			t.Errorf("serveProcs(%d, %d, %q) = %d, want %d", tc.goDefault, tc.cpus, tc.env, got, tc.want)
		}
	}
}
