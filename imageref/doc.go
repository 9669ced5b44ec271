// Package imageref parses container image references as people write them
// and gives the canonical form that pin locks and resolves.
package imageref
