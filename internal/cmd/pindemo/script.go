package main

import (
	"context"
	"fmt"
)

// script is the demo proper: pin everything, move a tag upstream, catch it,
// update, and check that pin left every other byte alone.
func (s *session) script(ctx context.Context, digests map[string]string) error {
	old := digests[moved.ref]
	steps := []func() error{
		func() error { return s.run(ctx, 0, "", "list") },
		func() error { return s.run(ctx, 0, "", s.online("update", "--diff")...) },
		func() error { return s.checkPinned(digests) },
		func() error { return s.cat("images.lock") },
		func() error { return s.run(ctx, 0, "registry, lock and sources agree", s.online("verify")...) },
		func() error {
			d, err := push(ctx, s.reg, moved)
			if err != nil {
				return err
			}
			digests[moved.ref] = d
			s.say("\n# upstream pushed a new build to %s: the tag now points at %s, the lock still says %s",
				moved.ref, short(d), short(old))
			return nil
		},
		func() error { return s.run(ctx, 1, "the moved tag was caught", s.online("verify")...) },
		func() error { return s.run(ctx, 0, "sources and lock still agree", "verify", "--offline") },
		func() error { return s.run(ctx, 0, "", s.online("update", "--diff")...) },
		func() error { return s.checkPinned(digests) },
		func() error { return s.checkGone(old) },
		func() error { return s.run(ctx, 0, "", s.online("verify")...) },
		func() error { return s.run(ctx, 0, "nothing left to change", s.online("update", "--exit-code")...) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	s.say("\n# demo passed")
	return nil
}

// checkGone fails when a digest still appears in the repository.
func (s *session) checkGone(digest string) error {
	files, err := s.files()
	if err != nil {
		return err
	}
	for name, text := range files {
		if containsDigest(text, digest) {
			return fmt.Errorf("%s still holds the old digest %s after update", name, digest)
		}
	}
	return nil
}
