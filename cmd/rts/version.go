package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at release build time: -ldflags "-X main.version=v1.2.3".
var version = ""

func runVersion(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "rts version: unexpected argument %q\n", args[0])
		return 2
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
