package main

import "testing"

// rts serve runs with at least two Ps unless GOMAXPROCS says otherwise.
func TestServeProcs(t *testing.T) {
	for _, tc := range []struct {
		goDefault int
		env       string
		want      int
	}{
		{1, "", 2},
		{2, "", 2},
		{8, "", 8},
		{1, "1", 1},
		{4, "3", 4}, // the runtime read the variable already
	} {
		if got := serveProcs(tc.goDefault, tc.env); got != tc.want {
			t.Errorf("serveProcs(%d, %q) = %d, want %d", tc.goDefault, tc.env, got, tc.want)
		}
	}
}
