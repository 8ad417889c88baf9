// Package sandbox runs untrusted-input work (legacy model conversion) in a
// confined child process of modelgate itself, as defence in depth: the
// parsers are written to be safe on hostile input, and the sandbox bounds
// the damage if one is not.
//
// The parent calls [Run] with its own executable and a hidden subcommand;
// the child's entry point calls [Serve], which confines the process BEFORE
// it reads a byte of input from stdin:
//
//   - hard resource limits: RLIMIT_CPU (soft = hard, so the kernel sends
//     SIGKILL; Go ignores SIGXCPU), RLIMIT_AS, RLIMIT_FSIZE = 0,
//     RLIMIT_NOFILE, RLIMIT_CORE = 0, plus GOMEMLIMIT for the Go heap;
//   - a child started as root continues as nobody/nogroup without
//     supplementary groups;
//   - no_new_privs, then Landlock (best available ABI) with no rule at
//     all: no file may be opened, created, removed or executed, no TCP
//     port bound or connected, no signal sent outside the sandbox;
//   - a seccomp filter on every thread: socket(2) and friends (any family,
//     so MPTCP too, which Landlock's TCP rules miss), execve(2), ptrace,
//     mount, namespaces (unshare, setns, clone with CLONE_NEW*), bpf,
//     io_uring, keyrings, module loading, the metadata changes Landlock
//     does not cover (chmod, chown, xattrs, times), and changes of limits
//     or identity fail with EPERM (clone3 with ENOSYS, so that thread
//     creation falls back to clone, whose flags are checked);
//   - on Linux the child also starts in a fresh network namespace when the
//     kernel allows it (best effort; seccomp already denies sockets).
//
// The parent enforces a wall-clock timeout (the whole process group is
// killed), caps stdout and stderr, and gives the child an empty
// environment but for the limits. The child's output is untrusted data:
// callers parse it strictly and validate it like any upload.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/modelgate/modelgate"
)

// Limits bound one child process.
type Limits struct {
	Timeout      time.Duration // wall clock, from start to exit
	CPUSeconds   uint64        // hard RLIMIT_CPU
	AddressSpace uint64        // RLIMIT_AS in bytes; the Go runtime needs >= ~1.5 GiB to start, more with many threads
	MemoryLimit  int64         // GOMEMLIMIT in bytes (soft heap target); 0 = AddressSpace/2
	MaxInput     int64         // bytes the child accepts on stdin
	MaxOutput    int64         // bytes the parent accepts on stdout
	Threads      int           // GOMAXPROCS of the child; 0 = 1
	// NoNetNamespace skips the network namespace (seccomp and Landlock
	// still deny networking).
	NoNetNamespace bool
}

// DefaultLimits are sized for converting a legacy file of up to 512 MiB.
func DefaultLimits() Limits {
	return Limits{
		Timeout:      2 * time.Minute,
		CPUSeconds:   120,
		AddressSpace: 6 << 30,
		MemoryLimit:  2 << 30,
		MaxInput:     512 << 20,
		MaxOutput:    1 << 30,
		Threads:      1,
	}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = d.CPUSeconds
	}
	if l.AddressSpace == 0 {
		l.AddressSpace = d.AddressSpace
	}
	if l.MemoryLimit <= 0 {
		l.MemoryLimit = int64(l.AddressSpace / 2)
	}
	if l.MaxInput <= 0 {
		l.MaxInput = d.MaxInput
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.Threads <= 0 {
		l.Threads = 1
	}
	return l
}

// Rules of the errors Run returns.
const (
	RuleTimeout     = "sandbox-timeout"      // wall clock exceeded
	RuleCPU         = "sandbox-cpu-limit"    // RLIMIT_CPU exceeded
	RuleMemory      = "sandbox-memory-limit" // the child ran out of memory
	RuleOutput      = "sandbox-output-limit" // more output than MaxOutput
	RuleInput       = "sandbox-input-limit"  // more input than MaxInput
	RuleFailed      = "sandbox-failed"       // the child exited with an error
	RuleUnavailable = "sandbox-unavailable"  // the child could not be confined or started
)

// envLimits carries the limits to the child.
const envLimits = "MODELGATE_SANDBOX_LIMITS"

// stderrCap bounds what is kept of the child's stderr.
const stderrCap = 16 << 10

// Run starts exe with args as a confined child (exe must call [Serve]),
// writes input to its stdin and returns its stdout. Every failure is a
// *modelgate.Error: ELIMIT for the limits (rules RuleTimeout, RuleCPU,
// RuleMemory, RuleOutput, RuleInput), EINTERNAL otherwise.
func Run(ctx context.Context, exe string, args []string, input []byte, lim Limits) ([]byte, error) {
	lim = lim.orDefault()
	if int64(len(input)) > lim.MaxInput {
		return nil, modelgate.Errorf(modelgate.ELIMIT, "", RuleInput, "input of %d bytes exceeds the sandbox limit of %d", len(input), lim.MaxInput)
	}
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	out, stderr, err := start(ctx, exe, args, input, lim, !lim.NoNetNamespace)
	if err != nil && isNamespaceRefusal(err) {
		out, stderr, err = start(ctx, exe, args, input, lim, false)
	}
	if err == nil {
		return out.Bytes(), nil
	}
	return nil, classify(ctx, err, out, stderr, lim)
}

