// Command pinbench measures pin at scale (`make bench`): registry requests
// and wall time against the floor and the naive approach, and the scan
// against a bare YAML decode. See BENCHMARKS.md.
package main
