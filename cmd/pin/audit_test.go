package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// auditFixture is the path of a pod list kept in testdata/audit.
func auditFixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "audit", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // a line stdout must hold
		stderr     string // all of stderr
		wantStderr bool
	}{
		{"clean", []string{"audit", "--lock", auditFixture(t, "clean.lock"), auditFixture(t, "clean.json")}, 0,
			"audited 3 pods in 1 workload: 0 skewed containers, 0 unpinned images, 0 drifted from the lock, 0 images not in the lock\n", "", true},
		{"skew", []string{"audit", auditFixture(t, "skew.json")}, 1,
			"error: shop/Deployment/api: container api runs 2 digests of registry.example.com/shop/api:1.4 in one pod template (5c8d7f9b6c)", "pin: audit failed: 1 skewed\n", true},
		{"drift", []string{"audit", "--lock", auditFixture(t, "drift.lock"), auditFixture(t, "drift.json")}, 1,
			"error: shop/Deployment/web: container web runs sha256:dddddddddddd on 2 pods but the lock has sha256:bbbbbbbbbbbb", "pin: audit failed: 1 drifted from the lock\n", true},
		{"unpinned alone is a warning", []string{"audit", auditFixture(t, "daemonset.json")}, 0,
			"warning: monitoring/DaemonSet/node-exporter: container node-exporter: image quay.io/prometheus/node-exporter:latest has no digest", "", true},
		{"rollout is not skew", []string{"audit", auditFixture(t, "rollout.yaml")}, 0,
			"info: shop/Deployment/web: rollout in progress: 2 pod templates", "", true},
		{"quiet keeps the report, drops the failure line", []string{"audit", "-q", auditFixture(t, "skew.json")}, 1, "error: shop/Deployment/api", "", true},
		{"missing file", []string{"audit", "no-such-pods.json"}, 2, "",
			"pin: reading no-such-pods.json: no such file or directory\nhint: pipe the output of kubectl get pods -o json (or -o yaml): kubectl get pods -A -o json | pin audit -\n", true},
		{"lock that is not a lock", []string{"audit", "--lock", auditFixture(t, "clean.json"), auditFixture(t, "clean.json")}, 2, "", "", false},
		{"missing lock", []string{"audit", "--lock", "no-such.lock", auditFixture(t, "clean.json")}, 2, "",
			"pin: reading the lock: no such file or directory (no-such.lock)\n", true},
		{"github format", []string{"audit", "--format", "github", auditFixture(t, "clean.json")}, 2, "",
			"pin: audit prints --format text or json\nhint: run pin --help for usage\n", true},
		{"no argument", []string{"audit"}, 2, "", "pin: accepts 1 arg(s), received 0\nhint: run pin --help for usage\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPin(t, tt.args...).want(t, tt.code)
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("pin %s: stdout lacks %q:\n%s", strings.Join(tt.args, " "), tt.stdout, r.stdout)
			}
			if tt.wantStderr && r.stderr != tt.stderr {
				t.Errorf("pin %s: stderr = %q, want %q", strings.Join(tt.args, " "), r.stderr, tt.stderr)
			}
			if !tt.wantStderr && !strings.HasPrefix(r.stderr, "pin: ") {
				t.Errorf("pin %s: stderr = %q, want a pin: error", strings.Join(tt.args, " "), r.stderr)
			}
		})
	}
}

func TestAuditJSON(t *testing.T) {
	args := []string{"audit", "--format", "json", "--lock", auditFixture(t, "drift.lock"), auditFixture(t, "drift.json")}
	r := runPin(t, args...).want(t, 1)
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing beside the JSON", r.stderr)
	}
	var doc struct {
		Pods        int  `json:"pods"`
		LockChecked bool `json:"lockChecked"`
		Owners      []struct {
			Kind, Name string
		} `json:"owners"`
		Findings []struct {
			Kind, Severity, Container, Locked, Digest string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("audit --format json is not JSON: %v\n%s", err, r.stdout)
	}
	type finding = struct{ Kind, Severity, Container, Locked, Digest string }
	want := []finding{
		{"drift", "error", "web", "sha256:" + strings.Repeat("b", 64), "sha256:" + strings.Repeat("d", 64)},
		{"not-locked", "warning", "envoy", "", ""},
		{"unpinned", "warning", "web", "", ""},
	}
	if diff := cmp.Diff(want, doc.Findings); diff != "" || doc.Pods != 2 || !doc.LockChecked || len(doc.Owners) != 1 || doc.Owners[0].Name != "web" {
		t.Errorf("audit json: pods %d, lock %v, owners %v, findings (-want +got):\n%s", doc.Pods, doc.LockChecked, doc.Owners, diff)
	}
	if again := runPin(t, args...).stdout; again != r.stdout {
		t.Errorf("audit --format json differs between two runs")
	}
	r = runPin(t, "audit", "--format", "json", auditFixture(t, "clean.json")).want(t, 0)
	if !strings.Contains(r.stdout, `"findings": []`) || !strings.Contains(r.stdout, `"lockChecked": false`) {
		t.Errorf("clean audit json:\n%s", r.stdout)
	}
}
