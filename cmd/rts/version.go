package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/appsmith-rts/rts/internal/config"
)

// version is set at release build time: -ldflags "-X main.version=v1.2.3".
var version = ""

var versionHelp = config.Help{
	Usage: "rts version",
	About: "Prints the version of rts and of the Go it was built with.",
	Exit:  "0 ok, 2 bad usage",
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	c := newCLI("version", versionHelp, stdout, stderr)
	pos, code, ok := c.parse(args, -1)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.failf(2, "unexpected argument %q", pos[0])
	}
	fmt.Fprintf(stdout, "rts %s %s\n", versionString(), runtime.Version())
	return 0
}

// versionString is the release version, else the module version `go
// install` recorded, else "devel".
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
