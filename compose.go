package pin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/pin-tool/pin/rewrite"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/errgroup"
)

// Compose files are read in the projects Docker Compose would load them in:
// a base file (compose.yaml, docker-compose.yml, …) with its default
// override file, and a variant (compose.prod.yaml, docker-compose.test.yml,
// compose.override.yaml) with the base file beside it. compose-go loads each
// project, which checks it as Compose does and gives the variables (the
// environment, then .env) and the services that build their image; pin then
// finds each reference in the bytes of the file where its text is written,
// following include: and extends: into the files they name.

// composeBases are the files Compose reads by default, in its order.
var composeBases = []string{"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"}

// composeOverrides are read after a base file when they exist.
var composeOverrides = []string{"compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"}

// kindOf says which finder reads path: the config's extra Compose names
// first, then the file's name.
func (s *scanner) kindOf(path string) (rewrite.Kind, bool) {
	if s.configCompose(path) {
		return rewrite.Compose, true
	}
	return rewrite.KindOf(path)
}

// configCompose reports whether the config's compose: names path.
func (s *scanner) configCompose(path string) bool {
	return s.cfg != nil && len(s.cfg.Compose) > 0 &&
		(matchPath(s.cfg.Compose, filepath.Base(path)) || matchPath(s.cfg.Compose, filepath.ToSlash(s.relCwd(path))))
}

// projectFiles lists the files Compose loads together with name, in order.
// A variant is taken for an override of the base file beside it, the safe
// guess: a service the base builds is then not pinned in the variant. The
// config's compose: names files that stand alone.
func projectFiles(name string) []string {
	dir, base := filepath.Dir(name), strings.ToLower(filepath.Base(name))
	if slices.Contains(composeBases, base) {
		files := []string{name}
		for _, o := range composeOverrides {
			if p := filepath.Join(dir, o); isFile(p) {
				return append(files, p)
			}
		}
		return files
	}
	if rewrite.IsComposeName(base) {
		bases := composeBases
		if strings.HasPrefix(base, "docker-compose") {
			bases = []string{"docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml"}
		}
		for _, b := range bases {
			if p := filepath.Join(dir, b); isFile(p) {
				return []string{p, name}
			}
		}
	}
	return []string{name}
}

