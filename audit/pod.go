package audit

// Pod is the part of a Kubernetes Pod (core/v1) that audit reads.
type Pod struct {
	Metadata ObjectMeta `json:"metadata" yaml:"metadata"`
	Spec     PodSpec    `json:"spec" yaml:"spec"`
	Status   PodStatus  `json:"status" yaml:"status"`
}

// ObjectMeta is the part of metadata that says who a pod is and who owns it.
type ObjectMeta struct {
	Name            string            `json:"name" yaml:"name"`
	Namespace       string            `json:"namespace" yaml:"namespace"`
	Labels          map[string]string `json:"labels" yaml:"labels"`
	OwnerReferences []OwnerReference  `json:"ownerReferences" yaml:"ownerReferences"`
}

// OwnerReference names a pod's owner.
type OwnerReference struct {
	Kind       string `json:"kind" yaml:"kind"`
	Name       string `json:"name" yaml:"name"`
	Controller *bool  `json:"controller" yaml:"controller"`
}

// PodSpec holds the containers a pod was asked to run.
type PodSpec struct {
	Containers     []SpecContainer `json:"containers" yaml:"containers"`
	InitContainers []SpecContainer `json:"initContainers" yaml:"initContainers"`
}

// SpecContainer is a container of the pod spec: what image was asked for, and how.
type SpecContainer struct {
	Name            string `json:"name" yaml:"name"`
	Image           string `json:"image" yaml:"image"`
	ImagePullPolicy string `json:"imagePullPolicy" yaml:"imagePullPolicy"`
}

// PodStatus is what the kubelet reports.
type PodStatus struct {
	Phase                 string            `json:"phase" yaml:"phase"`
	StartTime             string            `json:"startTime" yaml:"startTime"`
	ContainerStatuses     []ContainerStatus `json:"containerStatuses" yaml:"containerStatuses"`
	InitContainerStatuses []ContainerStatus `json:"initContainerStatuses" yaml:"initContainerStatuses"`
}

// ContainerStatus is one container's state and the image it runs.
type ContainerStatus struct {
	Name    string         `json:"name" yaml:"name"`
	Image   string         `json:"image" yaml:"image"`
	ImageID string         `json:"imageID" yaml:"imageID"`
	State   ContainerState `json:"state" yaml:"state"`
}

// ContainerState carries when the container started, in whichever state it is.
type ContainerState struct {
	Running    *StateTime `json:"running" yaml:"running"`
	Terminated *StateTime `json:"terminated" yaml:"terminated"`
}

// StateTime is the start time of a running or terminated container.
type StateTime struct {
	StartedAt string `json:"startedAt" yaml:"startedAt"`
}

// ID is the pod's namespace/name.
func (p *Pod) ID() string { return p.Metadata.Namespace + "/" + p.Metadata.Name }

// stopped reports whether the pod failed (was Evicted, say): an evicted
// pod of an old ReplicaSet lingers after a rollout, and what it last ran
// is not what runs. A Succeeded pod is a Job's finished run, whose image
// is what the Job runs: it is audited.
func (p *Pod) stopped() bool {
	return p.Status.Phase == "Failed"
}

// pending reports whether the pod has not started: Pending, or no status yet.
func (p *Pod) pending() bool {
	return p.Status.Phase == "" || p.Status.Phase == "Pending"
}

// started is when the container last started, or else when the pod did.
func (s *ContainerStatus) started(pod *Pod) string {
	switch {
	case s.State.Running != nil && s.State.Running.StartedAt != "":
		return s.State.Running.StartedAt
	case s.State.Terminated != nil && s.State.Terminated.StartedAt != "":
		return s.State.Terminated.StartedAt
	}
	return pod.Status.StartTime
}
