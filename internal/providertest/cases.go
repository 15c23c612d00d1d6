package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/authgen/authgen/tokens"
)

// Run runs the cases every generated client must pass, against p's fake.
func Run[C any, K Client](t *testing.T, p Provider[C, K]) {
	if !strings.Contains(p.ClientSecret, "s3cr3t") {
		t.Fatalf("ClientSecret %q lacks s3cr3t: the leak checks would be vacuous", p.ClientSecret)
	}
	t.Run("FirstTokenLivesTheDocumentedLifetime", p.firstToken)
	t.Run("RenewedBeforeExpiryServingTheValidToken", p.renewedBeforeExpiry)
	if p.Refreshes {
		for _, expired := range []bool{false, true} {
			// In the renew window a background renewal falls back while
			// the old token is served; after expiry the caller waits.
			name := map[bool]string{false: "background", true: "expired"}[expired]
			t.Run("RefusedRefreshFallsBackToClientCredentials/"+name, func(t *testing.T) { p.refusedRefresh(t, expired) })
		}
	}
	t.Run("ConfigNeverPrintsTheSecret", p.configNeverPrintsTheSecret)
	t.Run("NewValidatesConfig", p.newValidatesConfig)
	t.Run("ConcurrentCallersShareOneRequest", p.concurrentCallersShareOneRequest)
	t.Run("UnauthorizedRenewsOnceAndReplays", p.unauthorizedRenewsOnceAndReplays)
	t.Run("UnauthorizedTwiceIsReturnedNotLooped", p.unauthorizedTwiceIsReturnedNotLooped)
	for _, staged := range []bool{false, true} {
		// Together: every 401 comes back at once. Stragglers: one first,
		// the others only once its renewal is cached.
		name := map[bool]string{false: "together", true: "stragglers"}[staged]
		t.Run("ConcurrentUnauthorizedShareOneRenewal/"+name, func(t *testing.T) { p.concurrentUnauthorized(t, staged) })
	}
	for _, echo := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "echoed"}[echo]
		t.Run("WrongSecretIsInvalidClientAndNeverPrinted/"+name, func(t *testing.T) { p.wrongSecret(t, echo) })
	}
}

// The first token is one client-credentials exchange, and lives exactly
// the documented expires_in, counted in the documented unit from when the
// request was sent.
func (p Provider[C, K]) firstToken(t *testing.T) {
	c := NewClock()
	fake := p.Start(t, c)
	cl, f := p.NewClient(t, fake.Server(), c)
	issued := c.Now()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || (tok.RefreshToken != "") != p.Refreshes {
		t.Errorf("token = %q type %q refresh %q; want a Bearer token, with a refresh token: %v", tok.AccessToken, tok.TokenType, tok.RefreshToken, p.Refreshes)
	}
	if want := issued.Add(p.Lifetime); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v (issue time + %v)", tok.Expiry, want, p.Lifetime)
	}
	// TokenSource serves the same cached token.
	if ts, err := cl.TokenSource(context.Background()).Token(); err != nil || ts.AccessToken != tok.AccessToken || !ts.Expiry.Equal(tok.Expiry) {
		t.Errorf("TokenSource().Token() = %+v, %v; want the cached token", ts, err)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchClientCredentials || e.StatusCode != http.StatusOK || e.Err != nil {
		t.Errorf("fetch event = %+v, want a successful initial request", e)
	}
	if reqs := fake.TokenRequests(); len(reqs) != 1 || reqs[0] != p.InitialRequest {
		t.Errorf("token requests = %q, want one: %q", reqs, p.InitialRequest)
	}
}

// fetched is cl's first token, once f has seen its fetch end.
func fetched(t *testing.T, cl Client, f Fetches) *oauth2.Token {
	t.Helper()
	tok, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.Wait(t)
	return tok
}

// renewedOnce checks that fake saw first's request and one renewal
// spending first, nothing else; why, if any, ends the message.
func (p Provider[C, K]) renewedOnce(t *testing.T, fake Fake, first *oauth2.Token, why string) {
	t.Helper()
	if reqs, want := fake.TokenRequests(), []string{p.InitialRequest, p.Renewal(first)}; !reflect.DeepEqual(reqs, want) {
		t.Errorf("token requests = %q, want %q%s", reqs, want, why)
	}
}

