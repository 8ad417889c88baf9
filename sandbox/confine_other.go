//go:build !linux

package sandbox

import (
	"errors"
	"os/exec"
	"syscall"
)

// Confine is only implemented on Linux; elsewhere the child refuses to run.
func Confine(lim Limits) error { return errors.New("sandboxing needs Linux (Landlock and seccomp)") }

// LandlockABI is 0 outside Linux.
func LandlockABI() int { return 0 }

func procAttr(bool) *syscall.SysProcAttr { return nil }

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
