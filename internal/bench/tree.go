package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/pin-tool/pin/internal/filetree"
	"github.com/pin-tool/pin/lockfile"
)

// Ref is one seeded tag.
type Ref struct {
	Repo string // below the registry: "library/svc07"
	Tag  string
}

// Refs are the tags Seed pushes: tags per repository in each of repos
// repositories, Docker Hub official-image style ("library/svc07:t13").
func Refs(repos, tags int) []Ref {
	var out []Ref
	for i := range repos {
		for j := range tags {
			out = append(out, Ref{Repo: fmt.Sprintf("library/svc%02d", i), Tag: fmt.Sprintf("t%02d", j)})
		}
	}
	return out
}

// spell writes ref the way a user might: short, docker.io/… or
// index.docker.io/…, all one image to pin.
func spell(r Ref, i int) string {
	short := strings.TrimPrefix(r.Repo, "library/") + ":" + r.Tag
	switch i % 3 {
	case 1:
		return "docker.io/" + r.Repo + ":" + r.Tag
	case 2:
		return "index.docker.io/" + r.Repo + ":" + r.Tag
	}
	return short
}

// WriteNetworkTree writes the tree pin resolves in the network benchmark:
// Kubernetes manifests that name every ref (each once, five to a
// Deployment, in varying spellings, and some twice), plus Compose files
// and Dockerfiles that name refs the manifests name too, so the distinct
// references are the same whether or not Compose files are read.
func WriteNetworkTree(dir string, refs []Ref) error {
	files := map[string]string{}
	for i := 0; i < len(refs); i += 5 {
		var imgs []string
		for j := i; j < min(i+5, len(refs)); j++ {
			imgs = append(imgs, spell(refs[j], j))
		}
		if i%50 == 0 {
			imgs = append(imgs, spell(refs[(i+7)%len(refs)], i+1)) // a reference written twice
		}
		files[fmt.Sprintf("deploy/%03d.yaml", i/5)] = deploymentYAML(fmt.Sprintf("app%03d", i/5), imgs, 0)
	}
	for i := 0; i < len(refs); i += 20 {
		var b strings.Builder
		b.WriteString("services:\n")
		for j := i; j < min(i+10, len(refs)); j++ {
			fmt.Fprintf(&b, "  s%d:\n    image: %s\n    restart: always\n", j, spell(refs[j], j+1))
		}
		files[fmt.Sprintf("compose/%02d/compose.yaml", i/20)] = b.String()
	}
	for i := 0; i < len(refs); i += 20 {
		files[fmt.Sprintf("docker/%02d/Dockerfile", i/20)] = fmt.Sprintf(
			"FROM %s AS build\nRUN make\nFROM %s\nCOPY --from=build /out /app\n", spell(refs[i], i), spell(refs[i+1], i))
	}
	return filetree.Write(dir, files)
}

// deploymentYAML is a Deployment, a Service and a ConfigMap, about pad+2.5
// KB, whose containers run imgs.
func deploymentYAML(name string, imgs []string, pad int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: shop
  labels: {app: %[1]s, tier: backend, team: payments}
  annotations:
    deployment.kubernetes.io/revision: "12"
    description: "The %[1]s service: serves requests and talks to its database"
spec:
  replicas: 3
  selector:
    matchLabels: {app: %[1]s}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: %[1]s, tier: backend}
    spec:
      serviceAccountName: %[1]s
      securityContext: {runAsNonRoot: true, fsGroup: 2000}
      containers:
`, name)
	for i, img := range imgs {
		fmt.Fprintf(&b, `        - name: c%d
          image: %s
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--log-level=info"]
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
          env:
            - name: DATABASE_URL
              valueFrom: {secretKeyRef: {name: %s-db, key: url}}
            - {name: CACHE_TTL, value: "300"}
            - {name: FEATURE_FLAGS, value: "checkout,search,recommendations"}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 512Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
          volumeMounts:
            - {name: config, mountPath: /etc/app, readOnly: true}
`, i, img, name)
	}
	fmt.Fprintf(&b, `      volumes:
        - name: config
          configMap: {name: %[1]s}
---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  selector: {app: %[1]s}
  ports:
    - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s
data:
  app.yaml: |
    # image: not-a-reference:1 (text inside a string)
    listen: :8080
`, name)
	for i := 0; b.Len() < pad; i++ {
		fmt.Fprintf(&b, "    setting%04d: value %d of the configuration, long enough to look real\n", i, i)
	}
	return b.String()
}

// WriteScanTree writes files Kubernetes manifests of about 5 KB each,
// every reference pinned, two per file from a pool of 1,000, and an
// images.lock that agrees with them: `pin verify --offline` passes on it.
// It returns the total size in bytes.
func WriteScanTree(dir string, files int) (int64, error) {
	const pool = 1000
	ref := func(i int) (key, pinned string) {
		name := fmt.Sprintf("registry.example.com/team%02d/svc%03d", i%50, i)
		sum := sha256.Sum256([]byte(name))
		d := "sha256:" + hex.EncodeToString(sum[:])
		return name + ":v1", name + ":v1@" + d
	}
	sources := map[string][]string{}
	m := map[string]string{}
	var size int64
	for f := range files {
		path := fmt.Sprintf("deploy/%03d/app%05d.yaml", f/100, f)
		var imgs []string
		for k := range 2 {
			key, pinned := ref((f*2 + k) % pool)
			imgs = append(imgs, pinned)
			sources[key] = append(sources[key], path)
		}
		s := deploymentYAML(fmt.Sprintf("app%05d", f), imgs, 4800)
		m[path] = s
		size += int64(len(s))
	}
	l := &lockfile.Lock{Version: lockfile.Version}
	for i := range pool {
		key, pinned := ref(i)
		if len(sources[key]) == 0 {
			continue
		}
		_, d, _ := strings.Cut(pinned, "@")
		srcs := slices.Clone(sources[key])
		l.Images = append(l.Images, lockfile.Entry{Image: key, Digest: d, Sources: srcs})
	}
	m["images.lock"] = string(l.Marshal())
	return size, filetree.Write(dir, m)
}