// A token is reused until RenewBefore its expiry; then it is renewed in
// the background, the still-valid token served at once meanwhile.
func (p Provider[C, K]) renewedBeforeExpiry(t *testing.T) {
	c := NewClock()
	fake := p.Start(t, c)
	cl, f := p.NewClient(t, fake.Server(), c)
	ctx := context.Background()
	start := c.Now()
	first := fetched(t, cl, f)
	renewAt := start.Add(p.Lifetime - p.RenewBefore)
	for _, at := range []time.Time{start.Add(time.Second), start.Add(p.Lifetime / 2), renewAt.Add(-time.Second)} {
		c.Advance(at.Sub(c.Now()))
		for range 5 {
			if tok, err := cl.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
				t.Fatalf("at +%v: Token = %v, %v; want the first token before the renew window", c.Now().Sub(start), tok, err)
			}
		}
		// A renewal started too early runs in the background: wait for
		// it to end, so that its request is counted.
		Settle(t)
		f.None(t)
		if reqs := fake.TokenRequests(); len(reqs) != 1 {
			t.Fatalf("at +%v (renew point +%v): token requests = %q, want 1", c.Now().Sub(start), p.Lifetime-p.RenewBefore, reqs)
		}
	}

	hold := NewHold(t)
	fake.HoldTokens(hold)
	c.Advance(time.Second)
	renewing := c.Now()
	if tok, err := cl.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
		t.Fatalf("at the renew point Token = %v, %v; want the still-valid token while renewing", tok, err)
	}
	Recv(t, hold.Arrived())
	// Time passes while the renewal is in flight: the expiry counts from
	// when it was sent.
	for range 10 {
		c.Advance(p.RenewBefore / 20)
		for range 5 {
			if tok, err := cl.Token(ctx); err != nil || tok.AccessToken != first.AccessToken {
				t.Fatalf("during the renewal Token = %v, %v; want the still-valid token at once", tok, err)
			}
		}
	}
	if reqs := fake.TokenRequests(); len(reqs) != 2 {
		t.Errorf("token requests while renewing = %q, want 2 (one renewal in flight)", reqs)
	}
	hold.Release()
	e := f.Wait(t)
	if want := map[bool]tokens.FetchKind{false: tokens.FetchClientCredentials, true: tokens.FetchRefresh}[p.Refreshes]; e.Err != nil || e.Kind != want {
		t.Fatalf("renewal = %+v, want a successful %v", e, want)
	}
	tok, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == first.AccessToken {
		t.Errorf("after the renewal the token is still %q", tok.AccessToken)
	}
	if want := renewing.Add(p.Lifetime); !tok.Expiry.Equal(want) {
		t.Errorf("renewed Expiry = %v, want %v (renewal sent + %v)", tok.Expiry, want, p.Lifetime)
	}
	// Exactly one renewal: none started after it either.
	Settle(t)
	p.renewedOnce(t, fake, first, "")
	f.None(t)
}

