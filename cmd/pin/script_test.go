package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run pin as a command: the test binary runs
// itself with argv[0] "pin".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pin": func() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

var update = flag.Bool("update", false, "rewrite golden files, and the files scripts cmp their output against")

// TestScript runs the shell-like sessions in testdata/script. Each script
// gets its own in-process registry, its address in $REGISTRY; scripts name
// images as docker.io ones and reach it with --mirror docker.io=$REGISTRY,
// so that what pin prints and writes does not depend on the port.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
			env.Defer(srv.Close)
			env.Setenv("REGISTRY", strings.TrimPrefix(srv.URL, "http://"))
			env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".no-docker-config"))
			// Anything but loopback goes to a proxy that is not there, so a
			// script that names a real registry by mistake fails at once
			// instead of reaching the network.
			env.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
			env.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": exitcode,
			"push":     pushSeed,
		},
	})
}

// exitcode N PROG ARGS... runs PROG like exec and checks that it exits
// with status N, which `! exec` alone cannot tell apart from other failures.
func exitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// push REPO:TAG SEED puts an image made from SEED at $REGISTRY/REPO:TAG.
// The same seed always makes the same image, so scripts can spell out the
// digests they expect; pushing another seed moves the tag.
func pushSeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: push REPO:TAG SEED")
	}
	ref, err := name.ParseReference(ts.Getenv("REGISTRY") + "/" + args[0])
	if err != nil {
		ts.Fatalf("push: %v", err)
	}
	if err := remote.Write(ref, seedImage(args[1])); err != nil {
		ts.Fatalf("push: %v", err)
	}
}

// seedImage is an image with no layers whose config carries the seed.
func seedImage(seed string) v1.Image {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: "amd64", OS: "linux",
		Config: v1.Config{Labels: map[string]string{"seed": seed}},
	})
	if err != nil {
		panic(err)
	}
	return img
}
