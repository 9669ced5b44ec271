package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/pin-tool/pin"
	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/resolve"
	"github.com/spf13/cobra"
)

// Exit codes, everywhere.
const (
	exitOK      = 0
	exitFailed  = 1 // verified and found a problem
	exitError   = 2 // could not do the job
	exitChanged = 3 // update changed something, with --exit-code
)

// errChanged asks for exit 3.
var errChanged = errors.New("update changed files")

// errInterrupted stands for whatever a run stopped by SIGINT or SIGTERM
// could not finish: one line, rather than one per reference in flight.
var errInterrupted = errors.New("interrupted")

// usageError is a mistake in the command line.
type usageError struct{ error }

// globals are the flags every command takes.
type globals struct {
	lock     string
	config   string
	mirrors  []string
	insecure []string
	jobs     int
	timeout  time.Duration
	format   string
	verbose  bool
	quiet    bool
	stdout   io.Writer
	stderr   io.Writer
	ctx      context.Context // run's, which a signal cancels
	cfg      *pin.Config
	resolver *resolve.Resolver // set once a command goes online
	bar      *progress         // the progress line, when stderr is a terminal
	// started is set once a command's flags are parsed, and printed once
	// it printed its result; jsonOnError prints, by command, the JSON
	// document of a run stopped before that.
	started, printed bool
	jsonOnError      map[string]func(error) error
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr, ctx: ctx, jsonOnError: map[string]func(error) error{}}
	root := &cobra.Command{
		Use:           "pin",
		Short:         "Pin container image references to digests, and check them",
		Long:          "pin finds the image references in Kubernetes manifests, Compose files and Dockerfiles, resolves each tag\nto the digest it points at now, records them in images.lock and rewrites the sources to name:tag@sha256:…,\nchanging no other byte.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.lock, "lock", "images.lock", "lock file `path`")
	pf.StringVar(&g.config, "config", "", "config `file` (default .pin.yaml if present)")
	pf.StringArrayVar(&g.mirrors, "mirror", nil, "resolve a registry through a mirror: `REGISTRY=HOST[/PREFIX]` (repeatable)")
	pf.StringArrayVar(&g.insecure, "insecure-registry", nil, "reach `HOST` over plain HTTP or unverified TLS (repeatable)")
	pf.IntVar(&g.jobs, "jobs", 8, "concurrent registry requests")
	pf.DurationVar(&g.timeout, "timeout", 5*time.Minute, "bound on the whole run")
	pf.StringVar(&g.format, "format", "text", "output format: text, json, or github, which GITHUB_ACTIONS=true makes the default")
	pf.BoolVarP(&g.verbose, "verbose", "v", false, "say more")
	pf.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors")
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error {
		g.started = true
		return g.setup(c)
	}
	root.AddCommand(updateCmd(g), verifyCmd(g), listCmd(g), versionCmd(g), auditCmd(g))
	addCompletion(root)

	c, err := root.ExecuteContextC(ctx)
	err = g.stopped(err)
	// A command that prints one JSON document whatever happens prints it
	// for what stopped it before it could: a config or flag it cannot
	// use, a lock that does not parse. (A flag cobra cannot parse stops
	// the run before it started.)
	if err != nil && g.started && !g.printed && g.format == "json" && c != nil {
		if doc := g.jsonOnError[c.Name()]; doc != nil {
			if perr := doc(err); perr != nil {
				err = perr
			}
		}
	}
	g.stats()
	return g.exit(err)
}

// setup validates the global flags and reads the config. In a GitHub
// Actions job the format is github unless --format says otherwise.
func (g *globals) setup(c *cobra.Command) error {
	if !c.Flags().Changed("format") && os.Getenv("GITHUB_ACTIONS") == "true" {
		g.format = "github"
	}
	switch g.format {
	case "text", "json", "github":
	default:
		return usageError{fmt.Errorf("unknown --format %q (want text, json or github)", g.format)}
	}
	if g.quiet && g.verbose {
		return usageError{errors.New("-q and -v do not go together")}
	}
	path := g.config
	if path == "" {
		if _, err := os.Stat(".pin.yaml"); err == nil {
			path = ".pin.yaml"
		}
	}
	if path != "" {
		cfg, err := pin.LoadConfig(path)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return &pin.FileError{File: path, Err: fmt.Errorf("reading config: %w", pe.Err)}
		}
		if err != nil {
			return err
		}
		g.cfg = cfg
		if !c.Flags().Changed("jobs") && cfg.Jobs > 0 {
			g.jobs = cfg.Jobs
		}
		if !c.Flags().Changed("timeout") && cfg.Timeout > 0 {
			g.timeout = cfg.Timeout
		}
	}
	if g.jobs < 1 {
		return usageError{fmt.Errorf("--jobs is %d, want at least 1", g.jobs)}
	}
	if g.timeout <= 0 {
		return usageError{fmt.Errorf("--timeout is %v, want more than 0", g.timeout)}
	}
	return nil
}

