package testregistry

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the registry in its own process group, and has the kernel
// kill it if this process dies without calling Close (a test timeout, say).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// kill ends the registry's whole process group.
func kill(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
