//go:build unix

package pin

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f, the new version of a file info describes, that
// file's owner and group. pin refuses to replace another user's file with
// one of its own; a group pin cannot set (one its user is not in) is left
// as the system made it.
func keepOwner(f *os.File, info fs.FileInfo) error {
	want, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	now, err := f.Stat()
	if err != nil {
		return err
	}
	have, ok := now.Sys().(*syscall.Stat_t)
	if !ok || (have.Uid == want.Uid && have.Gid == want.Gid) {
		return nil
	}
	if err := f.Chown(int(want.Uid), int(want.Gid)); err == nil || have.Uid == want.Uid {
		return nil
	}
	return fmt.Errorf("the file belongs to user %d, and pin, running as user %d, cannot give its new version that owner", want.Uid, have.Uid)
}
