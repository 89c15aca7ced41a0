// Package progress shows how a long job is going: bars with bytes and rate
// on a terminal, a log line now and then otherwise, nothing when quiet.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is how progress is shown.
type Mode int

const (
	// Quiet shows nothing.
	Quiet Mode = iota
	// Lines logs a line when a task starts and ends, and every Interval.
	Lines
	// Bars redraws a bar per task in place, for a terminal.
	Bars
)

// Reporter shows the progress of tasks on w.
type Reporter struct {
	w        io.Writer
	mode     Mode
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	tasks []*Task
	drawn int // lines of bars on screen
	stop  chan struct{}
	done  chan struct{}
}

// Task is one job whose bytes are counted.
type Task struct {
	r     *Reporter
	label string
	total int64 // -1 when unknown
	start time.Time
	bytes atomic.Int64
	// lastLog is when Lines mode last logged the task.
	lastLog time.Time
}

// New starts a reporter; interval is how often Lines logs a running task.
func New(w io.Writer, mode Mode, interval time.Duration) *Reporter {
	r := &Reporter{w: w, mode: mode, interval: interval, now: time.Now, stop: make(chan struct{}), done: make(chan struct{})}
	if mode == Quiet {
		close(r.done)
		return r
	}
	tick := 200 * time.Millisecond
	if mode == Lines {
		tick = time.Second
	}
	go r.loop(tick)
	return r
}

func (r *Reporter) loop(tick time.Duration) {
	defer close(r.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.mu.Lock()
			r.refresh()
			r.mu.Unlock()
		}
	}
}

// Close stops redrawing and clears the bars.
func (r *Reporter) Close() {
	if r.mode == Quiet {
		return
	}
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
}

// Start begins a task; total is its size in bytes, -1 when unknown.
func (r *Reporter) Start(label string, total int64) *Task {
	t := &Task{r: r, label: label, total: total, start: r.now()}
	t.lastLog = t.start
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks = append(r.tasks, t)
	if r.mode == Lines {
		size := ""
		if total >= 0 {
			size = " (" + Bytes(total) + ")"
		}
		fmt.Fprintf(r.w, "%s%s ...\n", label, size)
	}
	return t
}

// Printf prints a line (a result, a warning) above the bars; not when quiet.
func (r *Reporter) Printf(format string, args ...any) {
	if r.mode == Quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clear()
	fmt.Fprintf(r.w, format+"\n", args...)
	r.draw()
}

// Add counts n more bytes done.
func (t *Task) Add(n int64) { t.bytes.Add(n) }

// Bytes is how many bytes are done.
func (t *Task) Bytes() int64 { return t.bytes.Load() }

// Elapsed is how long the task has run.
func (t *Task) Elapsed() time.Duration { return t.r.now().Sub(t.start) }

// Reader counts what is read through it.
func (t *Task) Reader(r io.Reader) io.Reader { return &countingReader{r: r, t: t} }

// Finish ends the task; its bar goes away.
func (t *Task) Finish() {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, other := range r.tasks {
		if other == t {
			r.tasks = append(r.tasks[:i], r.tasks[i+1:]...)
			break
		}
	}
	if r.mode == Bars {
		r.clear()
		r.draw()
	}
}

type countingReader struct {
	r io.Reader
	t *Task
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.t.bytes.Add(int64(n))
	return n, err
}

func (r *Reporter) refresh() {
	switch r.mode {
	case Bars:
		r.clear()
		r.draw()
	case Lines:
		now := r.now()
		for _, t := range r.tasks {
			if now.Sub(t.lastLog) >= r.interval {
				t.lastLog = now
				fmt.Fprintf(r.w, "%s: %s\n", t.label, t.status(now))
			}
		}
	}
}

// clear erases the bars drawn (the cursor is below them).
func (r *Reporter) clear() {
	if r.mode != Bars || r.drawn == 0 {
		return
	}
	fmt.Fprintf(r.w, "\x1b[%dA\x1b[J", r.drawn)
	r.drawn = 0
}

func (r *Reporter) draw() {
	if r.mode != Bars {
		return
	}
	now := r.now()
	var b strings.Builder
	for _, t := range r.tasks {
		fmt.Fprintf(&b, "%-28.28s %s %s\n", t.label, bar(t.bytes.Load(), t.total), t.status(now))
	}
	fmt.Fprint(r.w, b.String())
	r.drawn = len(r.tasks)
}

// status is "123 MB of 936 MB (13%), 51.6 MB/s".
func (t *Task) status(now time.Time) string {
	done := t.bytes.Load()
	s := Bytes(done)
	if t.total > 0 {
		s += fmt.Sprintf(" of %s (%d%%)", Bytes(t.total), done*100/t.total)
	}
	if secs := now.Sub(t.start).Seconds(); secs > 0 {
		s += ", " + Rate(done, now.Sub(t.start))
	}
	return s
}

func bar(done, total int64) string {
	const width = 24
	if total <= 0 {
		return "[" + strings.Repeat("?", width) + "]"
	}
	n := int(done * width / total)
	n = min(max(n, 0), width)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

// Bytes formats a size: "936 MB".
func Bytes(n int64) string {
	switch {
	case n >= 10e9:
		return fmt.Sprintf("%.0f GB", float64(n)/1e9)
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 10e6:
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// Rate formats bytes per second: "51.6 MB/s".
func Rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MB/s", float64(n)/1e6/d.Seconds())
}
