//go:build linux

package sandbox

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// Confine applies the limits, no_new_privs, Landlock and the seccomp
// filter to the calling process, irreversibly. [Serve] calls it first
// thing; it is exported for tests and for callers with their own
// protocol.
func Confine(lim Limits) error {
	if err := setRlimits(lim); err != nil {
		return err
	}
	if err := dropRoot(); err != nil {
		return err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if abi, err := llsys.LandlockGetABIVersion(); err != nil || abi < 1 {
		return fmt.Errorf("landlock is not available (ABI %d): %v", abi, err)
	}
	// No rule at all: every handled file system and TCP access is denied.
	if err := landlock.V11.BestEffort().Restrict(); err != nil {
		return fmt.Errorf("landlock: %w", err)
	}
	if err := seccomp.LoadFilter(filter()); err != nil {
		return fmt.Errorf("seccomp: %w", err)
	}
	return nil
}

// nobody is the user and group a child started as root continues as.
const nobody = 65534

// dropRoot switches a child running as root to nobody/nogroup with no
// supplementary groups (all threads), so that whatever Landlock does not
// cover (chmod, chown, signals to other users' processes, ...) also meets
// ordinary permission checks.
func dropRoot() error {
	if unix.Geteuid() != 0 && unix.Getegid() != 0 {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(nobody, nobody, nobody); err != nil {
		return fmt.Errorf("setresgid: %w", err)
	}
	if err := syscall.Setresuid(nobody, nobody, nobody); err != nil {
		return fmt.Errorf("setresuid: %w", err)
	}
	return nil
}

// LandlockABI returns the kernel's Landlock ABI version (0 when absent).
func LandlockABI() int {
	v, err := llsys.LandlockGetABIVersion()
	if err != nil {
		return 0
	}
	return v
}

func setRlimits(lim Limits) error {
	set := []struct {
		name     string
		resource int
		value    uint64
	}{
		{"RLIMIT_CPU", unix.RLIMIT_CPU, lim.CPUSeconds},
		{"RLIMIT_AS", unix.RLIMIT_AS, lim.AddressSpace},
		{"RLIMIT_FSIZE", unix.RLIMIT_FSIZE, 0},
		{"RLIMIT_CORE", unix.RLIMIT_CORE, 0},
		{"RLIMIT_NOFILE", unix.RLIMIT_NOFILE, 64},
		{"RLIMIT_MEMLOCK", unix.RLIMIT_MEMLOCK, 0},
		{"RLIMIT_MSGQUEUE", unix.RLIMIT_MSGQUEUE, 0},
	}
	for _, s := range set {
		// Soft = hard: a hard limit cannot be raised again, and at the
		// hard CPU limit the kernel sends SIGKILL.
		if err := unix.Setrlimit(s.resource, &unix.Rlimit{Cur: s.value, Max: s.value}); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// Namespace flags of clone(2); creating a namespace is denied.
var cloneNamespaceFlags = []uint64{unix.CLONE_NEWUSER, unix.CLONE_NEWNS, unix.CLONE_NEWNET, unix.CLONE_NEWPID,
	unix.CLONE_NEWIPC, unix.CLONE_NEWUTS, unix.CLONE_NEWCGROUP}

// filter denies, with EPERM, every syscall the conversion never needs and
// an attacker would: networking (any address family, so MPTCP too),
// program execution, debugging other processes, mounts and namespaces,
// BPF, io_uring (which bypasses seccomp), keyrings, module loading and
// other administration. Everything else stays allowed so that the Go
// runtime works unchanged.
func filter() seccomp.Filter {
	deny := seccomp.SyscallGroup{Action: seccomp.ActionErrno, Names: []string{
		"socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
		"execve", "execveat",
		"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
		"mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsmount", "fsconfig",
		"move_mount", "open_tree", "mount_setattr",
		"bpf", "perf_event_open", "userfaultfd",
		"io_uring_setup", "io_uring_enter", "io_uring_register",
		"keyctl", "add_key", "request_key",
		"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
		"open_by_handle_at", "name_to_handle_at", "fanotify_init",
		"iopl", "ioperm", "swapon", "swapoff", "reboot", "acct", "quotactl",
		"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
		"syslog", "vhangup", "pidfd_open", "pidfd_send_signal",
		// Not covered by Landlock: metadata changes by path or descriptor.
		"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
		"setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
		"utime", "utimes", "futimesat", "utimensat",
		// Limits stay as set: no raising them back, no touching other processes'.
		"setrlimit", "prlimit64",
		// Identity stays as set.
		"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid",
	}}
	// clone3's flags are behind a pointer seccomp cannot read: answer
	// ENOSYS, on which glibc's pthread_create (cgo builds) and Go fall
	// back to clone, whose flags the rules below check. (EPERM would make
	// thread creation fail.)
	noClone3 := seccomp.SyscallGroup{Action: seccomp.ActionErrno | seccomp.Action(unix.ENOSYS), Names: []string{"clone3"}}
	var clone []seccomp.NameWithConditions
	for _, f := range cloneNamespaceFlags {
		clone = append(clone, seccomp.NameWithConditions{Name: "clone",
			Conditions: seccomp.ArgumentConditions{{Argument: 0, Operation: seccomp.BitsSet, Value: f}}})
	}
	return seccomp.Filter{
		NoNewPrivs: true,
		Flag:       seccomp.FilterFlagTSync,
		Policy: seccomp.Policy{
			DefaultAction: seccomp.ActionAllow,
			Syscalls:      []seccomp.SyscallGroup{deny, noClone3, {Action: seccomp.ActionErrno, NamesWithCondtions: clone}},
		},
	}
}

// procAttr puts the child in its own process group (so a timeout kills
// everything it started), kills it if the parent dies, and, when netns,
// in a fresh network namespace (a user namespace too when not root).
func procAttr(netns bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if !netns {
		return a
	}
	a.Cloneflags = syscall.CLONE_NEWNET
	if uid, gid := syscall.Geteuid(), syscall.Getegid(); uid != 0 {
		a.Cloneflags |= syscall.CLONE_NEWUSER
		a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		a.GidMappingsEnableSetgroups = false
	}
	return a
}

// killGroup kills the child's whole process group.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