// A refused refresh token falls back to a client-credentials exchange,
// with no error for the caller; the next renewal spends the new refresh
// token, and no token reaches the logs, though the fake quotes the refused
// one.
func (p Provider[C, K]) refusedRefresh(t *testing.T, expired bool) {
	c := NewClock()
	fake := p.Start(t, c)
	fake.Echo()
	var logs SyncBuffer
	cl, f := p.client(t, fake.Server(), c, func(s *Settings) { s.Logger = DebugLogger(&logs) })
	ctx := context.Background()
	first := fetched(t, cl, f)
	r, ok := fake.(Refresher)
	if !ok {
		t.Fatalf("%T is not a Refresher", fake)
	}
	r.RevokeRefresh(first.RefreshToken)
	c.Advance(p.Lifetime - p.RenewBefore)
	if expired {
		c.Advance(p.RenewBefore)
	}

	tok, err := cl.Token(ctx)
	if err != nil {
		t.Fatalf("Token = %v, want no error: the refusal falls back", err)
	}
	refused := f.Wait(t)
	var te *tokens.Error
	if refused.Kind != tokens.FetchRefresh || !errors.As(refused.Err, &te) ||
		!errors.Is(refused.Err, tokens.ErrRefreshRefused) || errors.Is(refused.Err, tokens.ErrInvalidClient) {
		t.Fatalf("first request = %+v, want a refused refresh (ErrRefreshRefused, not ErrInvalidClient)", refused)
	}
	p.RefreshRefused(t, refused.Err)
	if e := f.Wait(t); e.Kind != tokens.FetchClientCredentials || e.Err != nil {
		t.Fatalf("fallback = %+v, want a successful client-credentials exchange", e)
	}
	second, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if expired && tok.AccessToken != second.AccessToken {
		t.Errorf("token = %q, want the fallback's %q", tok.AccessToken, second.AccessToken)
	}
	if !expired && tok.AccessToken != first.AccessToken {
		t.Errorf("token = %q, want the still-valid %q while renewing", tok.AccessToken, first.AccessToken)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Errorf("after the fallback token = %q refresh %q, want new ones", second.AccessToken, second.RefreshToken)
	}

	// The refused refresh token is dropped: the next renewal spends the
	// fallback's.
	c.Advance(p.Lifetime - p.RenewBefore)
	if _, err := cl.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchRefresh || e.Err != nil {
		t.Errorf("next renewal = %+v, want a successful refresh", e)
	}
	want := []string{p.InitialRequest, p.Renewal(first), p.InitialRequest, p.Renewal(second)}
	if reqs := fake.TokenRequests(); !reflect.DeepEqual(reqs, want) {
		t.Errorf("token requests = %q, want %q", reqs, want)
	}
	f.None(t)
	third, err := cl.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	log := logs.String()
	for _, s := range []string{first.AccessToken, first.RefreshToken, second.AccessToken, second.RefreshToken, third.AccessToken, third.RefreshToken, p.ClientSecret} {
		if strings.Contains(log, s) {
			t.Errorf("logs hold %q:\n%s", s, log)
		}
	}
	if !strings.Contains(log, "falling back") || !strings.Contains(te.Message, "[REDACTED]") || !strings.Contains(log, te.Message) {
		t.Errorf("logs do not record the fallback with the quoted refresh token redacted (%q):\n%s", te.Message, log)
	}
}

// printedSecret holds characters JSON and form encoding escape.
const printedSecret = `s3cr3t+do&not=print%/ü<"x">`

func (p Provider[C, K]) configNeverPrintsTheSecret(t *testing.T) {
	cfg := Config[C](Settings{ClientID: p.ClientID, ClientSecret: printedSecret, RenewBefore: 5 * time.Minute})
	before := cfg
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg, "ptr", &cfg)
	// Nested in a struct, slog's JSONHandler marshals it and the
	// TextHandler formats it with %+v.
	nested := struct{ App C }{cfg}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("nested", "app", nested)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("nested", "app", nested)
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprintf("%v", &cfg), fmt.Sprintf("%+v", []C{cfg}),
		fmt.Sprintf("%+v", nested), string(js), logs.String(),
	}
	for _, s := range outputs {
		for _, secret := range []string{printedSecret, url.QueryEscape(printedSecret), "s3cr3t"} {
			if strings.Contains(s, secret) {
				t.Errorf("secret printed: %s", s)
			}
		}
		if !strings.Contains(s, p.ClientID) {
			t.Errorf("client ID missing (redaction should hide only the secret): %s", s)
		}
	}
	if got := fmt.Sprintf("%+v", cfg); !strings.Contains(got, "ClientSecret:[REDACTED]") {
		t.Errorf("%%+v = %s, want ClientSecret:[REDACTED]", got)
	}
	if !reflect.DeepEqual(before, cfg) {
		t.Error("printing modified the Config")
	}
}

func (p Provider[C, K]) newValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{Settings{ClientSecret: "x"}, p.Name + ": Config.ClientID is empty"},
		{Settings{ClientID: "x"}, p.Name + ": Config.ClientSecret is empty"},
		{Settings{ClientID: "x", ClientSecret: "y", BaseURL: p.Host},
			fmt.Sprintf("%s: Config.BaseURL %q is not an absolute http or https URL", p.Name, p.Host)},
		{Settings{ClientID: "x", ClientSecret: "y", RenewBefore: -time.Second}, p.Name + ": Config.RenewBefore is negative"},
		{Settings{ClientID: "x", ClientSecret: "y", BaseURL: "http://" + p.Host},
			fmt.Sprintf("%s: Config.BaseURL %q is not https: credentials would cross the network in clear text (loopback hosts are allowed; set AllowInsecureHTTP to allow others)", p.Name, "http://"+p.Host)},
	} {
		_, err := p.New(Config[C](tc.s))
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %q", tc.s, err, tc.want)
		}
	}
	if _, err := p.New(Config[C](Settings{ClientID: "x", ClientSecret: "y", BaseURL: "http://" + p.Host, AllowInsecureHTTP: true})); err != nil {
		t.Errorf("AllowInsecureHTTP: %v", err)
	}
	if _, err := p.New(Config[C](Settings{ClientID: "x", ClientSecret: "y"})); err != nil {
		t.Errorf("New with the defaults: %v", err)
	}
}

