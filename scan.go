package pin

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/rewrite"
)

// skipDirs are never walked into.
var skipDirs = map[string]bool{".git": true, "vendor": true, "node_modules": true}

// File is one file that holds, or may hold, image references.
type File struct {
	// Path is the file as the user would name it (relative to the working
	// directory where it lies below it).
	Path string
	// Source is the path recorded in the lock: slash-separated, relative to
	// the lock's directory.
	Source string
	Kind   rewrite.Kind
	// Data is the file's bytes; nil when the scanner drops them.
	Data []byte
	// Refs are the references pin acts on: Found less those the config ignores.
	Refs []rewrite.Ref
	// Found are all the references the finder saw in Data, which the
	// splicer checks its output against.
	Found []rewrite.Ref
	// find is the finder that read Data, which reads the edited bytes again.
	find func([]byte) (rewrite.Found, error)
}

// Notice is a value skipped because it could not be evaluated.
type Notice struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Text   string `json:"text,omitempty"`
	Reason string `json:"reason"`
}

func (n Notice) String() string {
	where := n.File
	if n.Line > 0 {
		where = fmt.Sprintf("%s:%d", n.File, n.Line)
	}
	if n.Text != "" {
		return fmt.Sprintf("%s: skipped %q: %s", where, n.Text, n.Reason)
	}
	return fmt.Sprintf("%s: skipped: %s", where, n.Reason)
}

// scan is what the walk found.
type scan struct {
	files   []*File
	notices []Notice
	ignored []Notice // references the config's ignore patterns leave alone
	// roots are the absolute paths walked, for telling which lock sources
	// this run could have seen.
	roots []string
}

// scanner walks paths and runs the finders.
type scanner struct {
	cwd     string // absolute working directory
	lockDir string // absolute directory of the lock
	cfg     *Config
	// compose is the environment of each Compose file, set by scan.
	compose map[string]rewrite.ComposeEnv
	// named are the files named on the command line, set by scan.
	named map[string]bool
	// dropData keeps no file's bytes past its finder: verify needs only
	// the references, and its memory then does not grow with the bytes.
	dropData bool
	// found, when set, is called with each reference the config does not
	// ignore as soon as its file is read, from the reading goroutine.
	found func(imageref.Ref)
	// parsers is how many goroutines parse at once: the workers of pool,
	// which read files and load Compose projects alike.
	parsers int
	pool    *parsePool
	// links are the symlinks to files in the tree the walk met, by path,
	// with their targets' real paths: each is read under its own name
	// unless its target is read under its own.
	links map[string]string
}

// ignores reports whether the config leaves r alone.
func (s *scanner) ignores(r rewrite.Ref) bool {
	return s.cfg != nil && matchImage(s.cfg.Ignore, r.Image.Repository(), r.Image.Repository()+":"+r.Image.TagOrLatest())
}

// scan walks paths, reads every file pin knows, and finds its references.
func (s *scanner) scan(ctx context.Context, paths []string) (*scan, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var (
		names []string
		res   = &scan{}
	)
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		res.roots = append(res.roots, abs)
		info, err := os.Stat(p)
		if err != nil {
			return nil, &FileError{File: p, Err: pathErr(err)}
		}
		if !info.IsDir() {
			names = append(names, filepath.Clean(p))
			if s.named == nil {
				s.named = map[string]bool{}
			}
			s.named[filepath.Clean(p)] = true
			continue
		}
		found, skipped, err := s.walk(p)
		if err != nil {
			return nil, err
		}
		names = append(names, found...)
		res.notices = append(res.notices, skipped...)
	}
	// The other files are read first, so that their references go to the
	// registry at once; Compose projects load in the background after
	// them, and a Compose file is read once its project has loaded.
	s.pool = newParsePool(s.parsers)
	defer s.pool.close()
	cs := s.prepareCompose(names, res.roots)
	if cs != nil {
		s.compose = cs.envs
		for _, e := range cs.extra {
			if s.cfg == nil || !matchPath(s.cfg.Exclude, filepath.ToSlash(s.relConfig(e))) {
				names = append(names, e)
			}
		}
	}
	names = dropLinked(uniqueFiles(names), s.links, newTree(s.cwd))
	slices.Sort(names)

	files := make([]*File, len(names))
	notices := make([][]Notice, len(names))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	read := func(i int) {
		wg.Add(1)
		s.pool.run(func() {
			defer wg.Done()
			if ctx.Err() != nil {
				return
			}
			f, ns, err := s.read(names[i])
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			files[i], notices[i] = f, ns
			if f != nil && s.found != nil {
				for _, r := range f.Found {
					if !s.ignores(r) {
						s.found(r.Image)
					}
				}
			}
		})
	}
	var composeIdx []int
	for i, name := range names {
		if k, _ := s.kindOf(name); k == rewrite.Compose {
			composeIdx = append(composeIdx, i)
			continue
		}
		read(i)
	}
	s.startLoads(ctx, cs)
	composeErr := cs.wait()
	if composeErr == nil {
		for _, i := range composeIdx {
			read(i)
		}
	}
	wg.Wait()
	err := ctx.Err()
	switch {
	case composeErr != nil:
		return nil, composeErr
	case err != nil:
		return nil, err
	case len(errs) > 0:
		slices.SortStableFunc(errs, compareFileErrors) // in file order, however the reads went
		return nil, errors.Join(errs...)
	}
	if cs != nil {
		res.notices = append(res.notices, cs.notices...)
	}
	for i, f := range files {
		res.notices = append(res.notices, notices[i]...)
		if f == nil {
			continue
		}
		var kept []rewrite.Ref
		for _, r := range f.Found {
			if s.ignores(r) {
				res.ignored = append(res.ignored, Notice{File: f.Path, Line: r.Line, Text: r.Text, Reason: "ignored by the config"})
				continue
			}
			kept = append(kept, r)
		}
		f.Refs = kept
		res.files = append(res.files, f)
	}
	return res, nil
}

// read reads one file and runs its finder.
func (s *scanner) read(name string) (*File, []Notice, error) {
	kind, known := s.kindOf(name)
	if !known {
		kind = rewrite.Dockerfile // named explicitly with another name: read as a Dockerfile
	}
	data, err := readFile(name)
	if err != nil {
		return nil, nil, err
	}
	if err := checkText(name, data); err != nil {
		return nil, nil, err
	}
	find := func(b []byte) (rewrite.Found, error) { return rewrite.Find(kind, b) }
	if kind == rewrite.Compose {
		env := s.compose[name]
		find = func(b []byte) (rewrite.Found, error) { return rewrite.FindCompose(b, env) }
	}
	found, err := find(data)
	if err != nil {
		var re *rewrite.Error
		if errors.As(err, &re) {
			return nil, nil, &FileError{File: name, Line: re.Line, Err: re}
		}
		return nil, nil, &FileError{File: name, Err: err}
	}
	var notices []Notice
	for _, n := range found.Notices {
		notices = append(notices, Notice{File: name, Line: n.Line, Text: n.Text, Reason: n.Reason})
	}
	if !known && len(found.Refs) == 0 && len(notices) == 0 {
		return nil, nil, &FileError{File: name, Err: errors.New("pin does not know this kind of file, and it reads as a Dockerfile with no image in it"),
			hint: "pin reads Kubernetes YAML (*.yaml, *.yml), Compose files (compose*.yaml, docker-compose*.yml, or names under compose: in .pin.yaml) and Dockerfiles (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, *.containerfile)"}
	}
	if kind == rewrite.Kubernetes && s.named[name] && len(found.Refs) == 0 && len(notices) == 0 && rewrite.ComposeLike(data) {
		return nil, nil, &FileError{File: name, Err: errors.New("its services: are Compose's, but pin reads it as a Kubernetes manifest and finds no image in it"),
			hint: "name it under compose: in .pin.yaml to have it read as a Compose file (pin takes compose*.yaml and docker-compose*.yml for Compose by their names)"}
	}
	if len(found.Refs) == 0 {
		return nil, notices, nil
	}
	src, err := s.source(name)
	if err != nil {
		return nil, nil, err
	}
	if s.dropData {
		data = nil
	}
	return &File{Path: name, Source: src, Kind: kind, Data: data, Found: found.Refs, find: find}, notices, nil
}

// source is a file's path relative to the lock's directory, slash-separated.
func (s *scanner) source(name string) (string, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(s.lockDir, abs)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// walk lists the files below dir that pin reads, honouring .gitignore
// files, the directories pin never enters, and the config's globs. A
// symlink is not followed: its target is walked where it lies if that is
// in the tree, and one that leads out of it is reported as skipped.
func (s *scanner) walk(dir string) ([]string, []Notice, error) {
	var names []string
	var skipped []Notice
	// Paths are matched from the repository's root, whose .gitignore
	// files above dir count too (pin list deploy skips what the root's
	// .gitignore does).
	prefix, patterns, err := aboveGitignores(dir)
	if err != nil {
		return nil, nil, err
	}
	t := newTree(s.cwd)
	root, rootErr := t.real(dir)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return &FileError{File: path, Err: pathErr(err)}
		}
		rel, _ := filepath.Rel(dir, path)
		parts := slices.Clone(prefix)
		if rel != "." {
			parts = append(parts, strings.Split(filepath.ToSlash(rel), "/")...)
		}
		if d.IsDir() {
			if path != dir && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			if path != dir && gitignore.NewMatcher(patterns).Match(parts, true) {
				return filepath.SkipDir
			}
			ps, err := readGitignore(filepath.Join(path, ".gitignore"), parts)
			if err != nil {
				return err
			}
			patterns = append(patterns, ps...)
			return nil
		}
		// A symlink is resolved once: where it leads, whether that is in
		// the tree, and what is there.
		var link struct {
			real string
			in   bool
			info fs.FileInfo // nil: it leads nowhere
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if r, err := t.real(path); err == nil {
				link.real, link.in = r, rootErr == nil && inside(root, r)
				link.info, _ = os.Stat(r)
			}
		}
		// shown names a symlink's target as the user wrote its way there.
		shown := func() string {
			if r, err := filepath.EvalSymlinks(path); err == nil {
				return r
			}
			return link.real
		}
		if link.info != nil && !link.in && link.info.IsDir() && !gitignore.NewMatcher(patterns).Match(parts, true) &&
			!skipDirs[d.Name()] && (s.cfg == nil || !matchPath(s.cfg.Exclude, filepath.ToSlash(s.relConfig(path)))) {
			// A directory behind a symlink is not walked; one out of the
			// tree is not walked anywhere, which the user should know.
			skipped = append(skipped, Notice{File: path, Reason: "a symlink to the directory " + shown() + ", outside the tree: not read"})
			return nil
		}
		if _, ok := s.kindOf(path); !ok {
			return nil
		}
		if gitignore.NewMatcher(patterns).Match(parts, false) {
			return nil
		}
		if s.cfg != nil {
			slash := filepath.ToSlash(s.relConfig(path))
			if len(s.cfg.Include) > 0 && !matchPath(s.cfg.Include, slash) {
				return nil
			}
			if matchPath(s.cfg.Exclude, slash) {
				return nil
			}
		}
		if d.Type()&fs.ModeSymlink != 0 {
			switch {
			case link.info == nil:
			case !link.in:
				skipped = append(skipped, Notice{File: path, Reason: "a symlink to " + shown() + ", outside the tree: not read"})
			case link.info.Mode().IsRegular():
				// A file in the tree: its target may have a name pin does
				// not read (docker/app.df) or lie where the walk does not
				// go (vendor/), so the link is read too, once (see scan).
				if s.links == nil {
					s.links = map[string]string{}
				}
				s.links[filepath.Clean(path)] = link.real
				names = append(names, filepath.Clean(path))
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		names = append(names, filepath.Clean(path))
		return nil
	})
	return names, skipped, err
}

// uniqueFiles drops the names of files named before, under another
// spelling (pin verify . $PWD), keeping the first.
func uniqueFiles(names []string) []string {
	seen := make(map[string]bool, len(names))
	out := names[:0]
	for _, n := range names {
		abs, err := filepath.Abs(n)
		if err != nil {
			abs = n
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, n)
		}
	}
	return out
}

// dropLinked drops the symlinks among names whose targets are read under
// their own names too. The targets are real paths, so names are made
// absolute from t, the real working directory.
func dropLinked(names []string, links map[string]string, t tree) []string {
	if len(links) == 0 {
		return names
	}
	read := make(map[string]bool, len(names))
	for _, n := range names {
		if _, link := links[n]; !link {
			read[t.abs(n)] = true
		}
	}
	return slices.DeleteFunc(names, func(n string) bool {
		real, link := links[n]
		return link && read[real]
	})
}

// relConfig is path relative to the config file's directory, which the
// config's path globs are written from (the working directory when there
// is no config file).
func (s *scanner) relConfig(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	base := s.cwd
	if s.cfg != nil && s.cfg.Dir != "" {
		base = s.cfg.Dir
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil {
		return path
	}
	return rel
}

// aboveGitignores finds the repository dir lies in (the nearest directory
// up from it that holds .git) and returns dir's path below its root, as
// parts, with the patterns of the .gitignore files from the root down to
// dir's parent. Outside a repository, dir is its own root.
func aboveGitignores(dir string) ([]string, []gitignore.Pattern, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, nil
	}
	root := ""
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			return nil, nil, nil
		}
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == "." {
		return nil, nil, nil
	}
	prefix := strings.Split(filepath.ToSlash(rel), "/")
	var patterns []gitignore.Pattern
	for i := range prefix { // the root, then each directory down to dir's parent
		ps, err := readGitignore(filepath.Join(root, filepath.Join(prefix[:i]...), ".gitignore"), prefix[:i])
		if err != nil {
			return nil, nil, err
		}
		patterns = append(patterns, ps...)
	}
	return prefix, patterns, nil
}

// gitignored reports whether the .gitignore files of the repository path
// lies in, from its root down to path's directory, ignore the file.
func gitignored(path string) bool {
	prefix, patterns, err := aboveGitignores(filepath.Dir(path))
	if err != nil {
		return false
	}
	ps, _ := readGitignore(filepath.Join(filepath.Dir(path), ".gitignore"), prefix)
	patterns = append(patterns, ps...)
	return gitignore.NewMatcher(patterns).Match(append(slices.Clone(prefix), filepath.Base(path)), false)
}

// readGitignore parses one .gitignore; domain is its directory's path
// below the repository's root (or the walk's, outside a repository).
func readGitignore(path string, domain []string) ([]gitignore.Pattern, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &FileError{File: path, Err: pathErr(err)}
	}
	var ps []gitignore.Pattern
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ps = append(ps, gitignore.ParsePattern(line, domain))
	}
	return ps, nil
}

// inScope reports whether a lock source (relative to the lock's directory)
// lies under one of the walked roots, so that this run would have seen it.
func (s *scanner) inScope(roots []string, source string) bool {
	return insideAny(roots, filepath.Join(s.lockDir, filepath.FromSlash(source)))
}

// pathErr drops the operation and path from an *fs.PathError, which
// FileError names already: "open x.yaml: permission denied" becomes
// "permission denied (x.yaml)".
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError // a rename's
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
