package audit

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	t.Parallel()
	podJSON := `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
 "spec": {"containers": [{"name": "a", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent"}]},
 "status": {"phase": "Running", "startTime": "2026-03-01T09:00:00Z",
  "containerStatuses": [{"name": "a", "imageID": "docker.io/library/nginx@sha256:1", "state": {"running": {"startedAt": "2026-03-01T09:00:01Z"}}}]}}`
	podYAML := `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
spec:
  containers:
  - name: a
    image: nginx:1.27
    imagePullPolicy: IfNotPresent
status:
  phase: Running
  startTime: 2026-03-01T09:00:00Z
  containerStatuses:
  - name: a
    imageID: docker.io/library/nginx@sha256:1
    state:
      running:
        startedAt: "2026-03-01T09:00:01Z"
`
	want := []Pod{{
		Metadata: ObjectMeta{Name: "p", Namespace: "ns"},
		Spec:     PodSpec{Containers: []SpecContainer{{Name: "a", Image: "nginx:1.27", ImagePullPolicy: "IfNotPresent"}}},
		Status: PodStatus{Phase: "Running", StartTime: "2026-03-01T09:00:00Z", ContainerStatuses: []ContainerStatus{
			{Name: "a", ImageID: "docker.io/library/nginx@sha256:1", State: ContainerState{Running: &StateTime{"2026-03-01T09:00:01Z"}}},
		}},
	}}
	tests := []struct {
		name, in string
		want     []Pod
	}{
		{"one Pod, JSON", podJSON, want},
		{"one Pod, YAML", podYAML, want},
		{"List, JSON", `{"apiVersion": "v1", "kind": "List", "items": [` + podJSON + `], "metadata": {"resourceVersion": ""}}`, want},
		{"List, YAML", "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(podYAML, "\n"), "\n", "\n  ") + "\n", want},
		{"PodList items carry no kind", `{"kind": "PodList", "items": [` + strings.Replace(podJSON, `"kind": "Pod", `, "", 1) + `]}`, want},
		{"other kinds in a List are skipped", `{"kind": "List", "items": [{"kind": "Service", "metadata": {"name": "s"}}, ` + podJSON + `]}`, want},
		{"empty List", `{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}`, nil},
		{"a byte-order mark", "\ufeff" + podJSON, want},
		{"YAML documents", podYAML + "---\n" + podYAML, append(append([]Pod{}, want...), want...)},
	}
	for _, tt := range tests {
		got, err := Read(strings.NewReader(tt.in), "pods")
		if err != nil {
			t.Errorf("%s: Read = %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: Read (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string
	}{
		{"empty", "  \n", "reading pods.json: no input"},
		{"JSON syntax", "{\"kind\": \"List\",\n \"items\": [\n  {\"kind\": \"Pod\" \"x\"}]}", "reading pods.json: line 3: not valid JSON: invalid character '\"' after object key:value pair"},
		{"JSON cut short", "{\"kind\": \"List\",\n \"items\": [\n", "reading pods.json: line 3: not valid JSON: unexpected EOF"},
		{"JSON type", "{\"kind\": \"Pod\",\n \"metadata\": {\"name\": 7}}", `reading pods.json: line 2: not valid JSON: json: cannot unmarshal number into Go struct field ObjectMeta.Pod.metadata.name of type string`},
		{"YAML syntax", "kind: List\nitems:\n  - kind: Pod\n    spec: [\n", "reading pods.json: line 4: not valid YAML or JSON: did not find expected node content"},
		{"YAML type", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers: 3\n", "reading pods.json: line 5: not valid YAML or JSON: cannot unmarshal !!int `3` into []audit.SpecContainer"},
		{"not a pod", `{"apiVersion": "apps/v1", "kind": "Deployment"}`, "reading pods.json: kind Deployment is not a Pod or a List of Pods"},
		{"no kind", "name: x\n", "reading pods.json: no kind: not the output of kubectl get pods -o json or -o yaml"},
		{"text", "NAME   READY   STATUS\nweb-1  1/1     Running\n", "reading pods.json: line 1: no kind: not the output of kubectl get pods -o json or -o yaml"},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.in), "pods.json")
		var re *ReadError
		if !errors.As(err, &re) {
			t.Errorf("%s: Read = %v, want a *ReadError", tt.name, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s: Read = %q, want %q", tt.name, err, tt.want)
		}
		if !strings.Contains(re.Hint(), "kubectl get pods -o json") {
			t.Errorf("%s: hint %q does not say what to pipe", tt.name, re.Hint())
		}
	}
}
