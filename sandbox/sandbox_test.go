package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelgate/modelgate"
	"github.com/modelgate/modelgate/sandbox"
)

// The test binary is its own sandboxed child: Run re-executes it with one
// of these words as its first argument, and TestMain dispatches to the
// child function instead of running the tests.
var children = map[string]func(ctx context.Context, in []byte) ([]byte, error){
	"__echo":    func(_ context.Context, in []byte) ([]byte, error) { return append([]byte("echo:"), in...), nil },
	"__probe":   probe,
	"__spin":    func(context.Context, []byte) ([]byte, error) { spin(); return nil, nil },
	"__sleep":   func(context.Context, []byte) ([]byte, error) { time.Sleep(time.Hour); return nil, nil },
	"__hog":     hog,
	"__flood":   func(context.Context, []byte) ([]byte, error) { return make([]byte, 1<<20), nil },
	"__refuse":  func(context.Context, []byte) ([]byte, error) { return nil, errors.New("refused on purpose") },
	"__threads": threads,
	"__whoami":  whoami,
	"__crash":   func(context.Context, []byte) ([]byte, error) { var m map[string]int; m["x"] = 1; return nil, nil },
}

func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		if fn, ok := children[os.Args[1]]; ok {
			os.Exit(sandbox.Serve(context.Background(), os.Stdin, os.Stdout, os.Stderr, fn))
		}
		if strings.HasPrefix(os.Args[1], "__") {
			os.Exit(3) // never run the tests inside a child
		}
	}
	os.Exit(m.Run())
}

// attempts are what a compromised converter would try. Each entry names
// an operation; the child reports the error it got ("" = it succeeded).
type attempts map[string]string

// probe tries to escape: read a file, write a file, connect and listen
// (TCP and MPTCP), resolve a name, and run a program. The address to
// connect to comes on stdin.
func probe(_ context.Context, in []byte) ([]byte, error) {
	addr, file, _ := strings.Cut(string(in), "\n")
	return json.Marshal(tryAll(addr, file))
}

// tryAll makes every attempt; addr is a listening TCP address and file a
// file of the parent's that nobody else may change.
func tryAll(addr, file string) attempts {
	res := attempts{}
	note := func(name string, err error) {
		res[name] = ""
		if err != nil {
			res[name] = err.Error()
		}
	}
	_, err := os.ReadFile("/etc/passwd")
	note("open /etc/passwd", err)
	_, err = os.ReadFile("/proc/self/status")
	note("open /proc/self/status", err)
	note("create file", os.WriteFile(filepath.Join(os.TempDir(), fmt.Sprintf("mg-sandbox-%d", os.Getpid())), []byte("x"), 0o600))
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		c.Close()
	}
	note("connect tcp "+addr, err)
	var d net.Dialer
	d.SetMultipathTCP(true)
	c, err = d.Dial("tcp", addr)
	if err == nil {
		c.Close()
	}
	note("connect mptcp "+addr, err)
	var lc net.ListenConfig
	lc.SetMultipathTCP(true)
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err == nil {
		l.Close()
	}
	note("listen mptcp", err)
	u, err := net.Dial("udp", "127.0.0.1:53")
	if err == nil {
		u.Close()
	}
	note("udp socket", err)
	us, err := net.Dial("unix", "/run/systemd/notify")
	if err == nil {
		us.Close()
	}
	note("unix socket", err)
	note("open /etc/passwd from every thread", openEverywhere())
	note("chmod a file", os.Chmod(file, 0o777))
	note("chown a file", os.Chown(file, os.Getuid(), os.Getgid()))
	note("change a file's times", os.Chtimes(file, time.Unix(0, 0), time.Unix(0, 0)))
	note("signal the parent", syscall.Kill(os.Getppid(), syscall.SIGURG))
	note("raise a limit", syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 4096, Max: 4096}))
	note("exec /bin/true", exec.Command("/bin/true").Run())
	// The same with inherited descriptors, so that nothing has to be
	// opened before execve itself is attempted.
	cmd := exec.Command("/bin/true")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr, os.Stderr
	note("execve /bin/true", cmd.Run())
	return res
}

