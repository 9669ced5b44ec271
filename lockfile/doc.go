// Package lockfile reads, writes and compares images.lock, the record of
// what each image reference resolved to.
package lockfile
