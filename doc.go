// Package pin runs pin's commands over a tree: walk, find references,
// resolve each distinct one once, plan the edits and the lock, check, write.
package pin
