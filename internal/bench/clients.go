package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
)

var manifestAccept = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}, ",")

// Tokens fetches a pull token for each repository of refs from a Proxy
// with token auth: the floor's setup, not part of its time.
func Tokens(ctx context.Context, host string, refs []Ref) (map[string]string, error) {
	toks := map[string]string{}
	for _, r := range refs {
		if _, ok := toks[r.Repo]; ok {
			continue
		}
		u := "http://" + host + tokenPath + "?service=bench&scope=" + url.QueryEscape("repository:"+r.Repo+":pull")
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var tok struct{ Token string }
		err = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		toks[r.Repo] = tok.Token
	}
	return toks, nil
}

// Floor is the least any client can do: one HEAD per ref over one shared
// transport, jobs at a time, with tokens (by repository) in hand already
// when tokens is not nil.
func Floor(ctx context.Context, host string, refs []Ref, jobs int, tokens map[string]string) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = jobs
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, r := range refs {
		g.Go(func() error {
			u := "http://" + host + "/v2/" + r.Repo + "/manifests/" + r.Tag
			req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Accept", manifestAccept)
			if tokens != nil {
				req.Header.Set("Authorization", "Bearer "+tokens[r.Repo])
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Content-Digest") == "" {
				return fmt.Errorf("HEAD %s: %s", u, resp.Status)
			}
			return nil
		})
	}
	return g.Wait()
}

// Naive resolves each ref as `crane digest` in a loop does: a new client
// (transport, connections, ping, token) per reference, jobs at a time.
func Naive(ctx context.Context, host string, refs []Ref, jobs int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, r := range refs {
		g.Go(func() error {
			ref, err := name.ParseReference(host+"/"+r.Repo+":"+r.Tag, name.Insecure)
			if err != nil {
				return err
			}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			defer tr.CloseIdleConnections()
			_, err = remote.Head(ref, remote.WithContext(ctx), remote.WithTransport(tr), remote.WithAuth(authn.Anonymous))
			return err
		})
	}
	return g.Wait()
}
