package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pin-tool/pin/lockfile"
)

func digest(c string) string { return "sha256:" + strings.Repeat(c, 64) }

// readFixture reads testdata/audit/name, and the lock beside it when lock is set.
func readFixture(t *testing.T, name, lock string) ([]Pod, *lockfile.Lock) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "audit")
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pods, err := Read(f, name)
	if err != nil {
		t.Fatalf("Read(%s) = %v", name, err)
	}
	if lock == "" {
		return pods, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, lock))
	if err != nil {
		t.Fatal(err)
	}
	l, err := lockfile.Parse(data)
	if err != nil {
		t.Fatalf("lockfile.Parse(%s) = %v", lock, err)
	}
	return pods, l
}

func TestAudit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, lock string
		pods, pending    int
		unchecked        int
		failed           bool
		want             []Finding
	}{
		{
			name: "clean rollout, against the lock", file: "clean.json", lock: "clean.lock",
			pods: 3, want: []Finding{},
		},
		{
			name: "clean rollout, no lock", file: "clean.json",
			pods: 3, want: []Finding{},
		},
		{
			name: "skewed Deployment after one pod restarted", file: "skew.json",
			pods: 3, failed: true,
			want: []Finding{
				{
					Kind: Skew, Severity: Error, Namespace: "shop", Owner: "Deployment/api", Container: "api", Template: "5c8d7f9b6c",
					Image:   "registry.example.com/shop/api:1.4",
					Message: "container api runs 2 digests of registry.example.com/shop/api:1.4 in one pod template (5c8d7f9b6c): sha256:111111111111 on 2 pods, sha256:222222222222 on 1 pod; started most recently: api-5c8d7f9b6c-x9k2p at 2026-03-02T14:03:11Z",
					Running: []Run{
						{Digest: digest("1"), Pods: []PodRun{{"api-5c8d7f9b6c-2fjx8", "2026-03-01T09:00:00Z"}, {"api-5c8d7f9b6c-hq6vn", "2026-03-01T09:00:30Z"}}},
						{Digest: digest("2"), Pods: []PodRun{{"api-5c8d7f9b6c-x9k2p", "2026-03-02T14:03:11Z"}}},
					},
					Newest: []string{"api-5c8d7f9b6c-x9k2p"},
				},
				{
					Kind: Unpinned, Severity: Warning, Namespace: "shop", Owner: "Deployment/api", Container: "wait-db", Image: "busybox:1.36",
					Message: "init container wait-db: image busybox:1.36 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.36 points at then",
					Tag:     "1.36", PullPolicy: "IfNotPresent", Risk: "medium",
				},
				{
					Kind: Unpinned, Severity: Warning, Namespace: "shop", Owner: "Deployment/api", Container: "api", Image: "registry.example.com/shop/api:1.4",
					Message: "container api: image registry.example.com/shop/api:1.4 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.4 points at then",
					Tag:     "1.4", PullPolicy: "IfNotPresent", Risk: "medium",
				},
			},
		},
		{
			name: "rollout in progress: two ReplicaSets, one pod pending", file: "rollout.yaml",
			pods: 4, pending: 1,
			want: []Finding{{
				Kind: Rollout, Severity: Info, Namespace: "shop", Owner: "Deployment/web",
				Message:   "rollout in progress: 2 pod templates (6f7b9c5d4: 2 pods, 7d9f8c6b5d: 2 pods)",
				Templates: []Template{{"6f7b9c5d4", 2}, {"7d9f8c6b5d", 2}},
			}},
		},
		{
			name: "StatefulSet by tag, one digest", file: "statefulset.json",
			pods: 2,
			want: []Finding{{
				Kind: Unpinned, Severity: Warning, Namespace: "shop", Owner: "StatefulSet/db", Container: "postgres", Image: "postgres:16.4",
				Message: "container postgres: image postgres:16.4 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :16.4 points at then",
				Tag:     "16.4", PullPolicy: "IfNotPresent", Risk: "medium",
			}},
		},
		{
			name: "DaemonSet on latest with a local image ID", file: "daemonset.json",
			pods: 3,
			want: []Finding{
				{
					Kind: Unverifiable, Severity: Warning, Namespace: "monitoring", Owner: "DaemonSet/node-exporter", Container: "node-exporter",
					Template: "6b8c9d7f5", Image: "quay.io/prometheus/node-exporter:latest",
					Message: "container node-exporter on 1 pod runs local image ID sha256:666666666666, with no repository digest: what code it is cannot be told",
					Pods:    []string{"node-exporter-tj5hm"},
				},
				{
					Kind: Unpinned, Severity: Warning, Namespace: "monitoring", Owner: "DaemonSet/node-exporter", Container: "node-exporter",
					Image:   "quay.io/prometheus/node-exporter:latest",
					Message: "container node-exporter: image quay.io/prometheus/node-exporter:latest has no digest and imagePullPolicy Always: every container start pulls whatever :latest points at then",
					Tag:     "latest", PullPolicy: "Always", Risk: "high",
				},
			},
		},
		{
			name: "a local image ID of an image the lock holds: not checked against it", file: "daemonset.json", lock: "daemonset.lock",
			pods: 3, unchecked: 1,
			want: []Finding{
				{
					Kind: Unverifiable, Severity: Warning, Namespace: "monitoring", Owner: "DaemonSet/node-exporter", Container: "node-exporter",
					Template: "6b8c9d7f5", Image: "quay.io/prometheus/node-exporter:latest",
					Message:   "container node-exporter on 1 pod runs local image ID sha256:666666666666, with no repository digest: what code it is cannot be told, nor whether it is the lock's sha256:555555555555",
					LockImage: "quay.io/prometheus/node-exporter:latest", Locked: digest("5"),
					Pods: []string{"node-exporter-tj5hm"},
				},
				{
					Kind: Unpinned, Severity: Warning, Namespace: "monitoring", Owner: "DaemonSet/node-exporter", Container: "node-exporter",
					Image:   "quay.io/prometheus/node-exporter:latest",
					Message: "container node-exporter: image quay.io/prometheus/node-exporter:latest has no digest and imagePullPolicy Always: every container start pulls whatever :latest points at then",
					Tag:     "latest", PullPolicy: "Always", Risk: "high",
				},
			},
		},
		{
			name: "bare pods, a CronJob's Job, a Job", file: "bare.json",
			pods: 4, pending: 1,
			want: []Finding{{
				Kind: Unpinned, Severity: Warning, Namespace: "default", Owner: "Pod/debug", Container: "debug", Image: "alpine",
				Message:    "container debug: image alpine has no tag or digest (so :latest) and imagePullPolicy Always: every container start pulls whatever :latest points at then",
				PullPolicy: "Always", Risk: "high",
			}},
		},
		{
			name: "drift from the lock, and an image the lock does not know", file: "drift.json", lock: "drift.lock",
			pods: 2, failed: true,
			want: []Finding{
				{
					Kind: Drift, Severity: Error, Namespace: "shop", Owner: "Deployment/web", Container: "web", Template: "58b7c9d6f4",
					Image:     "registry.example.com/shop/web:1.5",
					Message:   "container web runs sha256:dddddddddddd on 2 pods but the lock has sha256:bbbbbbbbbbbb for registry.example.com/shop/web:1.5",
					LockImage: "registry.example.com/shop/web:1.5", Locked: digest("b"), Digest: digest("d"),
					Pods: []string{"web-58b7c9d6f4-c4n8v", "web-58b7c9d6f4-l2r6s"},
				},
				{
					Kind: NotLocked, Severity: Warning, Namespace: "shop", Owner: "Deployment/web", Container: "envoy", Template: "58b7c9d6f4",
					Image:     "envoyproxy/envoy:v1.31.0@" + digest("f"),
					Message:   "container envoy: image docker.io/envoyproxy/envoy:v1.31.0 is not in the lock",
					LockImage: "docker.io/envoyproxy/envoy:v1.31.0",
				},
				{
					Kind: Unpinned, Severity: Warning, Namespace: "shop", Owner: "Deployment/web", Container: "web", Image: "registry.example.com/shop/web:1.5",
					Message: "container web: image registry.example.com/shop/web:1.5 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.5 points at then",
					Tag:     "1.5", PullPolicy: "IfNotPresent", Risk: "medium",
				},
			},
		},
		{
			name: "the same pods without the lock: no drift", file: "drift.json",
			pods: 2,
			want: []Finding{{
				Kind: Unpinned, Severity: Warning, Namespace: "shop", Owner: "Deployment/web", Container: "web", Image: "registry.example.com/shop/web:1.5",
				Message: "container web: image registry.example.com/shop/web:1.5 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.5 points at then",
				Tag:     "1.5", PullPolicy: "IfNotPresent", Risk: "medium",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pods, lock := readFixture(t, tt.file, tt.lock)
			r := Audit(pods, lock)
			if diff := cmp.Diff(tt.want, r.Findings); diff != "" {
				t.Errorf("Audit(%s).Findings (-want +got):\n%s", tt.file, diff)
			}
			if r.Pods != tt.pods || r.Pending != tt.pending || r.Failed() != tt.failed || r.LockChecked != (lock != nil) || r.Unchecked() != tt.unchecked {
				t.Errorf("Audit(%s) = %d pods, %d pending, failed %v, lock checked %v, %d unchecked; want %d, %d, %v, %v, %d",
					tt.file, r.Pods, r.Pending, r.Failed(), r.LockChecked, r.Unchecked(), tt.pods, tt.pending, tt.failed, lock != nil, tt.unchecked)
			}
		})
	}
}