// The first token is fetched once for any number of concurrent callers.
func (p Provider[C, K]) concurrentCallersShareOneRequest(t *testing.T) {
	c := NewClock()
	fake := p.Start(t, c)
	hold := NewHold(t)
	fake.HoldTokens(hold)
	cl, _ := p.NewClient(t, fake.Server(), c)
	var wg sync.WaitGroup
	got := make([]string, 200)
	errs := make([]error, 200)
	for i := range got {
		wg.Go(func() {
			tok, err := cl.Token(context.Background())
			errs[i] = err
			if err == nil {
				got[i] = tok.AccessToken
			}
		})
	}
	// Let the shared request through once it is in flight.
	Recv(t, hold.Arrived())
	hold.Release()
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] == "" || got[i] != got[0] {
			t.Fatalf("caller %d: %q, %v; want caller 0's %q", i, got[i], errs[i], got[0])
		}
	}
	if reqs := fake.TokenRequests(); len(reqs) != 1 || reqs[0] != p.InitialRequest {
		t.Errorf("token requests = %q, want one: %q", reqs, p.InitialRequest)
	}
}

func (p Provider[C, K]) unauthorizedRenewsOnceAndReplays(t *testing.T) {
	c := NewClock()
	fake := p.Start(t, c)
	cl, f := p.NewClient(t, fake.Server(), c)
	first := fetched(t, cl, f)
	fake.Revoke(first.AccessToken)

	body, want := p.API(1)
	status, answer, err := Post(cl, fake.Server().URL+p.APIPath, body)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK || answer != want {
		t.Fatalf("replayed call = %d %s, want 200 %s", status, answer, want)
	}
	if e := f.Wait(t); e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("renewal = %+v, want a successful after-401 request", e)
	}
	f.None(t)
	renewed, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if renewed.AccessToken == first.AccessToken {
		t.Errorf("after the 401 the token is still %q", first.AccessToken)
	}
	// The same body, replayed with the renewed token.
	wantCalls := []APICall{{"Bearer " + first.AccessToken, body}, {"Bearer " + renewed.AccessToken, body}}
	if got := fake.APICalls(); !reflect.DeepEqual(got, wantCalls) {
		t.Errorf("API saw %q, want %q", got, wantCalls)
	}
	p.renewedOnce(t, fake, first, "")
}

func (p Provider[C, K]) unauthorizedTwiceIsReturnedNotLooped(t *testing.T) {
	c := NewClock()
	fake := p.Start(t, c)
	fake.RejectAll()
	cl, _ := p.NewClient(t, fake.Server(), c)
	first, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := p.API(1)
	status, answer, err := Post(cl, fake.Server().URL+p.APIPath, body)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized || answer != p.APIRefusal {
		t.Errorf("answer = %d %s, want the second 401 returned as is: %s", status, answer, p.APIRefusal)
	}
	reqs := fake.TokenRequests()
	if api := fake.APICalls(); len(api) != 2 || len(reqs) != 2 {
		t.Errorf("API calls = %d, token requests = %d; want 2 and 2 (one renewal, one replay, no loop)", len(api), len(reqs))
	}
	if want := []string{p.InitialRequest, p.Renewal(first)}; !reflect.DeepEqual(reqs, want) {
		t.Errorf("token requests = %q, want %q", reqs, want)
	}
}

