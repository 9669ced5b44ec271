package audit

import (
	"regexp"
	"strings"
)

// owner is the workload a pod belongs to, and the pod template within it.
type owner struct {
	Namespace string
	Kind      string
	Name      string
	Inferred  bool // a CronJob known only from its Job's name
	Template  string
}

// cronJobName matches the Jobs a CronJob creates: <cronjob>-<scheduled minutes>.
var cronJobName = regexp.MustCompile(`^(.+)-([0-9]{8,})$`)

// ownerOf finds a pod's top owner from its controller reference and labels.
func ownerOf(p *Pod) owner {
	o := owner{Namespace: p.Metadata.Namespace, Kind: "Pod", Name: p.Metadata.Name}
	ref := controllerRef(p.Metadata.OwnerReferences)
	if ref == nil {
		return o
	}
	o.Kind, o.Name = ref.Kind, ref.Name
	labels := p.Metadata.Labels
	switch ref.Kind {
	case "ReplicaSet":
		o.Template = ref.Name
		// A Deployment names its ReplicaSets <deployment>-<pod-template-hash>.
		if h := labels["pod-template-hash"]; h != "" && strings.HasSuffix(ref.Name, "-"+h) {
			o.Kind, o.Name, o.Template = "Deployment", strings.TrimSuffix(ref.Name, "-"+h), h
		}
	case "StatefulSet", "DaemonSet":
		o.Template = labels["controller-revision-hash"]
	case "Job":
		// Pods carry only the Job's reference; a CronJob shows in its name.
		if m := cronJobName.FindStringSubmatch(ref.Name); m != nil {
			o.Kind, o.Name, o.Inferred, o.Template = "CronJob", m[1], true, ref.Name
		}
	}
	return o
}

// controllerRef is the reference marked controller, or else the first.
func controllerRef(refs []OwnerReference) *OwnerReference {
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	if len(refs) > 0 {
		return &refs[0]
	}
	return nil
}
