package audit

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report for people: each workload with its
// containers and the digests they run, then the findings, then a summary.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, o := range r.Owners {
		writeOwner(bw, o)
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(bw, "%s: %s/%s: %s\n", f.Severity, f.Namespace, f.Owner, f.Message)
	}
	fmt.Fprintf(bw, "\n%s\n", r.summary())
	return bw.Flush()
}

func writeOwner(w io.Writer, o Owner) {
	head := fmt.Sprintf("%s/%s/%s: %s", o.Namespace, o.Kind, o.Name, count(o.Pods, "pod"))
	if len(o.Pending) > 0 {
		head += fmt.Sprintf(" (%d pending)", len(o.Pending))
	}
	if o.Inferred {
		head += ", CronJob inferred from the Job's name"
	}
	fmt.Fprintln(w, head)
	for _, c := range o.Containers {
		line := fmt.Sprintf("  %s: %s", containerWord(c), c.Image)
		if c.PullPolicy != "" {
			line += " (" + c.PullPolicy + ")"
		}
		if c.Template != "" {
			line += ", template " + c.Template
		}
		fmt.Fprintln(w, line)
		for _, run := range c.Running {
			id := run.Digest
			if id == "" {
				id = run.LocalID + " (local image ID, unverifiable)"
			}
			last := run.Pods[len(run.Pods)-1].Started
			fmt.Fprintf(w, "    %s  %s: %s", id, count(len(run.Pods), "pod"), strings.Join(podNames(run.Pods), ", "))
			if last != "" {
				fmt.Fprintf(w, " (last started %s)", last)
			}
			fmt.Fprintln(w)
		}
		if len(c.NoImageID) > 0 {
			fmt.Fprintf(w, "    no imageID yet  %s: %s\n", count(len(c.NoImageID), "pod"), strings.Join(c.NoImageID, ", "))
		}
	}
	if len(o.Pending) > 0 {
		fmt.Fprintf(w, "  pending: %s\n", strings.Join(o.Pending, ", "))
	}
	if len(o.Stopped) > 0 {
		fmt.Fprintf(w, "  stopped (not audited): %s\n", strings.Join(o.Stopped, ", "))
	}
}

func (r *Report) summary() string {
	s := fmt.Sprintf("audited %s", count(r.Pods, "pod"))
	if r.Pending > 0 {
		s += fmt.Sprintf(" (%d pending)", r.Pending)
	}
	if r.Stopped > 0 {
		s += fmt.Sprintf(" (%d stopped, not audited)", r.Stopped)
	}
	s += fmt.Sprintf(" in %s: %s, %s", count(len(r.Owners), "workload"), count(r.Count(Skew), "skewed container"), count(r.Count(Unpinned), "unpinned image"))
	if r.LockChecked {
		s += fmt.Sprintf(", %d drifted from the lock, %s not in the lock", r.Count(Drift), count(r.Count(NotLocked), "image"))
	}
	if n := r.Count(Unverifiable); n > 0 {
		s += fmt.Sprintf(", %s", count(n, "unverifiable local image ID"))
	}
	if n := r.Count(Rollout); n > 0 {
		s += fmt.Sprintf(", %s in progress", count(n, "rollout"))
	}
	return s
}
