package audit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteText(t *testing.T) {
	t.Parallel()
	pods, _ := readFixture(t, "skew.json", "")
	var b strings.Builder
	if err := Audit(pods, nil).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `shop/Deployment/api: 3 pods
  init container wait-db: busybox:1.36 (IfNotPresent), template 5c8d7f9b6c
    sha256:3333333333333333333333333333333333333333333333333333333333333333  3 pods: api-5c8d7f9b6c-2fjx8, api-5c8d7f9b6c-hq6vn, api-5c8d7f9b6c-x9k2p (last started 2026-03-02T14:03:11Z)
  container api: registry.example.com/shop/api:1.4 (IfNotPresent), template 5c8d7f9b6c
    sha256:1111111111111111111111111111111111111111111111111111111111111111  2 pods: api-5c8d7f9b6c-2fjx8, api-5c8d7f9b6c-hq6vn (last started 2026-03-01T09:00:30Z)
    sha256:2222222222222222222222222222222222222222222222222222222222222222  1 pod: api-5c8d7f9b6c-x9k2p (last started 2026-03-02T14:03:11Z)

error: shop/Deployment/api: container api runs 2 digests of registry.example.com/shop/api:1.4 in one pod template (5c8d7f9b6c): sha256:111111111111 on 2 pods, sha256:222222222222 on 1 pod; started most recently: api-5c8d7f9b6c-x9k2p at 2026-03-02T14:03:11Z
warning: shop/Deployment/api: init container wait-db: image busybox:1.36 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.36 points at then
warning: shop/Deployment/api: container api: image registry.example.com/shop/api:1.4 has no digest and imagePullPolicy IfNotPresent: a pod on a node without the image pulls whatever :1.4 points at then

audited 3 pods in 1 workload: 1 skewed container, 2 unpinned images
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}
}

func TestWriteTextPendingAndLocal(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ file, want string }{
		{"rollout.yaml", "  pending: web-7d9f8c6b5d-9dtwq\n"},
		{"rollout.yaml", "audited 4 pods (1 pending) in 1 workload: 0 skewed containers, 0 unpinned images, 1 rollout in progress\n"},
		{"daemonset.json", "    sha256:6666666666666666666666666666666666666666666666666666666666666666 (local image ID, unverifiable)  1 pod: node-exporter-tj5hm"},
		{"bare.json", "shop/CronJob/backup: 1 pod, CronJob inferred from the Job's name\n"},
	} {
		pods, _ := readFixture(t, tt.file, "")
		var b strings.Builder
		if err := Audit(pods, nil).WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("WriteText(%s) lacks %q:\n%s", tt.file, tt.want, b.String())
		}
	}
}
