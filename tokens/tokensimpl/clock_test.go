package tokensimpl_test

import (
	"time"

	"github.com/authgen/authgen/internal/testclock"
)

type fakeClock = testclock.Clock

func newFakeClock() *fakeClock {
	return testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
}