func whoami(context.Context, []byte) ([]byte, error) {
	return []byte(fmt.Sprintf("%d:%d", os.Geteuid(), os.Getegid())), nil
}

// threads makes the runtime start new OS threads after confinement (in a
// cgo build through glibc's pthread_create, which tries clone3 first).
func threads(context.Context, []byte) ([]byte, error) {
	done := make(chan int)
	for i := 0; i < 16; i++ {
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			time.Sleep(20 * time.Millisecond)
			done <- 1
		}()
	}
	n := 0
	for i := 0; i < 16; i++ {
		n += <-done
	}
	return []byte(fmt.Sprint(n)), nil
}

// openEverywhere opens /etc/passwd from many goroutines at once, so that
// the attempts run on the threads the runtime had before confinement too;
// it fails only if every attempt fails.
func openEverywhere() error {
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		go func() {
			f, err := os.Open("/etc/passwd")
			if err == nil {
				f.Close()
			}
			errs <- err
		}()
	}
	var last error
	for i := 0; i < 64; i++ {
		err := <-errs
		if err == nil {
			return nil
		}
		last = err
	}
	return last
}

func spin() {
	for x := 0; ; x++ {
		if x == -1 {
			return
		}
	}
}

// hog allocates far more than the address space limit (the pages need
// not be touched: the reservation alone exceeds RLIMIT_AS).
func hog(context.Context, []byte) ([]byte, error) {
	var keep [][]byte
	for i := 0; i < 64; i++ {
		b := make([]byte, 256<<20)
		b[0] = 1
		keep = append(keep, b)
	}
	return []byte(fmt.Sprint(len(keep))), nil
}

func testLimits() sandbox.Limits {
	l := sandbox.DefaultLimits()
	l.Timeout, l.CPUSeconds, l.AddressSpace, l.MemoryLimit = 60*time.Second, 10, 3<<30, 1<<30
	l.MaxInput, l.MaxOutput = 1<<20, 1<<16
	return l
}

func needLinux(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the sandbox needs Linux")
	}
	if sandbox.LandlockABI() < 1 {
		t.Fatal("Landlock is not available on this kernel: the sandbox refuses to run without it")
	}
	t.Logf("Landlock ABI %d", sandbox.LandlockABI())
}

func run(t *testing.T, word string, in []byte, lim sandbox.Limits) ([]byte, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return sandbox.Run(context.Background(), exe, []string{word}, in, lim)
}

// TestThreads: the confined child can still start threads (a seccomp
// filter answering EPERM to clone3 broke pthread_create in cgo builds).
func TestThreads(t *testing.T) {
	needLinux(t)
	for i := 0; i < 5; i++ {
		out, err := run(t, "__threads", nil, testLimits())
		if err != nil || string(out) != "16" {
			t.Fatalf("got %q, %v", out, err)
		}
	}
}