// start runs the child once.
func start(ctx context.Context, exe string, args []string, input []byte, lim Limits, netns bool) (*capped, *capped, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = childEnv(lim)
	cmd.Dir = "/"
	cmd.Stdin = bytes.NewReader(input)
	out := &capped{max: lim.MaxOutput}
	stderr := &capped{max: stderrCap, truncate: true}
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.SysProcAttr = procAttr(netns)
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Start()
	if err != nil {
		return out, stderr, &startError{err}
	}
	return out, stderr, cmd.Wait()
}

type startError struct{ err error }

func (e *startError) Error() string { return "sandbox: start: " + e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

func isNamespaceRefusal(err error) bool {
	var se *startError
	return errors.As(err, &se) && (errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EUSERS))
}

func childEnv(lim Limits) []string {
	return []string{
		"GOMEMLIMIT=" + strconv.FormatInt(lim.MemoryLimit, 10),
		"GOMAXPROCS=" + strconv.Itoa(lim.Threads),
		"GOTRACEBACK=single",
		"MALLOC_ARENA_MAX=2", // cgo builds: glibc reserves 64 MiB of address space per thread arena otherwise
		envLimits + "=" + encodeLimits(lim),
	}
}

// classify turns a failed run into a typed error.
func classify(ctx context.Context, err error, out, stderr *capped, lim Limits) error {
	tail := strings.TrimSpace(stderr.String())
	var se *startError
	switch {
	case errors.As(err, &se):
		return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: RuleUnavailable, Message: "could not start the sandboxed child", Err: err}
	case out.over:
		return modelgate.Errorf(modelgate.ELIMIT, "", RuleOutput, "the sandboxed child wrote more than %d bytes", lim.MaxOutput)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return modelgate.Errorf(modelgate.ELIMIT, "", RuleTimeout, "the sandboxed child exceeded its %s time limit", lim.Timeout)
	case ctx.Err() != nil:
		return ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			if (ws.Signal() == syscall.SIGKILL || ws.Signal() == syscall.SIGXCPU) && cpuExhausted(ee, lim) {
				return modelgate.Errorf(modelgate.ELIMIT, "", RuleCPU, "the sandboxed child exceeded its CPU limit of %d s", lim.CPUSeconds)
			}
			return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: RuleFailed, Message: "the sandboxed child was killed by " + ws.Signal().String(), Err: errors.New(tail)}
		}
		if outOfMemory(tail) {
			return modelgate.Errorf(modelgate.ELIMIT, "", RuleMemory, "the sandboxed child ran out of memory (address space limit %d bytes)", lim.AddressSpace)
		}
		if strings.HasPrefix(tail, setupFailure) {
			return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: RuleUnavailable, Message: "the child could not confine itself", Err: errors.New(tail)}
		}
	}
	return &modelgate.Error{Code: modelgate.EINTERNAL, Rule: RuleFailed, Message: "the sandboxed child failed", Err: fmt.Errorf("%w: %s", err, lastLine(tail))}
}

// cpuExhausted reports whether the child used (about) its whole CPU budget.
func cpuExhausted(ee *exec.ExitError, lim Limits) bool {
	used := ee.UserTime() + ee.SystemTime()
	return used >= time.Duration(lim.CPUSeconds)*time.Second-500*time.Millisecond
}

func outOfMemory(stderr string) bool {
	return strings.Contains(stderr, "out of memory") || strings.Contains(stderr, "cannot allocate memory") ||
		strings.Contains(stderr, "failed to allocate") // the race detector's runtime
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// capped is an io.Writer that keeps at most max bytes: past it, it either
// fails (stdout: the child is killed) or drops the rest (stderr).
type capped struct {
	buf      bytes.Buffer // not embedded: its ReadFrom would bypass the cap
	max      int64
	truncate bool
	over     bool
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.max - int64(c.buf.Len())
	if int64(len(p)) <= room {
		return c.buf.Write(p)
	}
	if room > 0 {
		c.buf.Write(p[:room])
	}
	if c.truncate {
		return len(p), nil
	}
	c.over = true
	return 0, errors.New("sandbox: output limit exceeded")
}

// Bytes returns what was kept.
func (c *capped) Bytes() []byte { return c.buf.Bytes() }

// String returns what was kept, as text.
func (c *capped) String() string { return c.buf.String() }

// encodeLimits and decodeLimits pass the limits to the child.
func encodeLimits(l Limits) string {
	return fmt.Sprintf("cpu=%d,as=%d,in=%d", l.CPUSeconds, l.AddressSpace, l.MaxInput)
}

func decodeLimits(s string) (Limits, error) {
	var l Limits
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 63)
		if !ok || err != nil {
			return l, fmt.Errorf("sandbox: bad %s %q", envLimits, s)
		}
		switch k {
		case "cpu":
			l.CPUSeconds = n
		case "as":
			l.AddressSpace = n
		case "in":
			l.MaxInput = int64(n)
		default:
			return l, fmt.Errorf("sandbox: unknown limit %q", k)
		}
	}
	if l.CPUSeconds == 0 || l.AddressSpace == 0 || l.MaxInput <= 0 {
		return l, fmt.Errorf("sandbox: incomplete %s %q", envLimits, s)
	}
	return l, nil
}

// InChild reports whether this process was started by [Run].
func InChild() bool { return os.Getenv(envLimits) != "" }