// varRE matches a variable a Compose file reads: $NAME or ${NAME, after
// any $$ escapes.
var varRE = regexp.MustCompile(`\$\$|\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// unsetVariables reports whether files read a variable that has no value
// (or an empty one) in env.
func unsetVariables(files []string, env map[string]string) bool {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range varRE.FindAllSubmatch(data, -1) {
			if len(m[1]) > 0 && env[string(m[1])] == "" {
				return true
			}
		}
	}
	return false
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// composeProject is what loading one project gave.
type composeProject struct {
	files []string
	env   map[string]string
	built map[string]string // service → why it builds
	warn  string            // why it was loaded without interpolation
	err   error             // why Compose refuses it
	// readErr is a file of the project that pin cannot read at all.
	readErr error
}

var quietCompose sync.Once

// loadProject loads files as one Compose project, with every profile.
func (s *scanner) loadProject(ctx context.Context, files []string) *composeProject {
	// compose-go warns through logrus (an unset variable, an obsolete
	// version: key); pin reports what matters itself, on its own stderr.
	quietCompose.Do(func() { logrus.SetOutput(io.Discard) })

	p := &composeProject{files: files}
	for _, f := range files {
		// What pin will not read (too large, binary, not UTF-8) is not
		// handed to compose-go either; the error is the reader's.
		data, err := readFile(f)
		if err == nil {
			err = checkText(f, data)
		}
		if err != nil {
			p.readErr = err
			return p
		}
	}
	abs := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			p.err = err
			return p
		}
		abs[i] = a
	}
	options := func(interpolate bool) (*cli.ProjectOptions, error) {
		return cli.NewProjectOptions(abs,
			cli.WithWorkingDirectory(filepath.Dir(abs[0])),
			cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv,
			cli.WithProfiles([]string{"*"}),
			cli.WithInterpolation(interpolate),
			cli.WithoutEnvironmentResolution, cli.WithoutLabelsResolution,
			cli.WithName("pin"))
	}
	opts, err := options(true)
	if err != nil {
		p.err = fmt.Errorf("docker compose would refuse it: %s", s.relErr(err))
		return p
	}
	p.env = opts.Environment
	p.built = map[string]string{}
	why := "in " + s.names(files)
	if len(files) > 1 {
		why += "; if " + filepath.Base(files[len(files)-1]) + " stands alone, name it under compose: in .pin.yaml"
	}
	proj, err := opts.LoadProject(ctx)
	if err == nil {
		for name, svc := range proj.Services {
			if svc.Build != nil {
				p.built[name] = why
			}
		}
		return p
	}
	// See whether it loads with its variables as written: if so, what
	// failed was a value missing here (${VAR:?message}, or
	// "${HOST_DIR}:/data" with no HOST_DIR), as in a checkout without the
	// .env that a deployment has. The file is sound; a reference that needs
	// the value is reported by the finder, and the rest are checked.
	raw, rerr := options(false)
	if rerr == nil && !unsetVariables(files, p.env) {
		rerr = err // every variable it reads has a value: the file is at fault
	}
	if rerr == nil {
		var model map[string]any
		if model, rerr = raw.LoadModel(ctx); rerr == nil {
			services, _ := model["services"].(map[string]any)
			for name, svc := range services {
				if m, ok := svc.(map[string]any); ok && m["build"] != nil {
					p.built[name] = why
				}
			}
			p.warn = fmt.Sprintf("Compose cannot load it with the variables set here (%s); its images were read as written", s.relErr(err))
			return p
		}
	}
	p.err = fmt.Errorf("docker compose would refuse it: %s", s.relErr(err))
	return p
}

// names joins files as the user would name them.
func (s *scanner) names(files []string) string {
	var b []string
	for _, f := range files {
		b = append(b, filepath.Base(f))
	}
	return strings.Join(b, " + ")
}

// relErr shortens the absolute paths in a compose-go error.
func (s *scanner) relErr(err error) string {
	return strings.ReplaceAll(err.Error(), s.cwd+string(filepath.Separator), "")
}

// composeEnvs loads the projects of the Compose files among names and
// returns the environment of every Compose file to read: those in names
// and, through include: and extends:, the files they read services from
// (when those lie under roots). The second result lists the latter.
func (s *scanner) composeEnvs(ctx context.Context, names, roots []string) (map[string]rewrite.ComposeEnv, []string, []Notice, error) {
	var composeNames []string
	for _, n := range names {
		if k, _ := s.kindOf(n); k == rewrite.Compose {
			composeNames = append(composeNames, n)
		}
	}
	if len(composeNames) == 0 {
		return nil, nil, nil, nil
	}
	projects := map[string]*composeProject{}
	var order []string
	for _, n := range composeNames {
		files := projectFiles(n)
		if s.configCompose(n) {
			files = []string{n} // a file the config names stands alone
		}
		key := strings.Join(files, "\x00")
		if _, ok := projects[key]; !ok {
			projects[key] = &composeProject{files: files}
			order = append(order, key)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, key := range order {
		p := projects[key]
		g.Go(func() error {
			*p = *s.loadProject(gctx, p.files)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, nil, err
	}

	envs := map[string]rewrite.ComposeEnv{}
	var errs []error
	var notices []Notice
	for _, key := range order {
		p := projects[key]
		if p.warn != "" {
			notices = append(notices, Notice{File: p.files[len(p.files)-1], Reason: p.warn})
		}
		if p.readErr != nil {
			errs = append(errs, p.readErr)
			continue
		}
		if p.err != nil {
			errs = append(errs, &FileError{File: p.files[len(p.files)-1], Err: p.err,
				hint: fmt.Sprintf("docker compose %s config shows the same; fix the file or exclude it in .pin.yaml", composeFlags(p.files))})
			continue
		}
		for _, f := range p.files {
			e, ok := envs[f]
			if !ok {
				e = rewrite.ComposeEnv{Lookup: mapLookup(p.env), Built: map[string]string{}}
			}
			for svc, why := range p.built {
				if _, ok := e.Built[svc]; !ok {
					e.Built[svc] = why
				}
			}
			envs[f] = e
		}
	}
	if len(errs) > 0 {
		return nil, nil, nil, errors.Join(errs...)
	}

	// Follow include: and extends: to the files where the text lies.
	var extra []string
	queue := slices.Clone(composeNames)
	sort.Strings(queue)
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		data, err := readFile(f)
		if err != nil {
			continue // read, and reported, with the other files
		}
		links, err := rewrite.ComposeLinks(data, envs[f].Lookup)
		if err != nil {
			continue // the finder reports it with its line
		}
		for _, l := range links {
			target := filepath.Clean(filepath.Join(filepath.Dir(f), l))
			if _, ok := envs[target]; ok {
				continue
			}
			abs, _ := filepath.Abs(target)
			if !insideAny(roots, abs) || !isFile(target) {
				notices = append(notices, Notice{File: f, Text: l, Reason: "read by include: or extends:, outside the paths pin was given: its images are not checked here"})
				envs[target] = rewrite.ComposeEnv{}
				continue
			}
			envs[target] = envs[f]
			extra = append(extra, target)
			queue = append(queue, target)
		}
	}
	return envs, extra, notices, nil
}

// insideAny reports whether the absolute path abs lies under one of roots.
func insideAny(roots []string, abs string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return inside(r, abs) })
}

func composeFlags(files []string) string {
	var b []string
	for _, f := range files {
		b = append(b, "-f "+f)
	}
	return strings.Join(b, " ")
}

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}
