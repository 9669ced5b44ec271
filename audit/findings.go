package audit

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pin-tool/pin/imageref"
	"github.com/pin-tool/pin/lockfile"
)

// rollingKinds are the workloads whose templates replace one another.
var rollingKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true}

// findings are what one workload shows: rollout, skew, unverifiable
// images, unpinned specs and, with a lock, drift.
func findings(o *Owner, lock *lockfile.Lock) []Finding {
	base := Finding{Namespace: o.Namespace, Owner: o.Kind + "/" + o.Name}
	var out []Finding
	if rollingKinds[o.Kind] && len(o.Templates) > 1 {
		f := base
		f.Kind, f.Severity, f.Templates = Rollout, Info, o.Templates
		var parts []string
		for _, t := range o.Templates {
			parts = append(parts, fmt.Sprintf("%s: %s", t.Name, count(t.Pods, "pod")))
		}
		f.Message = fmt.Sprintf("rollout in progress: %d pod templates (%s)", len(o.Templates), strings.Join(parts, ", "))
		out = append(out, f)
	}
	unpinned := map[string]bool{}
	for _, c := range o.Containers {
		cf := base
		cf.Container, cf.Template, cf.Image = c.Name, c.Template, c.Image
		out = append(out, skew(cf, c)...)
		ref, err := imageref.Parse(c.Image)
		var locked *lockfile.Entry
		if lock != nil && err == nil {
			locked = lock.Find(ref.Key())
		}
		out = append(out, unverifiable(cf, c, ref, locked)...)
		if k := c.Name + "\x00" + c.Image; !unpinned[k] && (err != nil || ref.Digest == "") {
			unpinned[k] = true
			uf := cf
			uf.Template = ""
			out = append(out, unpinnedFinding(uf, c, ref, err))
		}
		if lock != nil && err == nil {
			out = append(out, lockFindings(cf, c, ref, locked)...)
		}
	}
	return out
}

func skew(f Finding, c Container) []Finding {
	var runs []Run
	for _, r := range c.Running {
		if r.Digest != "" {
			runs = append(runs, r)
		}
	}
	if len(runs) < 2 {
		return nil
	}
	f.Kind, f.Severity, f.Running = Skew, Error, runs
	latest := ""
	var parts []string
	for _, r := range runs {
		parts = append(parts, fmt.Sprintf("%s on %s", short(r.Digest), count(len(r.Pods), "pod")))
		for _, p := range r.Pods {
			switch {
			case p.Started > latest:
				latest, f.Newest = p.Started, []string{p.Name}
			case p.Started == latest && latest != "":
				f.Newest = append(f.Newest, p.Name)
			}
		}
	}
	slices.Sort(f.Newest)
	f.Message = fmt.Sprintf("%s runs %d digests of %s in one pod template%s: %s", containerWord(c), len(runs), c.Image, templateWord(c.Template), strings.Join(parts, ", "))
	if len(f.Newest) > 0 {
		f.Message += fmt.Sprintf("; started most recently: %s at %s", strings.Join(f.Newest, ", "), latest)
	}
	return []Finding{f}
}

// unverifiable lists the pods of c that run a local image ID. When the
// lock holds c's image (ref, as e), they could not be checked against it.
func unverifiable(f Finding, c Container, ref imageref.Ref, e *lockfile.Entry) []Finding {
	var out []Finding
	for _, r := range c.Running {
		if r.Digest != "" {
			continue
		}
		g := f
		g.Kind, g.Severity, g.Pods = Unverifiable, Warning, podNames(r.Pods)
		g.Message = fmt.Sprintf("%s on %s runs local image ID %s, with no repository digest: what code it is cannot be told", containerWord(c), count(len(r.Pods), "pod"), short(r.LocalID))
		if e != nil {
			g.LockImage, g.Locked = ref.Key(), e.Digest
			g.Message += fmt.Sprintf(", nor whether it is the lock's %s", short(e.Digest))
		}
		out = append(out, g)
	}
	return out
}

// unpinnedFinding describes a spec image with no digest and the pull
// policy that decides when a restart picks up whatever its tag points at.
func unpinnedFinding(f Finding, c Container, ref imageref.Ref, err error) Finding {
	f.Kind, f.Severity = Unpinned, Warning
	if err != nil {
		f.Message = fmt.Sprintf("%s: image %q is not a valid reference: %v", containerWord(c), c.Image, err)
		return f
	}
	f.Tag = ref.Tag
	latest := ref.TagOrLatest() == "latest"
	f.PullPolicy = c.PullPolicy
	if f.PullPolicy == "" {
		// The API server's default, when a pod was not read back from it.
		f.PullPolicy = "IfNotPresent"
		if latest {
			f.PullPolicy = "Always"
		}
	}
	has := "no digest"
	if ref.Tag == "" {
		has = "no tag or digest (so :latest)"
	}
	f.Risk = "medium"
	var what string
	switch f.PullPolicy {
	case "Always":
		f.Risk = "high"
		what = "every container start pulls whatever :%s points at then"
	case "Never":
		what = "each node runs whatever it has under :%s"
	default:
		what = "a pod on a node without the image pulls whatever :%s points at then"
	}
	if latest {
		f.Risk = "high"
	}
	f.Message = fmt.Sprintf("%s: image %s has %s and imagePullPolicy %s: "+what, containerWord(c), c.Image, has, f.PullPolicy, ref.TagOrLatest())
	return f
}

func lockFindings(f Finding, c Container, ref imageref.Ref, e *lockfile.Entry) []Finding {
	key := ref.Key()
	f.LockImage = key
	if e == nil {
		f.Kind, f.Severity = NotLocked, Warning
		f.Message = fmt.Sprintf("%s: image %s is not in the lock", containerWord(c), key)
		return []Finding{f}
	}
	f.Locked = e.Digest
	var out []Finding
	for _, r := range c.Running {
		if r.Digest == "" || r.Digest == e.Digest {
			continue
		}
		g := f
		g.Kind, g.Severity, g.Digest, g.Pods = Drift, Error, r.Digest, podNames(r.Pods)
		g.Message = fmt.Sprintf("%s runs %s on %s but the lock has %s for %s", containerWord(c), short(r.Digest), count(len(r.Pods), "pod"), short(e.Digest), key)
		out = append(out, g)
	}
	return out
}

func containerWord(c Container) string {
	if c.Init {
		return "init container " + c.Name
	}
	return "container " + c.Name
}

func templateWord(t string) string {
	if t == "" {
		return ""
	}
	return " (" + t + ")"
}

func podNames(runs []PodRun) []string {
	var out []string
	for _, p := range runs {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

// short is a digest cut to 12 hex digits, as docker prints image IDs.
func short(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return algo + ":" + hex[:12]
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
