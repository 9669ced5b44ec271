// Package resolve asks container registries which digest an image reference points at.
package resolve
