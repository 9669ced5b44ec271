package rewrite

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusDir returns the shared corpus named by PIN_CORPUS (relative paths
// are taken from the module root). It skips the test when the variable is
// unset, and fails it under CI=true.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PIN_CORPUS")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PIN_CORPUS is not set; CI must provide the shared corpus")
		}
		t.Skip("PIN_CORPUS is not set; set it to ../shared/corpus to run the corpus round trip")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir) // tests run in ./rewrite; the module root is ..
	}
	if _, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil {
		t.Fatalf("PIN_CORPUS=%s is not the corpus: %v", os.Getenv("PIN_CORPUS"), err)
	}
	return dir
}

// TestCorpusRoundTrip pins every reference in the corpus to a fixed digest
// and checks that only reference bytes changed, and that the number of
// references and skips per file matches the hand-checked list.
func TestCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	root := corpusDir(t)
	for _, kind := range []Kind{Kubernetes, Dockerfile, Compose} {
		expectFile := filepath.Join("..", "testdata", "corpus", string(kind)+".txt")
		want := readExpectations(t, expectFile)
		got := map[string]string{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if k, ok := KindOf(path); !ok || k != kind {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			f, err := Find(kind, data)
			if err != nil {
				t.Errorf("Find(%s): %v", rel, err)
				return nil
			}
			edits := pinAll(f)
			out, err := Apply(data, f.Refs, edits)
			if err != nil {
				t.Errorf("Apply(%s): %v", rel, err)
				return nil
			}
			assertOnlyRefsChanged(t, data, out, f, edits)
			assertReadsBack(t, func(b []byte) (Found, error) { return Find(kind, b) }, out, f, edits)
			if len(f.Refs)+len(f.Notices) > 0 {
				got[rel] = fmt.Sprintf("%d %d", len(f.Refs), len(f.Notices))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			writeExpectations(t, expectFile, got)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("references per file differ from %s (-want +got):\n%s", expectFile, diff)
		}
	}
}

// leadingComments returns the comment lines at the top of the file at path,
// which say how its counts were checked, so that -update keeps them.
func leadingComments(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// readExpectations reads lines "path refs skips"; # starts a comment.
func readExpectations(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if *update {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			t.Fatalf("%s: bad line %q, want: path refs skips", path, line)
		}
		m[fields[0]] = fields[1] + " " + fields[2]
	}
	return m
}

func writeExpectations(t *testing.T, path string, m map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	head := leadingComments(path)
	if head == "" {
		head = "# path refs skips: image references found and values skipped with a notice, per corpus file.\n" +
			"# Files with neither are not listed. Checked by hand against the files; regenerate with -update only after checking.\n"
	}
	b.WriteString(head)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k, m[k])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
