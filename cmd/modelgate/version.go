package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

var versionHelp = cmdHelp{
	name:    "version",
	about:   "Print the modelgate module version (from the build information) and the Go version.",
	example: "modelgate version\nmodelgate version --format json",
}

// cmdVersion prints the module version from runtime/debug.ReadBuildInfo.
func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet(versionHelp, stderr)
	format := formatFlag(fs)
	pos, code, ok := parseArgs(fs, versionHelp, args, stdout)
	if !ok {
		return code
	}
	if !wantArgs(fs, pos, 0, stderr) || !checkFormat(fs, *format, stderr) {
		return exitUsage
	}
	v := moduleVersion()
	if *format == "json" {
		writeJSON(stdout, map[string]string{"version": v, "go": runtime.Version()})
		return exitOK
	}
	fmt.Fprintf(stdout, "modelgate %s (%s %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// moduleVersion returns the main module's version, "(devel)" for a build
// from a work tree, plus the VCS revision when it was recorded.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
