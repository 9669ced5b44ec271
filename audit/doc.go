// Package audit compares what a cluster's pods run, as kubectl prints them, within each workload and against images.lock.
package audit
