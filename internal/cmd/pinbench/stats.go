package main

import (
	"cmp"
	"slices"
)

// median of xs, which must not be empty.
func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
