package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progressInterval is how often the progress line is redrawn: often enough
// to look alive, rarely enough to cost nothing.
const progressInterval = 100 * time.Millisecond

// isTerminal reports whether w is a terminal, the only place a redrawn
// progress line is readable; in a pipe or a log file it would be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// progress redraws one status line on a terminal until stopped: what is
// being done, a spinner and the time so far. Compression has no
// intermediate results to report, so the line shows that work goes on.
type progress struct {
	w     io.Writer
	label string
	start time.Time
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// startProgress draws the line at once and keeps redrawing it.
func startProgress(w io.Writer, label string) *progress {
	p := &progress{w: w, label: label, start: time.Now(), quit: make(chan struct{}), done: make(chan struct{})}
	p.draw(0)
	go p.run()
	return p
}

var spinner = [...]string{"|", "/", "-", "\\"}

func (p *progress) draw(frame int) {
	// \r returns to the start of the line and \x1b[K erases what is left
	// of the previous drawing.
	fmt.Fprintf(p.w, "\rheadroom: %s %s %.1fs\x1b[K", p.label, spinner[frame%len(spinner)], time.Since(p.start).Seconds())
}

func (p *progress) run() {
	defer close(p.done)
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for frame := 1; ; frame++ {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.draw(frame)
		}
	}
}

// stop erases the line, so whatever follows starts on a clean one. It is
// safe to call more than once and on a nil progress.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.quit)
		<-p.done
		fmt.Fprint(p.w, "\r\x1b[K")
	})
}
