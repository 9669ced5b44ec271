//go:build !linux

package pin

// parserThread does nothing where there is no scheduler hint to give.
func parserThread() {}
