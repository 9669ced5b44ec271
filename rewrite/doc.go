// Package rewrite finds image references in each kind of file and splices
// new text into their exact byte ranges, leaving every other byte alone.
package rewrite