// TestDropsRoot: a child started by root continues as nobody.
func TestDropsRoot(t *testing.T) {
	needLinux(t)
	out, err := run(t, "__whoami", nil, testLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d:%d", os.Geteuid(), os.Getegid())
	if os.Geteuid() == 0 {
		want = "65534:65534"
	}
	if string(out) != want {
		t.Fatalf("child runs as %s, want %s", out, want)
	}
}

func TestEcho(t *testing.T) {
	needLinux(t)
	out, err := run(t, "__echo", []byte("hello"), testLimits())
	if err != nil || string(out) != "echo:hello" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestConfined proves the child is confined: every escape attempt that
// succeeds in this (unconfined) test process fails in the child, and the
// listener never sees a connection.
func TestConfined(t *testing.T) {
	needLinux(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	file := filepath.Join(t.TempDir(), "parents-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	control := tryAll(addr, file)
	for _, op := range []string{"open /etc/passwd", "connect tcp " + addr, "exec /bin/true", "execve /bin/true", "create file",
		"chmod a file", "chown a file", "signal the parent"} {
		if control[op] != "" {
			t.Fatalf("control: %s fails even unconfined (%s); the test proves nothing", op, control[op])
		}
	}
	for len(accepted) > 0 {
		<-accepted
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []bool{false, true} {
		lim := testLimits()
		lim.NoNetNamespace = ns
		out, err := run(t, "__probe", []byte(addr+"\n"+file), lim)
		if err != nil {
			t.Fatalf("probe (netns %v): %v", !ns, err)
		}
		var got attempts
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("probe output %q: %v", out, err)
		}
		if len(got) != len(control) {
			t.Fatalf("probe made %d attempts, want %d", len(got), len(control))
		}
		for op, e := range got {
			if e == "" {
				t.Errorf("confined child (netns %v): %s SUCCEEDED", !ns, op)
			} else {
				t.Logf("netns %v: %s: %s", !ns, op, e)
			}
		}
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the child changed the parent's file: %v %v", fi.Mode(), err)
	}
	select {
	case <-accepted:
		t.Error("the listener accepted a connection from the confined child")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestLimits(t *testing.T) {
	needLinux(t)
	tests := []struct {
		word string
		in   []byte
		tune func(*sandbox.Limits)
		code string
		rule string
	}{
		{"__sleep", nil, func(l *sandbox.Limits) { l.Timeout = time.Second }, modelgate.ELIMIT, sandbox.RuleTimeout},
		{"__spin", nil, func(l *sandbox.Limits) { l.CPUSeconds, l.Timeout = 1, 3*time.Minute }, modelgate.ELIMIT, sandbox.RuleCPU},
		{"__hog", nil, nil, modelgate.ELIMIT, sandbox.RuleMemory},
		{"__flood", nil, nil, modelgate.ELIMIT, sandbox.RuleOutput},
		{"__echo", make([]byte, 2<<20), nil, modelgate.ELIMIT, sandbox.RuleInput},
		{"__refuse", nil, nil, modelgate.EINTERNAL, sandbox.RuleFailed},
		{"__crash", nil, nil, modelgate.EINTERNAL, sandbox.RuleFailed},
		{"__nosuchchild", nil, nil, modelgate.EINTERNAL, sandbox.RuleFailed},
	}
	for _, tt := range tests {
		t.Run(tt.word+"/"+tt.rule, func(t *testing.T) {
			t.Parallel()
			lim := testLimits()
			if tt.tune != nil {
				tt.tune(&lim)
			}
			_, err := run(t, tt.word, tt.in, lim)
			var me *modelgate.Error
			if !errors.As(err, &me) || me.Code != tt.code || me.Rule != tt.rule {
				t.Fatalf("got %v (%T), want %s/%s", err, err, tt.code, tt.rule)
			}
		})
	}
}

// TestServeRefusesOutsideRun: the hidden subcommand does nothing (and
// reads nothing) when not started by Run.
func TestServeRefusesOutsideRun(t *testing.T) {
	t.Setenv("MODELGATE_SANDBOX_LIMITS", "")
	var stderr bytes.Buffer
	in := strings.NewReader("input")
	code := sandbox.Serve(context.Background(), in, &bytes.Buffer{}, &stderr, func(context.Context, []byte) ([]byte, error) {
		t.Fatal("fn ran")
		return nil, nil
	})
	if code == 0 || in.Len() != len("input") || !strings.Contains(stderr.String(), "only run by modelgate") {
		t.Fatalf("code %d, unread %d, stderr %q", code, in.Len(), stderr.String())
	}
}

// BenchmarkRunEcho measures the cost of one confined child: re-exec,
// rlimits, Landlock, seccomp, a network namespace, and a round trip of
// 1 MiB through stdin and stdout.
func BenchmarkRunEcho(b *testing.B) {
	if runtime.GOOS != "linux" || sandbox.LandlockABI() < 1 {
		b.Skip("needs Linux with Landlock")
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	in := make([]byte, 1<<20)
	lim := testLimits()
	lim.MaxInput, lim.MaxOutput = 2<<20, 2<<20
	for _, netns := range []bool{true, false} {
		b.Run(fmt.Sprintf("netns=%v", netns), func(b *testing.B) {
			lim.NoNetNamespace = !netns
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := sandbox.Run(context.Background(), exe, []string{"__echo"}, in, lim); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
