package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// report is everything one run measured.
type report struct {
	refs, repos, jobs, rounds int
	split                     *cpuSplit // nil: every process on every CPU
	net                       []netResult
	scan                      []scanResult
	took                      time.Duration
}

const (
	beginMarker = "<!-- pinbench:begin -->"
	endMarker   = "<!-- pinbench:end -->"
)

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Taken %s on %s: %d CPUs (`nproc`), %s, %s. The whole run took %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), hostname(), runtime.NumCPU(), cpuModel(), runtime.Version(), r.took.Round(time.Second))
	fmt.Fprintf(&b, "### Registry requests: %d distinct references in %d repositories, %d at a time (%d runs)\n\n", r.refs, r.repos, r.jobs, r.rounds)
	if r.split != nil {
		fmt.Fprintf(&b, "Each client is a process of its own. Except where the CPUs are shared, %s.\n", r.split)
	}
	b.WriteString("Times are medians; each ratio is the median of the ratios of runs taken one after the other in the same round. ")
	b.WriteString("The floor's range is its fastest and slowest run: how much the registry's own speed moved during the measurement.\n\n")
	table(&b, true, []string{"registry", "floor", "floor's range", "pin update", "pin verify", "naive", "update/floor", "verify/floor", "naive/update"}, r.net, func(n netResult) []string {
		lo, hi := n.floor.spread()
		return []string{n.mode.name, ms(n.floor.time()), fmt.Sprintf("%d–%d ms", lo.Milliseconds(), hi.Milliseconds()), ms(n.update.time()), ms(n.check.time()), ms(n.naive.time()),
			fixed(n.update.over(n.floor)), fixed(n.check.over(n.floor)), fixed(n.naive.over(n.update))}
	})
	b.WriteString("\nCPU time, user and system (median): each client's process, and the registry side's (the registry and the proxy) while the floor, pin update and pin verify ran. ")
	b.WriteString("The bounds are the least time the CPUs could have done pin's run and the registry side's work for it in (the busier of the client's and the registry's CPUs, or all of it over every CPU where they are shared), over the floor's time in the same round, and their median: no client, however quick, could have a lower ratio.\n\n")
	table(&b, true, []string{"registry", "floor", "pin update", "pin verify", "naive", "registry side: floor", "update", "verify", "update bound", "verify bound"}, r.net, func(n netResult) []string {
		return []string{n.mode.name, ms(n.floor.cpu()), ms(n.update.cpu()), ms(n.check.cpu()), ms(n.naive.cpu()),
			ms(n.floor.serverCPU()), ms(n.update.serverCPU()), ms(n.check.serverCPU()),
			r.bound(n, n.update), r.bound(n, n.check)}
	})
	b.WriteString("\nRequests the registry received, by kind (pings, tokens, HEADs, GETs, other):\n\n")
	if r.split != nil {
		fmt.Fprintf(&b, "Each client is a process of its own. Except where the CPUs are shared, %s.\n\n", r.split)
	}
	table(&b, false, []string{"registry", "floor", "pin update", "pin verify", "naive"}, r.net, func(n netResult) []string {
		return []string{n.mode.name, counts(n.floor), counts(n.update), counts(n.check), counts(n.naive)}
	})
	b.WriteString("\n### Scan: `pin verify --offline` against a bare yaml.v3 node decode of the same files (median)\n\n")
	b.WriteString("| files | size | pin | decode | pin/decode | pin peak RSS | decode peak RSS |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range r.scan {
		fmt.Fprintf(&b, "| %d | %.1f MB | %s | %s | %.2f | %d MB | %d MB |\n", s.files, float64(s.bytes)/1e6,
			ms(s.pin), ms(s.decode), ratio(s.pin, s.decode), s.pinRSS>>20, s.decRSS>>20)
	}
	if len(r.scan) >= 2 {
		a, z := r.scan[0], r.scan[len(r.scan)-1]
		fmt.Fprintf(&b, "\nGrowth from %d to %d files (×%.0f): pin ×%.1f, decode ×%.1f.\n",
			a.files, z.files, float64(z.files)/float64(a.files), ratio(z.pin, a.pin), ratio(z.decode, a.decode))
	}
	return b.String()
}

// bound is the least wall time the CPUs could have done f's run of a
// round in, over the floor's time in the same round: the median over the
// rounds, as text; "–" where the registry side's CPU time was not read.
// No run can be quicker than its own least time, so this is at most the
// median of the ratios (figure.over), however the rounds vary.
func (r report) bound(n netResult, f figure) string {
	var sc, cc int
	if n.mode.split && r.split != nil {
		sc, cc = r.split.counts()
	}
	var rs []float64
	for i, run := range f.runs {
		if i >= len(n.floor.runs) || run.server == 0 || n.floor.runs[i].wall == 0 {
			return "–"
		}
		var least time.Duration
		if sc > 0 && cc > 0 {
			least = max(run.cpu/time.Duration(cc), run.server/time.Duration(sc))
		} else {
			least = (run.cpu + run.server) / time.Duration(runtime.NumCPU())
		}
		rs = append(rs, ratio(least, n.floor.runs[i].wall))
	}
	if len(rs) == 0 {
		return "–"
	}
	return fixed(median(rs))
}

// table writes a Markdown table with a row per item; its columns after the
// first are right-aligned when right is set.
func table[T any](b *strings.Builder, right bool, header []string, items []T, row func(T) []string) {
	align := "---"
	if right {
		align = "---:"
	}
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = align
	}
	rule[0] = "---"
	for _, cells := range append([][]string{header, rule}, mapSlice(items, row)...) {
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
}

func fixed(x float64) string { return fmt.Sprintf("%.2f", x) }

func counts(f figure) string {
	c := f.counts
	return fmt.Sprintf("%d / %d / %d / %d / %d", c.Pings, c.Tokens, c.Heads, c.Gets, c.Other)
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "an unnamed host"
	}
	return "`" + h + "`"
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	if out, err := exec.Command("sysctl", "-n", "machdep.cpu.brand_string").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return runtime.GOARCH
}

// writeBetweenMarkers replaces what lies between the markers in path.
func writeBetweenMarkers(path, text string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	i, j := bytes.Index(data, []byte(beginMarker)), bytes.Index(data, []byte(endMarker))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s section to write the results into", path, beginMarker, endMarker)
	}
	var out bytes.Buffer
	out.Write(data[:i+len(beginMarker)])
	out.WriteString("\n" + text)
	out.Write(data[j:])
	return os.WriteFile(path, out.Bytes(), 0o644)
}
