package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestEveryCommandHasHelp checks the contract of the command table: every
// subcommand answers --help with exit 0, its usage line and an example on
// standard output, and refuses an unknown flag with exit 2.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commandTable() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			if code := Main(context.Background(), []string{c.name, "--help"}, &out, &errb); code != exitOK {
				t.Fatalf("--help: exit %d, stderr %q", code, errb.String())
			}
			if !strings.Contains(out.String(), "modelgate "+c.name) || !strings.Contains(out.String(), "Example") {
				t.Fatalf("--help output lacks the usage line or an example:\n%s", out.String())
			}
			out.Reset()
			errb.Reset()
			if code := Main(context.Background(), []string{c.name, "--no-such-flag"}, &out, &errb); code != exitUsage {
				t.Fatalf("unknown flag: exit %d", code)
			}
		})
	}
}
