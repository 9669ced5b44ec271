// Command pindemo runs pin on an example repository against a real registry
// on loopback, moves a tag upstream to show `pin verify` catching it, and
// exits non-zero when pin does not behave as promised; `make demo` runs it.
package main
