package bench

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// Seed pushes one small linux/amd64 image to host/ref for each ref,
// directly to the registry (plain HTTP). The images share one layer and
// differ by their config, so each repository uploads one layer, and the
// repositories are written a few at a time.
func Seed(ctx context.Context, host string, refs []Ref) error {
	layer, err := random.Layer(1024, types.DockerLayer)
	if err != nil {
		return err
	}
	base, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	byRepo := map[string][]Ref{}
	var repos []string
	for _, r := range refs {
		if _, ok := byRepo[r.Repo]; !ok {
			repos = append(repos, r.Repo)
		}
		byRepo[r.Repo] = append(byRepo[r.Repo], r)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, repo := range repos {
		g.Go(func() error {
			m := map[name.Reference]remote.Taggable{}
			for _, r := range byRepo[repo] {
				tag, err := name.NewTag(host+"/"+r.Repo+":"+r.Tag, name.Insecure)
				if err != nil {
					return err
				}
				img, err := mutate.Config(base, v1.Config{Cmd: []string{"/app"}, Labels: map[string]string{"ref": tag.String()}})
				if err != nil {
					return err
				}
				cf, err := img.ConfigFile()
				if err != nil {
					return err
				}
				cf = cf.DeepCopy()
				cf.OS, cf.Architecture = "linux", "amd64"
				if img, err = mutate.ConfigFile(img, cf); err != nil {
					return err
				}
				m[tag] = img
			}
			if err := remote.MultiWrite(m, remote.WithContext(ctx), remote.WithJobs(4)); err != nil {
				return fmt.Errorf("seeding %s: %w", repo, err)
			}
			return nil
		})
	}
	return g.Wait()
}
