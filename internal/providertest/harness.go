// Package providertest is what the generated providers' tests share: the
// helpers every strict fake and test uses (clock, fetch events, logs,
// barriers), and the runtime cases every generated client must pass, run
// once per provider through a small adapter (see Provider and Run).
//
// A provider's own test package keeps its hand-written fake, which is the
// provider's docs in code, and its provider-specific cases: encoding,
// units, envelope, refresh strategy, error shapes.
package providertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgen/authgen/internal/testclock"
	"github.com/authgen/authgen/tokens"
)

// Clock is the fake clock client and fake share.
type Clock = testclock.Clock

// NewClock returns a Clock at the fixed time every provider test starts at.
func NewClock() *Clock { return testclock.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)) }

// wait bounds every wait for another goroutine: a deadlock guard, never a
// timing the tests depend on.
const wait = 10 * time.Second

// Fetches receives the client's token requests as it finishes them; its
// Hook is a Config.OnFetch.
type Fetches chan tokens.FetchEvent

// NewFetches returns a Fetches with room for every request a test makes.
func NewFetches() Fetches { return make(Fetches, 100) }

// Hook is a Config.OnFetch.
func (f Fetches) Hook(e tokens.FetchEvent) { f <- e }

// Wait returns the next finished token request.
func (f Fetches) Wait(t testing.TB) tokens.FetchEvent {
	t.Helper()
	select {
	case e := <-f:
		return e
	case <-time.After(wait):
		t.Fatal("no token request finished")
		return tokens.FetchEvent{}
	}
}

// None checks that no further token request has finished.
func (f Fetches) None(t testing.TB) {
	t.Helper()
	select {
	case e := <-f:
		t.Errorf("unexpected token request: %+v", e)
	default:
	}
}

// Settle waits until every token fetch the runtime has started is over:
// its request answered and its FetchEvent sent. Token starts a background
// renewal's goroutine before it returns, so a renewal Token started is
// seen here however late its request would arrive, and a check after
// Settle that no request was made cannot pass by being early. A fetch held
// by a Hold never ends: Settle then fails the test.
func Settle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if !fetching() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token fetch is still running after %v", wait)
		}
		// Polling for an end that is certain; how long it takes does
		// not change what the test sees.
		time.Sleep(100 * time.Microsecond)
	}
}

// fetching reports whether a goroutine of the runtime's fetches exists,
// started or not. TestFetchingSeesARenewal keeps its name honest.
func fetching() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte(fetchCreator))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// fetchCreator is how a goroutine dump names the runtime's fetches.
const fetchCreator = "created by github.com/authgen/authgen/tokens/tokensimpl.(*Source).start "

// Recv waits for a value on ch.
func Recv(t testing.TB, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatal("timed out waiting")
	}
}

// SyncBuffer is a log destination safe for the client's goroutines.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// DebugLogger logs everything, debug included, to w: what a leak check
// must see.
func DebugLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// WriteJSON answers status with v as JSON; contentType "" means
// application/json.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Hold makes token answers wait: arrived receives a value as each token
// request arrives, and answers wait until release, which t's cleanup calls
// too. A fake's token handler calls Arrive.
type Hold struct {
	arrived chan struct{}
	gate    chan struct{}
	once    sync.Once
}

// NewHold returns a Hold released at t's cleanup at the latest.
func NewHold(t testing.TB) *Hold {
	h := &Hold{arrived: make(chan struct{}, 1000), gate: make(chan struct{})}
	t.Cleanup(h.Release)
	return h
}

// Arrive reports an arrival and waits for Release; nil holds nothing.
func (h *Hold) Arrive() {
	if h == nil {
		return
	}
	h.arrived <- struct{}{}
	<-h.gate
}

// Arrived receives a value as each request arrives.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets every held and later request through.
func (h *Hold) Release() { h.once.Do(func() { close(h.gate) }) }

// Barrier holds the API's 401 answers until n have arrived, so that the
// client receives them all for the same token at once. Staged, each then
// also waits for its turn (Next) or for Release, so that one 401 can be
// answered, and its renewal done, before the others.
type Barrier struct {
	t       testing.TB
	n       int
	mu      sync.Mutex
	arrived int
	all     chan struct{}
	turn    chan struct{}
}

// NewBarrier returns a Barrier for n answers.
func NewBarrier(t testing.TB, n int, staged bool) *Barrier {
	b := &Barrier{t: t, n: n, all: make(chan struct{})}
	if staged {
		b.turn = make(chan struct{})
	}
	return b
}

// Wait is called by the fake's API before it answers 401; nil holds nothing.
func (b *Barrier) Wait() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-time.After(wait):
		b.t.Error("held 401 answers were never released: the client did not send them concurrently")
		return
	}
	if b.turn != nil {
		select {
		case <-b.turn:
		case <-time.After(wait):
			b.t.Error("held 401 answer never given its turn")
		}
	}
}

// All is closed once all n answers have arrived.
func (b *Barrier) All() <-chan struct{} { return b.all }

// Next lets one held answer go.
func (b *Barrier) Next(t testing.TB) {
	t.Helper()
	select {
	case b.turn <- struct{}{}:
	case <-time.After(wait):
		t.Fatal("no held 401 took its turn")
	}
}

// Release lets the remaining held answers go.
func (b *Barrier) Release() { close(b.turn) }

// Describe renders a token request's path and body fields, sorted, as the
// fakes record them for Fake.TokenRequests; the client secret's value is
// left out. A nil body is one the fake could not parse.
func Describe(path string, body map[string]any) string {
	if body == nil {
		return path + " (unparsable body)"
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(path)
	for _, k := range keys {
		if k == "client_secret" {
			b.WriteString(" client_secret=*")
			continue
		}
		fmt.Fprintf(&b, " %s=%v", k, body[k])
	}
	return b.String()
}
