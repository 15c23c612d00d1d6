// Package redistest starts a real redis-server (the machine's package) on
// a free 127.0.0.1 port for tests, and can stop and restart it on the same
// port to simulate an outage. StartCluster starts a real Redis Cluster of
// three such servers.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	t    testing.TB
	Addr string
	// Timeout is Client's dial, read and write timeout; 0 means 200ms.
	Timeout time.Duration
	dir     string
	proc    *process
}

// Start starts redis-server for the test and stops it when the test ends.
// Without redis-server the test is skipped, or fails under CI, where
// .ci/run installs it.
func Start(t testing.TB) *Server {
	t.Helper()
	need(t, "redis-server")
	s := &Server{t: t, Addr: freeAddr(t, false), dir: t.TempDir()}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// need skips the test when a program of the redis-server package is
// missing, or fails it under CI, where .ci/run installs them.
func need(t testing.TB, programs ...string) {
	t.Helper()
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed: .ci/run must install it", p)
			}
			t.Skipf("%s is not installed (apt-get install redis-server, or make redis)", p)
		}
	}
}

// freeAddr returns a free 127.0.0.1 address. With bus, the port 10000
// above it, where a cluster node listens to its peers, is free too.
func freeAddr(t testing.TB, bus bool) string {
	t.Helper()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		if bus {
			b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
			if ok = err == nil; ok {
				b.Close()
			}
		}
		l.Close()
		if ok {
			return addr
		}
	}
	t.Fatal("no free 127.0.0.1 port with a free cluster bus port")
	return ""
}

// Client returns a go-redis client for the server with short timeouts, as
// a service that must not hang on its cache would configure it.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr: s.Addr, DialTimeout: or(s.Timeout), ReadTimeout: or(s.Timeout), WriteTimeout: or(s.Timeout),
		MaxRetries: -1,
	})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// or returns d, or the short default timeout when d is 0: as a service
// that must not hang on its cache would configure it. Tests of what Redis
// shares rather than of a slow Redis set a longer one, since a loaded
// machine can stall a test's Redis for longer than that.
func or(d time.Duration) time.Duration {
	if d == 0 {
		return 200 * time.Millisecond
	}
	return d
}

// Stop stops the server; its data is lost, as in a restart without
// persistence.
func (s *Server) Stop() {
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// Restart starts the server again on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	s.proc = startServer(s.t, s.Addr, s.dir)
}

// process is a running redis-server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it has exited
}

func (p *process) stop() {
	p.cmd.Process.Kill()
	<-p.done
}

// startServer starts redis-server on addr with its files in dir, and
// waits until it answers.
func startServer(t testing.TB, addr, dir string, args ...string) *process {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	p := &process{done: make(chan struct{})}
	p.cmd = exec.Command("redis-server", append([]string{"--bind", "127.0.0.1", "--port", port,
		"--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes",
		// Tests make it slow on purpose with DEBUG SLEEP.
		"--enable-debug-command", "local"}, args...)...)
	dieWithTest(p.cmd)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		select {
		case <-p.done:
			t.Fatalf("redis-server on %s exited at start (is the port taken?)", addr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			t.Fatalf("redis-server on %s did not start", addr)
		}
	}
	return p
}

// Cluster is a running Redis Cluster: three masters without replicas,
// each on its own free 127.0.0.1 port.
type Cluster struct {
	t     testing.TB
	Addrs []string
	// Timeout is Client's dial, read and write timeout; 0 means 200ms.
	Timeout time.Duration
}

// StartCluster starts a Redis Cluster for the test, with the slots split
// between its three nodes by redis-cli --cluster create, and stops it when
// the test ends. Without redis-server or redis-cli (both of the
// redis-server package) the test is skipped, or fails under CI.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	need(t, "redis-server", "redis-cli")
	c := &Cluster{t: t}
	for range 3 {
		addr := freeAddr(t, true)
		p := startServer(t, addr, t.TempDir(), "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
		t.Cleanup(p.stop)
		c.Addrs = append(c.Addrs, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append(append([]string{"--cluster", "create"}, c.Addrs...), "--cluster-replicas", "0", "--cluster-yes")
	create := exec.CommandContext(ctx, "redis-cli", args...)
	dieWithTest(create)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// The nodes agree on the slots by gossip: wait until every one serves.
	for _, addr := range c.Addrs {
		n := redis.NewClient(&redis.Options{Addr: addr})
		defer n.Close()
		for {
			info, err := n.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("cluster node %s: no cluster_state:ok: %v\n%s", addr, err, info)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return c
}

// Client returns a go-redis cluster client with the same short timeouts
// as Server.Client.
func (c *Cluster) Client() *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: c.Addrs, DialTimeout: or(c.Timeout), ReadTimeout: or(c.Timeout), WriteTimeout: or(c.Timeout),
		MaxRetries: -1,
	})
	c.t.Cleanup(func() { cc.Close() })
	return cc
}
