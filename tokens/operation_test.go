package tokens_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgen/authgen/tokens"
)

var quick = tokens.Retry{Attempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// A body Send cannot read again is sent once, whatever the method: a
// second attempt would send an empty or partial body.
func TestSendRetriesOnlyReplayableBodies(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	op := &tokens.Operation{Provider: "p", Name: "PutThing"}
	for _, tc := range []struct {
		name string
		req  func() *http.Request
		want int32
	}{
		{"replayable", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("x"))
			return r
		}, 3},
		{"stream", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, srv.URL, io.NopCloser(strings.NewReader("x")))
			return r
		}, 1},
	} {
		n.Store(0)
		if _, err := op.Send(context.Background(), srv.Client(), tc.req(), quick); err == nil {
			t.Errorf("%s: Send succeeded on 502s", tc.name)
		}
		if got := n.Load(); got != tc.want {
			t.Errorf("%s: %d requests, want %d", tc.name, got, tc.want)
		}
	}
}

// A GET that failed on the network is sent again; Attempts: 1 turns
// retries off.
func TestSendRetriesNetworkErrors(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Drop the connection without an answer.
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	// net/http itself resends an idempotent request that a reused
	// connection lost; a fresh connection per request leaves that to Send.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	op := &tokens.Operation{Provider: "p", Name: "GetThing"}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := op.Send(context.Background(), hc, req, quick)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2", n.Load())
	}

	n.Store(0)
	off := quick
	off.Attempts = 1
	if _, err := op.Send(context.Background(), hc, req, off); err == nil {
		t.Error("Send succeeded after a dropped connection with retries off")
	}
	if n.Load() != 1 {
		t.Errorf("with Attempts 1: %d requests, want 1", n.Load())
	}
}

type failing struct{ n atomic.Int32 }

func (f *failing) RoundTrip(*http.Request) (*http.Response, error) {
	f.n.Add(1)
	return nil, errors.New("tokens: not sending the access token over plain http")
}

// A failure that is not the network's, such as the token Transport's
// refusal or a token request the Source already retried, is not retried.
func TestSendLeavesOtherFailures(t *testing.T) {
	var f failing
	op := &tokens.Operation{Provider: "p", Name: "GetThing"}
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/x", nil)
	if _, err := op.Send(context.Background(), &http.Client{Transport: &f}, req, quick); err == nil {
		t.Fatal("Send succeeded")
	}
	if f.n.Load() != 1 {
		t.Errorf("%d attempts, want 1", f.n.Load())
	}
}