// stopped is err, with errInterrupted once for what a signal cut short:
// what a cancelled run could not do is not the user's to fix. An error
// that is not the cancellation's (a registry that refused, before the
// signal) is kept. A run that finished (verify's problems, update's
// exit 3) keeps its outcome.
func (g *globals) stopped(err error) error {
	if err == nil || g.ctx.Err() == nil || errors.Is(err, pin.ErrVerifyFailed) || errors.Is(err, errChanged) || errors.Is(err, errInterrupted) {
		return err
	}
	var kept []error
	for _, e := range flatten(err) {
		if !errors.Is(e, context.Canceled) {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		return errInterrupted
	}
	return errors.Join(append(kept, errInterrupted)...)
}

// options builds the shared options; online adds a registry resolver.
func (g *globals) options(paths []string, online bool) (pin.Options, error) {
	o := pin.Options{Paths: paths, Lock: g.lock, Config: g.cfg, Jobs: g.jobs, Parsers: parsers}
	mirrors := map[string]string{}
	if g.cfg != nil {
		for k, v := range g.cfg.Mirrors {
			mirrors[k] = v
		}
	}
	flags := map[string]string{}
	for _, m := range g.mirrors {
		reg, to, ok := strings.Cut(m, "=")
		if !ok || reg == "" || to == "" {
			return o, usageError{fmt.Errorf("--mirror %q is not REGISTRY=HOST[/PREFIX]", m)}
		}
		flags[reg] = to
	}
	// Checked offline too: a flag that is wrong is wrong whether or not
	// this run reaches a registry. (The config's were checked on loading.)
	if err := resolve.CheckMirrors(flags); err != nil {
		return o, usageError{err}
	}
	// A flag overrides the config's mirror for its registry, however
	// either spells it (docker.io, index.docker.io).
	for reg := range flags {
		for k := range mirrors {
			if imageref.CanonicalRegistry(k) == imageref.CanonicalRegistry(reg) {
				delete(mirrors, k)
			}
		}
	}
	maps.Copy(mirrors, flags)
	if !online {
		return o, nil
	}
	r, err := resolve.New(resolve.Options{Mirrors: mirrors, Insecure: g.insecure, Jobs: g.jobs, UserAgent: "pin/" + moduleVersion()})
	if err != nil {
		return o, usageError{err}
	}
	o.Resolver = r
	g.resolver = r
	if g.bar = newProgress(g.stderr, g.quiet); g.bar != nil {
		o.Progress = g.bar.update
	}
	return o, nil
}

// stats reports the registry requests of the run, with -v.
func (g *globals) stats() {
	if !g.verbose || g.resolver == nil {
		return
	}
	s := g.resolver.Stats()
	fmt.Fprintf(g.stderr, "pin: registry requests: %d HEAD, %d GET, %d ping, %d token\n", s.Heads, s.Gets, s.Pings, s.Tokens)
}

// withTimeout bounds a command's whole run.
func (g *globals) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, g.timeout)
}

// exit prints err, if any, and maps it to an exit code.
func (g *globals) exit(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errChanged):
		return exitChanged
	case errors.Is(err, pin.ErrVerifyFailed):
		if !g.quiet && g.format != "json" {
			fmt.Fprintf(g.stderr, "pin: %v\n", err)
		}
		return exitFailed
	}
	if g.format == "github" {
		annotateError(g.stdout, err)
	}
	printError(g.stderr, err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "accepts ") {
		fmt.Fprintln(g.stderr, "hint: run pin --help for usage")
	}
	return exitError
}

// printError writes each error on its own "pin:" line, then each of
// their hints once: twenty references behind one unreachable registry
// need one hint, not twenty.
func printError(w io.Writer, err error) {
	var hints []string
	for _, e := range flatten(err) {
		fmt.Fprintf(w, "pin: %v\n", e)
		if h := hint(e); h != "" && !slices.Contains(hints, h) {
			hints = append(hints, h)
		}
	}
	for _, h := range hints {
		fmt.Fprintf(w, "hint: %s\n", h)
	}
}

// hint says what to do about err, or "".
func hint(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the run took longer than --timeout; raise it or check the registry"
	}
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
