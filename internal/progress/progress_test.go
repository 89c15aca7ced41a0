package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// clock is a fake time that moves when told.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// reporter is a Reporter whose ticks and time the test drives.
func reporter(mode Mode) (*Reporter, *bytes.Buffer, *clock) {
	var out bytes.Buffer
	c := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := &Reporter{w: &out, mode: mode, interval: 10 * time.Second, now: c.now, stop: make(chan struct{}), done: make(chan struct{})}
	close(r.done)
	return r, &out, c
}

func TestLines(t *testing.T) {
	r, out, c := reporter(Lines)
	task := r.Start("restore shop", 936e6)
	io.Copy(io.Discard, task.Reader(strings.NewReader(strings.Repeat("x", 1000))))
	c.t = c.t.Add(5 * time.Second)
	r.refresh() // before the interval: nothing
	task.Add(100e6 - 1000)
	c.t = c.t.Add(5 * time.Second)
	r.refresh()
	r.Printf("restored %q", "shop")
	task.Finish()
	c.t = c.t.Add(20 * time.Second)
	r.refresh() // finished: no more lines
	want := "restore shop (936 MB) ...\n" +
		"restore shop: 100 MB of 936 MB (10%), 10.0 MB/s\n" +
		"restored \"shop\"\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("escape codes in log lines")
	}
}

func TestBars(t *testing.T) {
	r, out, c := reporter(Bars)
	a := r.Start("download backup.tar.gz", -1)
	b := r.Start("restore shop", 1000)
	b.Add(500)
	c.t = c.t.Add(time.Second)
	r.refresh()
	if got := out.String(); !strings.Contains(got, "restore shop") || !strings.Contains(got, "[============            ] 500 B of 1 kB (50%)") ||
		!strings.Contains(got, "[????????????????????????]") {
		t.Errorf("bars:\n%s", got)
	}
	out.Reset()
	r.Printf("restored %q", "shop")
	// the two bars are erased, the line printed, the bars drawn again
	if got := out.String(); !strings.HasPrefix(got, "\x1b[2A\x1b[Jrestored \"shop\"\n") {
		t.Errorf("Printf over bars wrote %q", got)
	}
	a.Finish()
	b.Finish()
	out.Reset()
	r.clear()
	if out.Len() != 0 {
		t.Errorf("cleared twice: %q", out.String())
	}
}

func TestQuiet(t *testing.T) {
	var out bytes.Buffer
	r := New(&out, Quiet, time.Millisecond)
	task := r.Start("restore shop", 10)
	task.Add(5)
	r.Printf("restored %q", "shop")
	task.Finish()
	r.Close()
	if out.Len() != 0 {
		t.Errorf("quiet wrote %q", out.String())
	}
	if task.Bytes() != 5 {
		t.Errorf("counted %d bytes, want 5", task.Bytes())
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1500, "2 kB"}, {1_500_000, "1.5 MB"}, {936_000_000, "936 MB"}, {2_500_000_000, "2.5 GB"}, {12e9, "12 GB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := Rate(51_600_000, time.Second); got != "51.6 MB/s" {
		t.Errorf("Rate = %q", got)
	}
	if got := Rate(1, 0); got != "-" {
		t.Errorf("Rate over no time = %q", got)
	}
}
