// Package bench measures pin against the floor and the naive approach: a
// request-counting proxy (with optional token auth and latency) in front
// of a registry, seeding, and generated trees of manifests.
package bench