// TestAuditOwners checks the grouping: top owners, templates, containers, pending pods.
func TestAuditOwners(t *testing.T) {
	t.Parallel()
	type container struct {
		Name     string
		Init     bool
		Template string
		Digests  []string
		NoID     []string
	}
	type owner struct {
		ID         string
		Inferred   bool
		Pods       int
		Pending    []string
		Templates  []Template
		Containers []container
	}
	summarise := func(r *Report) []owner {
		var out []owner
		for _, o := range r.Owners {
			w := owner{ID: o.Namespace + "/" + o.Kind + "/" + o.Name, Inferred: o.Inferred, Pods: o.Pods, Pending: o.Pending, Templates: o.Templates}
			for _, c := range o.Containers {
				sc := container{Name: c.Name, Init: c.Init, Template: c.Template, NoID: c.NoImageID}
				for _, run := range c.Running {
					sc.Digests = append(sc.Digests, run.Digest+run.LocalID)
				}
				w.Containers = append(w.Containers, sc)
			}
			out = append(out, w)
		}
		return out
	}
	tests := []struct {
		file string
		want []owner
	}{
		{"clean.json", []owner{{
			ID: "shop/Deployment/web", Pods: 3, Pending: []string{}, Templates: []Template{{"7d9f8c6b5d", 3}},
			Containers: []container{
				{Name: "migrate", Init: true, Template: "7d9f8c6b5d", Digests: []string{digest("e")}},
				{Name: "web", Template: "7d9f8c6b5d", Digests: []string{digest("b")}},
			},
		}}},
		{"rollout.yaml", []owner{{
			ID: "shop/Deployment/web", Pods: 4, Pending: []string{"web-7d9f8c6b5d-9dtwq"}, Templates: []Template{{"6f7b9c5d4", 2}, {"7d9f8c6b5d", 2}},
			Containers: []container{
				{Name: "web", Template: "6f7b9c5d4", Digests: []string{digest("a")}},
				{Name: "web", Template: "7d9f8c6b5d", Digests: []string{digest("b")}},
			},
		}}},
		{"statefulset.json", []owner{{
			ID: "shop/StatefulSet/db", Pods: 2, Pending: []string{}, Templates: []Template{{"db-5d8f7b6c9", 2}},
			Containers: []container{{Name: "postgres", Template: "db-5d8f7b6c9", Digests: []string{digest("4")}}},
		}}},
		{"daemonset.json", []owner{{
			ID: "monitoring/DaemonSet/node-exporter", Pods: 3, Pending: []string{}, Templates: []Template{{"6b8c9d7f5", 3}},
			Containers: []container{{Name: "node-exporter", Template: "6b8c9d7f5", Digests: []string{digest("6"), digest("5")}}},
		}}},
		{"bare.json", []owner{
			{ID: "default/Pod/debug", Pods: 1, Pending: []string{}, Templates: []Template{}, Containers: []container{{Name: "debug", Digests: []string{digest("7")}}}},
			{ID: "default/Pod/toolbox", Pods: 1, Pending: []string{"toolbox"}, Templates: []Template{}},
			{ID: "shop/CronJob/backup", Inferred: true, Pods: 1, Pending: []string{}, Templates: []Template{{"backup-29012345", 1}},
				Containers: []container{{Name: "backup", Template: "backup-29012345", Digests: []string{digest("9")}}}},
			{ID: "shop/Job/seed-data", Pods: 1, Pending: []string{}, Templates: []Template{}, Containers: []container{{Name: "seed", Digests: []string{digest("c")}}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			pods, _ := readFixture(t, tt.file, "")
			if diff := cmp.Diff(tt.want, summarise(Audit(pods, nil))); diff != "" {
				t.Errorf("Audit(%s).Owners (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestAuditNoImageIDYet(t *testing.T) {
	t.Parallel()
	pods, err := Read(strings.NewReader(`{"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
  "spec": {"containers": [{"name": "a", "image": "nginx:1.27@`+digest("a")+`"}]},
  "status": {"phase": "Running", "containerStatuses": [{"name": "a", "imageID": "", "state": {"waiting": {"reason": "ContainerCreating"}}}]}}`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	r := Audit(pods, nil)
	if got := r.Owners[0].Containers[0].NoImageID; !cmp.Equal(got, []string{"p"}) || len(r.Findings) != 0 {
		t.Errorf("Audit: NoImageID = %v, findings %v; want [p] and none", got, r.Findings)
	}
}

func TestOwnerOf(t *testing.T) {
	t.Parallel()
	yes := true
	ref := func(kind, name string) []OwnerReference {
		return []OwnerReference{{Kind: kind, Name: name, Controller: &yes}}
	}
	tests := []struct {
		name   string
		labels map[string]string
		refs   []OwnerReference
		want   owner
	}{
		{"bare", nil, nil, owner{Namespace: "ns", Kind: "Pod", Name: "p"}},
		{"deployment", map[string]string{"pod-template-hash": "7d9f8c6b5d"}, ref("ReplicaSet", "my-web-7d9f8c6b5d"), owner{Namespace: "ns", Kind: "Deployment", Name: "my-web", Template: "7d9f8c6b5d"}},
		{"replicaset alone", nil, ref("ReplicaSet", "frontend"), owner{Namespace: "ns", Kind: "ReplicaSet", Name: "frontend", Template: "frontend"}},
		{"replicaset whose hash is not its suffix", map[string]string{"pod-template-hash": "abc"}, ref("ReplicaSet", "frontend"), owner{Namespace: "ns", Kind: "ReplicaSet", Name: "frontend", Template: "frontend"}},
		{"statefulset", map[string]string{"controller-revision-hash": "db-5d8f7b6c9"}, ref("StatefulSet", "db"), owner{Namespace: "ns", Kind: "StatefulSet", Name: "db", Template: "db-5d8f7b6c9"}},
		{"daemonset", map[string]string{"controller-revision-hash": "6b8c9d7f5"}, ref("DaemonSet", "fluent-bit"), owner{Namespace: "ns", Kind: "DaemonSet", Name: "fluent-bit", Template: "6b8c9d7f5"}},
		{"cronjob's job", nil, ref("Job", "nightly-report-29012345"), owner{Namespace: "ns", Kind: "CronJob", Name: "nightly-report", Inferred: true, Template: "nightly-report-29012345"}},
		{"job with a short number", nil, ref("Job", "migrate-2024"), owner{Namespace: "ns", Kind: "Job", Name: "migrate-2024"}},
		{"static pod", nil, ref("Node", "node-a"), owner{Namespace: "ns", Kind: "Node", Name: "node-a"}},
		{"controller wins", nil, []OwnerReference{{Kind: "ConfigMap", Name: "x"}, {Kind: "StatefulSet", Name: "db", Controller: &yes}}, owner{Namespace: "ns", Kind: "StatefulSet", Name: "db"}},
	}
	for _, tt := range tests {
		p := Pod{Metadata: ObjectMeta{Name: "p", Namespace: "ns", Labels: tt.labels, OwnerReferences: tt.refs}}
		if got := ownerOf(&p); got != tt.want {
			t.Errorf("%s: ownerOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseImageID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, id, repo, digest string
		ok                   bool
	}{
		{"docker.io/library/nginx@" + digest("a"), "docker.io/library/nginx@" + digest("a"), "docker.io/library/nginx", digest("a"), true},
		{"docker-pullable://nginx@" + digest("a"), "nginx@" + digest("a"), "nginx", digest("a"), true},
		{"docker://registry.example.com:5000/web@" + digest("b"), "registry.example.com:5000/web@" + digest("b"), "registry.example.com:5000/web", digest("b"), true},
		{"docker://" + digest("c"), digest("c"), "", "", false},
		{digest("c"), digest("c"), "", "", false},
	}
	for _, tt := range tests {
		id, repo, d, ok := parseImageID(tt.in)
		if id != tt.id || repo != tt.repo || d != tt.digest || ok != tt.ok {
			t.Errorf("parseImageID(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.in, id, repo, d, ok, tt.id, tt.repo, tt.digest, tt.ok)
		}
	}
}
