package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pin-tool/pin"
	"github.com/pin-tool/pin/imageref"
)

// renderSummary writes the Markdown body of a pull request for an update:
// a line saying what was checked and what changed, a table of the images
// whose digest moved, a table of the references pinned for the first time,
// and a list of what was skipped and why. An update that changes no
// reference is one line.
func renderSummary(res *pin.UpdateResult) string {
	moved := summaryRows(res.Changes, func(c pin.Change) bool { return c.OldDigest != "" })
	pinned := summaryRows(res.Changes, func(c pin.Change) bool { return c.OldDigest == "" })
	skipped := append(slices.Clone(res.Notices), res.Ignored...)

	var b strings.Builder
	checked := fmt.Sprintf("pin checked %d image%s", res.Images, plural(res.Images))
	if len(moved) == 0 && len(pinned) == 0 {
		switch {
		case res.LockChanged() && res.Lock.Old == nil:
			fmt.Fprintf(&b, "%s: every reference was already pinned; %s was created.\n", checked, md(res.Lock.Path))
		case res.LockChanged():
			fmt.Fprintf(&b, "%s: no digest moved; %s was brought in line with the sources.\n", checked, md(res.Lock.Path))
		default:
			fmt.Fprintf(&b, "%s: every digest is current, nothing changed.\n", checked)
		}
		return b.String()
	}

	var parts []string
	if n := countImages(moved); n > 0 {
		parts = append(parts, fmt.Sprintf("%d moved to a new digest", n))
	}
	if n := countImages(pinned); n > 0 {
		parts = append(parts, fmt.Sprintf("%d newly pinned", n))
	}
	fmt.Fprintf(&b, "%s: %s.\n", checked, strings.Join(parts, ", "))

	if len(moved) > 0 {
		b.WriteString("\n### Moved\n\n| Image | Tag | Digest | Files |\n| --- | --- | --- | --- |\n")
		for _, r := range moved {
			fmt.Fprintf(&b, "| %s | %s | %s → %s | %s |\n", md(r.repo), md(r.tag), md(shortDigest(r.old)), md(shortDigest(r.new)), r.files())
		}
	}
	if len(pinned) > 0 {
		b.WriteString("\n### Newly pinned\n\n| Image | Tag | Digest | Files |\n| --- | --- | --- | --- |\n")
		for _, r := range pinned {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", md(r.repo), md(r.tag), md(shortDigest(r.new)), r.files())
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\n### Skipped\n\n")
		for _, n := range skipped {
			where := n.File
			if n.Line > 0 {
				where = fmt.Sprintf("%s:%d", n.File, n.Line)
			}
			if n.Text != "" {
				fmt.Fprintf(&b, "- %s %s: %s\n", code(where), code(n.Text), n.Reason)
			} else {
				fmt.Fprintf(&b, "- %s: %s\n", code(where), n.Reason)
			}
		}
	}
	return b.String()
}

// summaryRow is one image's change: the references of one canonical
// image that go from one digest to another, and the files they are in.
type summaryRow struct {
	key, repo, tag, old, new string
	paths                    []string
}

func (r summaryRow) files() string {
	var cells []string
	for _, p := range r.paths {
		cells = append(cells, md(p))
	}
	return strings.Join(cells, ", ")
}

// summaryRows groups the changes that keep by image and digests, in the
// order of the images' canonical names.
func summaryRows(changes []pin.Change, keep func(pin.Change) bool) []summaryRow {
	var rows []summaryRow
	for _, c := range changes {
		if !keep(c) {
			continue
		}
		i := slices.IndexFunc(rows, func(r summaryRow) bool { return r.key == c.Image && r.old == c.OldDigest && r.new == c.NewDigest })
		if i < 0 {
			repo, tag := c.Image, ""
			if ref, err := imageref.Parse(c.Image); err == nil {
				repo, tag = ref.Repository(), ref.TagOrLatest()
			}
			rows = append(rows, summaryRow{key: c.Image, repo: repo, tag: tag, old: c.OldDigest, new: c.NewDigest})
			i = len(rows) - 1
		}
		if !slices.Contains(rows[i].paths, c.File) {
			rows[i].paths = append(rows[i].paths, c.File)
		}
	}
	slices.SortStableFunc(rows, func(a, b summaryRow) int { return strings.Compare(a.key, b.key) })
	return rows
}

func countImages(rows []summaryRow) int {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.key] = true
	}
	return len(seen)
}

// shortDigest abbreviates a digest as pin's messages do: sha256:0a1b2c3d4e5f.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// md writes s as inline code in a table cell, where a pipe would end the
// cell unless escaped (GitHub unescapes it, even inside code).
func md(s string) string { return code(strings.ReplaceAll(s, "|", `\|`)) }

// code writes s as inline code.
func code(s string) string {
	if s == "" {
		return ""
	}
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}
