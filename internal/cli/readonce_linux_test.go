package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/authgen/authgen/internal/cli"
)

// Generate loads its inputs at most twice, however many runs its renames
// take: once for the first run, which lets them go after building its
// model, and once for all the reruns. PayPal's Orders spec needs four runs
// (three components renamed, one at a time). inotify counts the spec's
// opens, which the kernel queues as they happen (with the closes, or it
// would merge repeated opens into one): two loads and one digest.
func TestGenerateReadsInputsOnce(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "corpus", "testdata", "paypal-orders-v2", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(spec, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("no inotify: %v", err)
	}
	defer syscall.Close(fd)
	if _, err := syscall.InotifyAddWatch(fd, spec, syscall.IN_OPEN|syscall.IN_CLOSE); err != nil {
		t.Fatal(err)
	}
	var warnings bytes.Buffer
	if _, err := cli.Generate(cli.Options{Spec: spec, Package: "orders", Out: t.TempDir(), Warnings: &warnings}); err != nil {
		t.Fatal(err)
	}
	opens := 0
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(fd, buf)
		if err == syscall.EAGAIN {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < n; {
			ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
			if ev.Mask&syscall.IN_OPEN != 0 {
				opens++
			}
			off += syscall.SizeofInotifyEvent + int(ev.Len)
		}
	}
	if opens != 3 {
		t.Errorf("the spec was opened %d times, want 3 (loaded for the first run and for the reruns, digested once)", opens)
	}
}
