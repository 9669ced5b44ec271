package audit

import (
	"strings"
	"testing"

	"github.com/pin-tool/pin/lockfile"
)

// stoppedPod is a pod of ReplicaSet web-HASH in phase, running imageID.
func stoppedPod(name, hash, phase, image, imageID string) Pod {
	yes := true
	return Pod{
		Metadata: ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"pod-template-hash": hash},
			OwnerReferences: []OwnerReference{{Kind: "ReplicaSet", Name: "web-" + hash, Controller: &yes}}},
		Spec: PodSpec{Containers: []SpecContainer{{Name: "web", Image: image}}},
		Status: PodStatus{Phase: phase, StartTime: "2026-03-01T09:00:00Z", ContainerStatuses: []ContainerStatus{{
			Name: "web", ImageID: imageID, State: ContainerState{Terminated: &StateTime{"2026-03-01T09:00:01Z"}}}}},
	}
}

// TestFailedPodsNotAudited: an Evicted pod of an old ReplicaSet lingers
// after a rollout; what it last ran is not drift, skew or a rollout.
func TestFailedPodsNotAudited(t *testing.T) {
	t.Parallel()
	lock, err := lockfile.Parse([]byte("version: 1\nimages:\n  - image: registry.example.com/shop/web:1.6\n    digest: " + digest("b") + "\n    sources: [deploy/web.yaml]\n"))
	if err != nil {
		t.Fatal(err)
	}
	const img = "registry.example.com/shop/web:1.6"
	pods := []Pod{
		stoppedPod("web-new-1", "newhash", "Running", img, "registry.example.com/shop/web@"+digest("b")),
		stoppedPod("web-new-2", "newhash", "Running", img, "registry.example.com/shop/web@"+digest("b")),
		stoppedPod("web-old-evicted", "oldhash", "Failed", img, "registry.example.com/shop/web@"+digest("a")),
	}
	r := Audit(pods, lock)
	if r.Failed() || r.Count(Drift) != 0 || r.Count(Skew) != 0 || r.Count(Rollout) != 0 {
		t.Errorf("Audit with an Evicted pod: failed %v, findings %+v", r.Failed(), r.Findings)
	}
	if r.Stopped != 1 || len(r.Owners) != 1 || strings.Join(r.Owners[0].Stopped, ",") != "web-old-evicted" {
		t.Errorf("stopped = %d, owners %+v; want the evicted pod listed as stopped", r.Stopped, r.Owners)
	}
	// On the running pods' template, the evicted pod's old digest would be
	// skew, were it audited.
	sameTemplate := []Pod{pods[1], stoppedPod("web-old-evicted", "newhash", "Failed", img, "registry.example.com/shop/web@"+digest("a"))}
	if n := Audit(sameTemplate, nil).Count(Skew); n != 0 {
		t.Errorf("Audit reports %d skew for a Failed (Evicted) pod", n)
	}
}

// TestReadListOfNoPods: kubectl get deployments -o json is not pod output,
// though a List; an empty List is a cluster with no pods.
func TestReadListOfNoPods(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}]}`,
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n",
	} {
		if pods, err := Read(strings.NewReader(in), "pods.json"); err == nil || !strings.Contains(err.Error(), "a List of Deployment, not of Pods") {
			t.Errorf("Read(a List of Deployments) = %d pods, %v; want an error", len(pods), err)
		}
	}
	if pods, err := Read(strings.NewReader(`{"apiVersion": "v1", "kind": "List", "items": []}`), "pods.json"); err != nil || len(pods) != 0 {
		t.Errorf("Read(an empty List) = %d pods, %v; want none and no error", len(pods), err)
	}
}

// TestReadYAMLEmptyDocuments: a stream with a trailing --- or an empty
// document between two (outputs joined with echo ---) reads.
func TestReadYAMLEmptyDocuments(t *testing.T) {
	t.Parallel()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\nstatus:\n  phase: Running\n"
	for in, want := range map[string]int{pod + "---\n": 1, pod + "---\n---\n" + pod: 2} {
		if pods, err := Read(strings.NewReader(in), "pods.yaml"); err != nil || len(pods) != want {
			t.Errorf("Read = %d pods, %v; want %d", len(pods), err, want)
		}
	}
}
