package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is the line that counts references resolved, drawn on stderr
// while pin asks the registry. It is drawn only on a terminal, so logs and
// pipes never see it, and in colour only when NO_COLOR is not set.
// progressbar draws it: a maintained library that redraws in place,
// throttles and clears itself, which a hand-written \r loop does badly.
type progress struct {
	w     io.Writer
	color bool
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
}

// newProgress returns the progress line for stderr, or nil when stderr is
// not a terminal or -q asks for errors only.
func newProgress(stderr io.Writer, quiet bool) *progress {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) || os.Getenv("TERM") == "dumb" {
		return nil
	}
	return &progress{w: stderr, color: colorAllowed()}
}

// colorAllowed follows no-color.org: NO_COLOR set and not empty means none.
func colorAllowed() bool { return os.Getenv("NO_COLOR") == "" }

// update is the pin.Options.Progress callback: done of total references.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		desc := "resolving"
		if p.color {
			desc = "[cyan]resolving[reset]"
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionEnableColorCodes(p.color),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(24),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(50*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	_ = p.bar.Set(done)
}

// done clears the line, finished or not, before pin prints its results.
// It is safe on a nil progress.
func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}