// Concurrent requests refused for the same token cause one renewal, and
// each is replayed with its own body.
func (p Provider[C, K]) concurrentUnauthorized(t *testing.T, staged bool) {
	const n = 20
	c := NewClock()
	fake := p.Start(t, c)
	cl, f := p.NewClient(t, fake.Server(), c)
	first := fetched(t, cl, f)
	fake.Revoke(first.AccessToken)
	// Every request reaches the API with the revoked token before any is
	// answered 401.
	b := NewBarrier(t, n, staged)
	fake.Hold401(b)

	var wg sync.WaitGroup
	statuses, answers, errs := make([]int, n), make([]string, n), make([]error, n)
	for i := range n {
		wg.Go(func() {
			body, _ := p.API(i)
			statuses[i], answers[i], errs[i] = Post(cl, fake.Server().URL+p.APIPath, body)
		})
	}
	var e tokens.FetchEvent
	if staged {
		Recv(t, b.All())
		b.Next(t)
		e = f.Wait(t)
		b.Release()
	}
	wg.Wait()
	if !staged {
		e = f.Wait(t)
	}
	for i := range n {
		if _, want := p.API(i); errs[i] != nil || statuses[i] != http.StatusOK || answers[i] != want {
			t.Errorf("caller %d: %d %s %v, want 200 %s", i, statuses[i], answers[i], errs[i], want)
		}
	}
	if e.Kind != tokens.FetchAfter401 || e.Err != nil {
		t.Errorf("renewal = %+v, want a successful after-401 request", e)
	}
	f.None(t)
	p.renewedOnce(t, fake, first, fmt.Sprintf(": one renewal for %d refusals", n))
	renewed, err := cl.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each body once with the refused token and once with the renewed one.
	seen := map[APICall]int{}
	for _, call := range fake.APICalls() {
		seen[call]++
	}
	want := map[APICall]int{}
	for i := range n {
		body, _ := p.API(i)
		want[APICall{"Bearer " + first.AccessToken, body}]++
		want[APICall{"Bearer " + renewed.AccessToken, body}]++
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("API saw %v, want %v", seen, want)
	}
}

// A refused client secret is typed, and neither it nor the right one is
// ever printed, even when the provider quotes it back.
func (p Provider[C, K]) wrongSecret(t *testing.T, echo bool) {
	wrong := "wrong-" + p.ClientSecret
	if echo {
		// JSON escapes <, >, & and " in a quoted secret.
		wrong = `wrong<&>"s3cr3t"-` + p.ClientSecret
	}
	c := NewClock()
	fake := p.Start(t, c)
	if echo {
		fake.Echo()
	}
	var logs SyncBuffer
	cl, f := p.client(t, fake.Server(), c, func(s *Settings) {
		s.ClientSecret = tokens.Secret(wrong)
		s.Logger = DebugLogger(&logs)
	})
	_, err := cl.Token(context.Background())
	e := p.checkInvalidClient(t, err, echo)
	if ev := f.Wait(t); ev.Kind != tokens.FetchClientCredentials || ev.StatusCode != http.StatusUnauthorized || ev.Err == nil {
		t.Errorf("fetch event = %+v, want a failed initial request with 401", ev)
	}
	// A direct call redacts its own request's secret too.
	err2 := p.Exchange(context.Background(), cl, p.ClientID, tokens.Secret(wrong))
	e2 := p.checkInvalidClient(t, err2, echo)

	var outputs []string
	for _, err := range []error{err, err2} {
		outputs = append(outputs, err.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	for _, e := range []*tokens.Error{e, e2} {
		outputs = append(outputs, fmt.Sprintf("%v", e), fmt.Sprintf("%#v", e), e.Message, fmt.Sprintf("%+v", e.Body), fmt.Sprintf("%#v", e.Body))
	}
	outputs = append(outputs, logs.String())
	for _, s := range outputs {
		for _, secret := range []string{wrong, url.QueryEscape(wrong), p.ClientSecret, url.QueryEscape(p.ClientSecret), "s3cr3t"} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %q leaked: %s", secret, s)
			}
		}
	}
}

func (p Provider[C, K]) checkInvalidClient(t *testing.T, err error, echo bool) *tokens.Error {
	t.Helper()
	var e *tokens.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 *tokens.Error", err)
	}
	if !errors.Is(err, tokens.ErrInvalidClient) || !errors.Is(err, tokens.ErrUnauthorized) {
		t.Errorf("errors.Is ErrInvalidClient = %v, ErrUnauthorized = %v for %v; want both",
			errors.Is(err, tokens.ErrInvalidClient), errors.Is(err, tokens.ErrUnauthorized), err)
	}
	if errors.Is(err, tokens.ErrRefreshRefused) || errors.Is(err, tokens.ErrRateLimited) || e.Retryable() {
		t.Errorf("a refused secret is classified as a refresh refusal, rate limited or retryable: %v", err)
	}
	if echo && !strings.Contains(e.Message, "[REDACTED]") {
		t.Errorf("Message = %q, want the echoed secret kept as [REDACTED]", e.Message)
	}
	p.InvalidClient(t, err, echo)
	return e
}
