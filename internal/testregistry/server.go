package testregistry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

const (
	// startTimeout bounds the wait for /v2/ to answer.
	startTimeout = 15 * time.Second
	// portAttempts is how often Start picks a new port after a clash.
	portAttempts = 5
)

// errPortTaken reports that another process took the port between
// picking it and the registry binding it.
var errPortTaken = errors.New("port taken")

// Server is a running registry.
type Server struct {
	// Host is "127.0.0.1:PORT", the registry part of references to it.
	Host string

	dir       string
	removeDir bool
	auth      authn.Authenticator

	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd.Wait returns
	waitErr error         // cmd.Wait's result, set before exited closes

	closeOnce sync.Once
	closeErr  error
}

// Start writes a config to cfg.Dir, starts the registry on a free loopback
// port and returns once GET /v2/ answers. ctx bounds the start only; the
// registry runs until Close.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	bin, err := cfg.binary()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: cfg.Dir, auth: authn.Anonymous}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "pin-registry-"); err != nil {
			return nil, fmt.Errorf("registry dir: %w", err)
		}
		s.removeDir = true
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("registry dir: %w", err)
	}
	htpasswd := ""
	if user, pass := cfg.firstUser(); user != "" {
		htpasswd = filepath.Join(s.dir, "htpasswd")
		if err := writeHtpasswd(htpasswd, cfg.Htpasswd); err != nil {
			return nil, s.abandon(err)
		}
		s.auth = &authn.Basic{Username: user, Password: pass}
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for range portAttempts {
		err = s.launch(ctx, bin, htpasswd, cfg)
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		return nil, s.abandon(err)
	}
	return s, nil
}

// abandon cleans up after a failed Start and returns err.
func (s *Server) abandon(err error) error {
	if s.removeDir {
		os.RemoveAll(s.dir)
	}
	return err
}

// launch starts the registry on a fresh port and waits until it answers.
func (s *Server) launch(ctx context.Context, bin, htpasswd string, cfg Config) error {
	host, err := freePort()
	if err != nil {
		return err
	}
	id := randomHex(8)
	config, err := writeConfig(s.dir, host, id, htpasswd)
	if err != nil {
		return err
	}
	tail := &logTail{}
	cmd := exec.Command(bin, "serve", config)
	cmd.Dir = s.dir
	cmd.Env = registryEnv()
	cmd.Stdout = tail.writer(cfg.Stdout)
	cmd.Stderr = tail.writer(cfg.Stderr)
	cmd.WaitDelay = time.Second
	setProcAttr(cmd)
	s.Host, s.cmd, s.exited = host, cmd, make(chan struct{})
	started := make(chan error, 1)
	go func() {
		// The kernel sends the parent-death signal when the thread that
		// started the registry ends, not the process, and Go ends a
		// thread whose goroutine exits locked to it: the registry is
		// started from a thread kept, locked here, until it exits.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("starting registry %s: %w", bin, err)
	}

	err = s.waitReady(ctx, id)
	if err == nil {
		return nil
	}
	s.stop()
	logs := tail.String()
	if errors.Is(err, errPortTaken) || strings.Contains(logs, "address already in use") {
		return fmt.Errorf("registry on %s: %w", host, errPortTaken)
	}
	return fmt.Errorf("registry %s on %s: %w; last log lines:\n%s", bin, host, err, logs)
}

// waitReady polls GET /v2/ until it answers 200 or 401 with id in idHeader.
func (s *Server) waitReady(ctx context.Context, id string) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Host+"/v2/", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.Header.Get(idHeader) != id {
				return errPortTaken
			}
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		last = err
		select {
		case <-s.exited:
			return fmt.Errorf("exited before answering: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("not answering after %s: %w (last try: %v)", startTimeout, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// freePort returns a loopback address whose port was free a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("picking a port: %w", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// registryEnv is this process's environment without the variables that
// would override the registry's config (REGISTRY_*) or send traces
// somewhere (OTEL_*).
func registryEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REGISTRY_") && !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env, "OTEL_TRACES_EXPORTER=none")
}

// stop kills the registry, unless it has exited already, and waits for it.
func (s *Server) stop() {
	select {
	case <-s.exited:
		return // reaped: its pid may belong to another process now
	default:
	}
	kill(s.cmd) // an error means it is gone already
	<-s.exited
}

// Close stops the registry and removes Dir if Start made it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		if s.removeDir {
			if err := os.RemoveAll(s.dir); err != nil {
				s.closeErr = fmt.Errorf("removing registry dir: %w", err)
			}
		}
	})
	return s.closeErr
}

// Pid is the registry process's id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }
