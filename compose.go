package pin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/pin-tool/pin/rewrite"
	"github.com/sirupsen/logrus"
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

// kindOf says which finder reads path: a file a Compose file reads by
// include: or extends: (once those are known) and the config's extra
// Compose names first, then the file's name.
func (s *scanner) kindOf(path string) (rewrite.Kind, bool) {
	if _, linked := s.compose[path]; linked || s.configCompose(path) {
		return rewrite.Compose, true
	}
	return rewrite.KindOf(path)
}

// configCompose reports whether the config's compose: names path.
func (s *scanner) configCompose(path string) bool {
	return s.cfg != nil && len(s.cfg.Compose) > 0 &&
		(matchPath(s.cfg.Compose, filepath.Base(path)) || matchPath(s.cfg.Compose, filepath.ToSlash(s.relConfig(path))))
}

// projectFiles lists the files Compose loads together with name, in order.
// A variant is taken for an override of the base file beside it, the safe
// guess: a service the base builds is then not pinned in the variant. The
// config's compose: names files that stand alone. A gitignored file (a
// developer's own compose.override.yaml) is no partner: what the
// repository holds means what it means in CI.
func projectFiles(name string) []string {
	dir, base := filepath.Dir(name), strings.ToLower(filepath.Base(name))
	if slices.Contains(composeBases, base) {
		files := []string{name}
		for _, o := range composeOverrides {
			if p := filepath.Join(dir, o); isFile(p) && !gitignored(p) {
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
			if p := filepath.Join(dir, b); isFile(p) && !gitignored(p) {
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

// composeProject is one project: its files and variables, then what
// loading it gave.
type composeProject struct {
	files []string
	opts  *cli.ProjectOptions
	env   map[string]string
	built map[string]string // service → why it builds
	warn  string            // why it was loaded without interpolation
	err   error             // why Compose refuses it
	// readErr is a file of the project that pin cannot read at all.
	readErr error
}

var quietCompose sync.Once

const composeProjectName = "COMPOSE_PROJECT_NAME"

// composeOptions are the options docker compose loads abs with, every
// profile included. The project is named as docker compose names it
// (COMPOSE_PROJECT_NAME, then name:, then the directory), which is what
// ${COMPOSE_PROJECT_NAME} reads.
func composeOptions(abs []string, interpolate bool) (*cli.ProjectOptions, error) {
	return cli.NewProjectOptions(abs,
		cli.WithWorkingDirectory(filepath.Dir(abs[0])),
		cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
		cli.WithInterpolation(interpolate),
		cli.WithoutEnvironmentResolution, cli.WithoutLabelsResolution)
}

// prepareProject does the cheap part of loading files as one project:
// it checks that pin can read them and reads their variables (the
// environment, then .env), which is all that following include: and
// extends: needs.
func (s *scanner) prepareProject(files []string, read map[string][]byte) *composeProject {
	p := &composeProject{files: files, built: map[string]string{}}
	for _, f := range files {
		// What pin will not read (too large, binary, not UTF-8) is not
		// handed to compose-go either; the error is the reader's. read
		// holds the bytes of the files already read.
		data, ok := read[f]
		var err error
		if !ok {
			data, err = readFile(f)
		}
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
	opts, err := composeOptions(abs, true)
	if err != nil {
		p.err = fmt.Errorf("docker compose would refuse it: %s", s.relErr(err))
		return p
	}
	// compose-go's load writes COMPOSE_PROJECT_NAME into its options'
	// environment: the finder and the links read the variables as given.
	p.opts, p.env = opts, maps.Clone(opts.Environment)
	return p
}

// loadProject loads a prepared project with compose-go, which checks it as
// docker compose does and tells which services build their image.
func (s *scanner) loadProject(ctx context.Context, p *composeProject) {
	if p.readErr != nil || p.err != nil {
		return
	}
	// compose-go warns through logrus (an unset variable, an obsolete
	// version: key); pin reports what matters itself, on its own stderr.
	quietCompose.Do(func() { logrus.SetOutput(io.Discard) })

	files := p.files
	why := "in " + s.names(files)
	if len(files) > 1 {
		why += "; if " + filepath.Base(files[len(files)-1]) + " stands alone, name it under compose: in .pin.yaml"
	}
	proj, err := p.opts.LoadProject(ctx)
	if err == nil {
		for name, svc := range proj.Services {
			if svc.Build != nil {
				p.built[name] = why
			}
		}
		// Compose gives ${COMPOSE_PROJECT_NAME} the project's name when
		// the variable is not set; so does the finder, which reads the
		// files after this.
		if _, ok := p.env[composeProjectName]; !ok {
			p.env[composeProjectName] = proj.Name
		}
		return
	}
	// See whether it loads with its variables as written: if so, what
	// failed was a value missing here (${VAR:?message}, or
	// "${HOST_DIR}:/data" with no HOST_DIR), as in a checkout without the
	// .env that a deployment has. The file is sound; a reference that needs
	// the value is reported by the finder, and the rest are checked.
	raw, rerr := composeOptions(p.opts.ConfigPaths, false)
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
			return
		}
	}
	p.err = fmt.Errorf("docker compose would refuse it: %s", s.relErr(err))
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

// composeSet is the Compose files of a scan, whose projects load in the
// background while the other files are read.
type composeSet struct {
	// envs is the environment of every Compose file to read: those the
	// walk found and, through include: and extends:, the files they read
	// services from (when those lie under the roots). Each Built map is
	// filled when the loads are done.
	envs map[string]rewrite.ComposeEnv
	// vars are the variables behind each of envs' Lookup.
	vars map[string]map[string]string
	// extra lists the files reached through include: and extends:.
	extra []string
	// extends are the extends: of another file's service, in the order
	// follow met them, which is down each chain.
	extends []composeExtends
	notices []Notice
	// projects are loaded by loadAll, which then closes done.
	projects []*composeProject
	done     chan struct{}
	err      error // set before done is closed
}

// wait waits for the projects to load and says whether Compose refuses one.
func (c *composeSet) wait() error {
	if c == nil {
		return nil
	}
	<-c.done
	return c.err
}

// prepareCompose finds the projects of the Compose files among names, reads
// their variables and follows their include: and extends: links; startLoads
// then loads them with compose-go. A project's files are read only after
// wait: compose-go tells which of their services build their image.
func (s *scanner) prepareCompose(names, roots []string) *composeSet {
	var composeNames []string
	for _, n := range names {
		if k, _ := s.kindOf(n); k == rewrite.Compose {
			composeNames = append(composeNames, n)
		}
	}
	if len(composeNames) == 0 {
		return nil
	}
	// A file another one reaches through include: or extends: (a
	// compose.common.yaml of services to extend, say) is read through it,
	// with its variables, not taken for a variant of the base beside it.
	linked := map[string]bool{}
	read := map[string][]byte{} // for follow, which reads them again with their variables
	for _, n := range composeNames {
		if data, err := readFile(n); err == nil {
			read[n] = data
			links, _, _, _ := rewrite.ComposeLinks(data, nil)
			for _, l := range links {
				linked[linkPath(n, l)] = true
			}
		}
	}
	projects := map[string]*composeProject{}
	var order []*composeProject
	for _, n := range composeNames {
		if linked[filepath.Clean(n)] && !slices.Contains(composeBases, strings.ToLower(filepath.Base(n))) && !s.configCompose(n) {
			continue // follow reaches it
		}
		files := projectFiles(n)
		if s.configCompose(n) {
			files = []string{n} // a file the config names stands alone
		}
		key := strings.Join(files, "\x00")
		if _, ok := projects[key]; !ok {
			p := s.prepareProject(files, read)
			projects[key] = p
			order = append(order, p)
		}
	}
	c := &composeSet{envs: map[string]rewrite.ComposeEnv{}, vars: map[string]map[string]string{}, projects: order, done: make(chan struct{})}
	for _, p := range order {
		for _, f := range p.files {
			if _, ok := c.envs[f]; !ok {
				// Built is filled as the projects load; if one cannot, the
				// scan stops before any file is read.
				c.envs[f] = rewrite.ComposeEnv{Lookup: mapLookup(p.env), Built: map[string]string{}, Loaded: true, Extended: map[string]string{}}
				c.vars[f] = p.env
			}
		}
	}
	c.follow(composeNames, roots, read)
	return c
}

// startLoads loads the projects of c in the background, on the scan's parsers,
// and closes c.done when they are loaded.
func (s *scanner) startLoads(ctx context.Context, c *composeSet) {
	if c != nil {
		go s.loadAll(ctx, c)
	}
}

func (s *scanner) loadAll(ctx context.Context, c *composeSet) {
	defer close(c.done)
	var wg sync.WaitGroup
	for _, p := range c.projects {
		if ctx.Err() != nil {
			break // interrupted: the scan reports it
		}
		wg.Add(1)
		s.pool.run(func() {
			defer wg.Done()
			s.loadProject(ctx, p)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		c.err = err
		return
	}
	var errs []error
	var warns []Notice
	for _, p := range c.projects {
		if p.warn != "" {
			warns = append(warns, Notice{File: p.files[len(p.files)-1], Reason: p.warn})
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
		// A file in several projects takes the first project's word for
		// a service.
		for _, f := range p.files {
			built := c.envs[f].Built
			for svc, why := range p.built {
				if _, ok := built[svc]; !ok {
					built[svc] = why
				}
			}
		}
	}
	c.notices = append(warns, c.notices...)
	c.err = errors.Join(errs...)
	// A service that extends one of another file and builds (or is
	// extended by one that does) names its build with that one's image:.
	// Down a chain of extends: until nothing changes, whatever the order
	// follow met the files in.
	for changed := true; changed; {
		changed = false
		for _, e := range c.extends {
			from, to := c.envs[e.from], c.envs[e.to]
			if to.Extended == nil || e.Base == "" {
				continue // outside the paths given
			}
			why, ok := from.Extended[e.Service]
			if _, built := from.Built[e.Service]; built || e.Builds {
				why, ok = fmt.Sprintf("service %q in %s extends it and builds it", e.Service, filepath.Base(e.from)), true
			}
			if _, set := to.Extended[e.Base]; ok && !set {
				to.Extended[e.Base], changed = why, true
			}
		}
	}
}

// composeExtends is a service of file from that extends one of file to.
type composeExtends struct {
	from, to string
	rewrite.ComposeExtends
}

// follow follows include: and extends: from files to the files where the
// text lies, which share the environment of the file that names them.
// read holds the bytes of files already read.
func (c *composeSet) follow(files, roots []string, read map[string][]byte) {
	queue := slices.Clone(files)
	sort.Strings(queue)
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		data, ok := read[f]
		if !ok {
			var err error
			if data, err = readFile(f); err != nil {
				continue // read, and reported, with the other files
			}
		}
		// An included project reads its own directory's .env (or the
		// entry's env_file) for what the including one leaves unset, as
		// compose-go does; a file extends: reads is read with f's.
		links, includes, extends, err := rewrite.ComposeLinks(data, c.envs[f].Lookup)
		if err != nil {
			continue // the finder reports it with its line
		}
		for _, e := range extends {
			c.extends = append(c.extends, composeExtends{from: f, to: linkPath(f, e.File), ComposeExtends: e})
		}
		for _, l := range links {
			target := linkPath(f, l)
			if _, ok := c.envs[target]; ok {
				continue
			}
			abs, _ := filepath.Abs(target)
			if !insideAny(roots, abs) || !isFile(target) {
				c.notices = append(c.notices, Notice{File: f, Text: l, Reason: "read by include: or extends:, outside the paths pin was given: its images are not checked here"})
				c.envs[target] = rewrite.ComposeEnv{}
				continue
			}
			// An included file's services are the project's; a file
			// extends: reads has services of its own, which build only
			// as its own build: or a service that extends one says.
			vars, built := c.vars[f], map[string]string{}
			if i := slices.IndexFunc(includes, func(inc rewrite.ComposeInclude) bool { return slices.Contains(inc.Paths, l) }); i >= 0 {
				vars, built = includedVars(f, includes[i], c.vars[f]), c.envs[f].Built
			}
			c.envs[target] = rewrite.ComposeEnv{Lookup: mapLookup(vars), Built: built, Extended: map[string]string{}}
			c.vars[target] = vars
			c.extra = append(c.extra, target)
			queue = append(queue, target)
		}
	}
}

// includedVars are the variables of the project inc includes from file f:
// f's, and for what those leave unset, the entry's env_file or else the
// .env in the included project's directory.
func includedVars(f string, inc rewrite.ComposeInclude, parent map[string]string) map[string]string {
	var files []string
	for _, e := range inc.EnvFiles {
		if e != "/dev/null" { // Compose's way to read no .env
			files = append(files, linkPath(f, e))
		}
	}
	if len(inc.EnvFiles) == 0 {
		project := filepath.Dir(linkPath(f, inc.Paths[0]))
		if inc.ProjectDir != "" {
			project = linkPath(f, inc.ProjectDir)
		}
		if p := filepath.Join(project, ".env"); isFile(p) {
			files = []string{p}
		}
	}
	vars := maps.Clone(parent)
	if vars == nil {
		vars = map[string]string{}
	}
	if own, err := dotenv.GetEnvFromFile(vars, files); err == nil {
		for k, v := range own {
			if _, set := vars[k]; !set {
				vars[k] = v
			}
		}
	}
	return vars
}

// linkPath is the file that l, a path written in file f, names: relative
// to f's directory, or absolute (${PWD}/common.yml, say), and then given
// in the form of f's name, so that a file the walk finds too has one name.
func linkPath(f, l string) string {
	dir := filepath.Dir(f)
	if filepath.IsAbs(l) && !filepath.IsAbs(f) {
		if abs, err := filepath.Abs(dir); err == nil {
			if rel, err := filepath.Rel(abs, l); err == nil {
				l = rel
			}
		}
	}
	if filepath.IsAbs(l) {
		return filepath.Clean(l)
	}
	return filepath.Join(dir, l)
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
