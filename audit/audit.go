package audit

import (
	"cmp"
	"slices"

	"github.com/pin-tool/pin/lockfile"
)

type ownerKey struct{ namespace, kind, name string }

// Audit groups pods by workload, pod template and container, and reports
// skew, rollouts, unpinned spec images and, with a lock, drift from it.
func Audit(pods []Pod, lock *lockfile.Lock) *Report {
	b := builder{owners: map[ownerKey]*Owner{}, templates: map[ownerKey]map[string]int{}}
	for i := range pods {
		b.add(&pods[i])
	}
	r := &Report{Pods: len(pods), LockChecked: lock != nil, Owners: []Owner{}, Findings: []Finding{}}
	for k, o := range b.owners {
		r.Pending += len(o.Pending)
		r.Stopped += len(o.Stopped)
		slices.Sort(o.Stopped)
		for name, n := range b.templates[k] {
			o.Templates = append(o.Templates, Template{Name: name, Pods: n})
		}
		slices.SortFunc(o.Templates, func(a, b Template) int { return cmp.Compare(a.Name, b.Name) })
		slices.Sort(o.Pending)
		slices.SortFunc(o.Containers, compareContainers)
		for i := range o.Containers {
			sortRuns(o.Containers[i].Running)
			slices.Sort(o.Containers[i].NoImageID)
		}
		r.Owners = append(r.Owners, *o)
	}
	slices.SortFunc(r.Owners, func(a, b Owner) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	for i := range r.Owners {
		r.Findings = append(r.Findings, findings(&r.Owners[i], lock)...)
	}
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Compare(severityRank[a.Severity], severityRank[b.Severity])
	})
	return r
}

var severityRank = map[Severity]int{Error: 0, Warning: 1, Info: 2}

type builder struct {
	owners    map[ownerKey]*Owner
	templates map[ownerKey]map[string]int
}

func (b *builder) add(p *Pod) {
	o := ownerOf(p)
	k := ownerKey{o.Namespace, o.Kind, o.Name}
	ow := b.owners[k]
	if ow == nil {
		ow = &Owner{Namespace: o.Namespace, Kind: o.Kind, Name: o.Name, Inferred: o.Inferred, Pending: []string{}, Stopped: []string{}, Templates: []Template{}, Containers: []Container{}}
		b.owners[k] = ow
		b.templates[k] = map[string]int{}
	}
	ow.Pods++
	if p.stopped() {
		ow.Stopped = append(ow.Stopped, p.Metadata.Name)
		return
	}
	if o.Template != "" {
		b.templates[k][o.Template]++
	}
	if p.pending() {
		ow.Pending = append(ow.Pending, p.Metadata.Name)
		return
	}
	b.containersOf(ow, o.Template, p, p.Spec.InitContainers, p.Status.InitContainerStatuses, true)
	b.containersOf(ow, o.Template, p, p.Spec.Containers, p.Status.ContainerStatuses, false)
}

func (b *builder) containersOf(ow *Owner, template string, p *Pod, specs []SpecContainer, statuses []ContainerStatus, init bool) {
	for _, s := range specs {
		c := findContainer(ow, s.Name, init, template, s.Image)
		if c == nil {
			ow.Containers = append(ow.Containers, Container{Name: s.Name, Init: init, Template: template, Image: s.Image, PullPolicy: s.ImagePullPolicy, Running: []Run{}})
			c = &ow.Containers[len(ow.Containers)-1]
		}
		st := statusOf(statuses, s.Name)
		if st == nil || st.ImageID == "" {
			c.NoImageID = append(c.NoImageID, p.Metadata.Name)
			continue
		}
		run := PodRun{Name: p.Metadata.Name, Started: st.started(p)}
		id, _, digest, ok := parseImageID(st.ImageID)
		local := ""
		if !ok {
			local = id
		}
		i := slices.IndexFunc(c.Running, func(r Run) bool { return r.Digest == digest && r.LocalID == local })
		if i < 0 {
			c.Running = append(c.Running, Run{Digest: digest, LocalID: local})
			i = len(c.Running) - 1
		}
		c.Running[i].Pods = append(c.Running[i].Pods, run)
	}
}

// findContainer is the owner's container of that name, template and image, or nil.
func findContainer(ow *Owner, name string, init bool, template, image string) *Container {
	for i := range ow.Containers {
		c := &ow.Containers[i]
		if c.Name == name && c.Init == init && c.Template == template && c.Image == image {
			return c
		}
	}
	return nil
}

func statusOf(statuses []ContainerStatus, name string) *ContainerStatus {
	for i := range statuses {
		if statuses[i].Name == name {
			return &statuses[i]
		}
	}
	return nil
}

// compareContainers puts init containers first, then by name, template, image.
func compareContainers(a, b Container) int {
	if a.Init != b.Init {
		if a.Init {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Template, b.Template), cmp.Compare(a.Image, b.Image))
}

// sortRuns orders runs by digest and each run's pods by start time, oldest first.
func sortRuns(runs []Run) {
	for _, r := range runs {
		slices.SortFunc(r.Pods, func(a, b PodRun) int {
			return cmp.Or(cmp.Compare(a.Started, b.Started), cmp.Compare(a.Name, b.Name))
		})
	}
	slices.SortFunc(runs, func(a, b Run) int {
		return cmp.Or(cmp.Compare(a.Digest, b.Digest), cmp.Compare(a.LocalID, b.LocalID))
	})
}
