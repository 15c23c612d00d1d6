package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithTest has cmd killed when the test binary exits, even by a test
// timeout's panic, which runs no cleanup.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
