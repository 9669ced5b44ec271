// Package testregistry runs the real CNCF distribution registry on a loopback
// port and seeds it with random images, for integration tests and the demo.
package testregistry
