package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// sgr is an escape sequence that sets colour or style.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		p := &progress{w: &buf, color: color}
		p.update(1, 3)
		p.update(2, 3)
		p.done()
		out := buf.String()
		// The first count is drawn at once; the line is erased when done.
		start := "\rresolving "
		if color {
			start = "\r\x1b[36mresolving\x1b[0m "
		}
		if !strings.HasPrefix(out, start) || !strings.Contains(out, "| (1/3)") || !strings.HasSuffix(out, "\x1b[2K\r") {
			t.Errorf("progress line (color %v) = %q, want \\r, resolving … (1/3), erased at the end", color, out)
		}
		if hasColor := sgr.MatchString(out); hasColor != color {
			t.Errorf("progress line (color %v) has colour codes: %v: %q", color, hasColor, out)
		}
	}
}

// TestProgressOnlyOnATerminal checks that nothing is drawn to a pipe, a
// file or with -q.
func TestProgressOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	if p := newProgress(&bytes.Buffer{}, false); p != nil {
		t.Error("newProgress(buffer) drew a progress line")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := newProgress(f, false); p != nil {
		t.Error("newProgress(regular file) drew a progress line")
	}
	var none *progress
	none.done() // safe when there is no line
}

func TestNoColor(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
	}{{"", true}, {"1", false}, {"false", false}} {
		t.Setenv("NO_COLOR", tt.value)
		if got := colorAllowed(); got != tt.want {
			t.Errorf("NO_COLOR=%q: colorAllowed() = %v, want %v", tt.value, got, tt.want)
		}
	}
}
