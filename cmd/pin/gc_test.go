package main

import "testing"

func TestSoftLimit(t *testing.T) {
	for _, tc := range []struct{ limit, want int64 }{
		{0, 1 << 30},
		{512 << 20, 256 << 20},
		{2 << 30, 1 << 30},
		{16 << 30, 1 << 30},
	} {
		if got := softLimit(tc.limit); got != tc.want {
			t.Errorf("softLimit(%d) = %d, want %d", tc.limit, got, tc.want)
		}
	}
}
