package audit

// Report is what audit found: every workload's containers and digests, and
// the findings about them. Lists are sorted and never nil, so the JSON
// encoding is stable.
type Report struct {
	Pods        int       `json:"pods"`
	Pending     int       `json:"pending"`
	Stopped     int       `json:"stopped"`
	LockChecked bool      `json:"lockChecked"`
	Owners      []Owner   `json:"owners"`
	Findings    []Finding `json:"findings"`
}

// Owner is a workload: a Deployment, StatefulSet, DaemonSet, Job, CronJob,
// ReplicaSet, or a bare pod, with its pods.
type Owner struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	// Inferred is set for a CronJob known only from its Job's name.
	Inferred bool     `json:"inferred,omitempty"`
	Pods     int      `json:"pods"`
	Pending  []string `json:"pending"`
	// Stopped are its pods that failed (such as Evicted): what they ran
	// is not what the workload runs now, and they are not audited.
	Stopped    []string    `json:"stopped"`
	Templates  []Template  `json:"templates"`
	Containers []Container `json:"containers"`
}

// Template is one pod template of a workload (a ReplicaSet's
// pod-template-hash, a controller-revision-hash, a Job) and its pod count.
type Template struct {
	Name string `json:"name"`
	Pods int    `json:"pods"`
}

// Container is one container of one pod template with one spec image, and
// what its started pods run.
type Container struct {
	Name       string `json:"name"`
	Init       bool   `json:"init,omitempty"`
	Template   string `json:"template,omitempty"`
	Image      string `json:"image"`
	PullPolicy string `json:"pullPolicy,omitempty"`
	Running    []Run  `json:"running"`
	// NoImageID lists pods whose status has no imageID for it yet.
	NoImageID []string `json:"noImageID,omitempty"`
}

// Run is one running image and the pods that run it.
type Run struct {
	// Digest is the digest the image was pulled by; empty when the runtime
	// gave only a local image ID.
	Digest string `json:"digest,omitempty"`
	// LocalID is that local image ID, when there is no digest.
	LocalID string   `json:"localImageID,omitempty"`
	Pods    []PodRun `json:"pods"`
}

// PodRun is a pod and when its container last started.
type PodRun struct {
	Name    string `json:"name"`
	Started string `json:"started,omitempty"`
}

// Kind is what a finding is about.
type Kind string

// The kinds of finding.
const (
	Skew         Kind = "skew"         // one template, one spec image, several digests
	Drift        Kind = "drift"        // a digest other than the lock's
	NotLocked    Kind = "not-locked"   // a spec image the lock does not know
	Unpinned     Kind = "unpinned"     // a spec image with no digest
	Unverifiable Kind = "unverifiable" // a local image ID: what runs cannot be told
	Rollout      Kind = "rollout"      // several templates of one workload
)

// Severity says whether a finding fails the audit.
type Severity string

// The severities: errors fail the audit, warnings and notes do not.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Finding is one thing audit reports about a workload.
type Finding struct {
	Kind      Kind     `json:"kind"`
	Severity  Severity `json:"severity"`
	Namespace string   `json:"namespace"`
	Owner     string   `json:"owner"` // Kind/name
	Container string   `json:"container,omitempty"`
	Template  string   `json:"template,omitempty"`
	Image     string   `json:"image,omitempty"` // the spec image
	Message   string   `json:"message"`
	// Running lists each digest with its pods, for skew.
	Running []Run `json:"running,omitempty"`
	// Newest are the pods that started most recently, for skew.
	Newest []string `json:"newest,omitempty"`
	// Templates are the workload's templates, for a rollout.
	Templates []Template `json:"templates,omitempty"`
	// Tag, PullPolicy and Risk describe an unpinned spec image; the pull
	// policy is the default the API server would set when none is given.
	Tag        string `json:"tag,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
	Risk       string `json:"risk,omitempty"`
	// LockImage is the lock's canonical name for Image; Locked its digest.
	LockImage string `json:"lockImage,omitempty"`
	Locked    string `json:"locked,omitempty"`
	// Digest is what runs instead, for drift.
	Digest string `json:"digest,omitempty"`
	// Pods are the pods concerned, for drift and unverifiable.
	Pods []string `json:"pods,omitempty"`
}

// Failed reports whether the audit found skew or drift from the lock.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Unchecked is how many groups of pods run a local image ID of an image
// the lock holds: what they run could not be checked against the lock.
func (r *Report) Unchecked() int {
	n := 0
	for _, f := range r.Findings {
		if f.Kind == Unverifiable && f.Locked != "" {
			n++
		}
	}
	return n
}

// Count is how many findings are of kind k.
func (r *Report) Count(k Kind) int {
	n := 0
	for _, f := range r.Findings {
		if f.Kind == k {
			n++
		}
	}
	return n
}
