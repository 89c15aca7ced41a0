package hooks

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestPktLineRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := &pktWriter{w: bufio.NewWriter(&buf)}
	big := bytes.Repeat([]byte("0123456789"), 20000) // three packets' worth
	if err := w.list("command=clean", "pathname=VERSION"); err != nil {
		t.Fatal(err)
	}
	if err := w.content(big); err != nil {
		t.Fatal(err)
	}
	if err := w.content(nil); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "0012command=clean\n0015pathname=VERSION\n0000") {
		t.Fatalf("framing: %q", buf.String()[:40])
	}
	r := &pktReader{r: bufio.NewReader(&buf)}
	list, err := r.list()
	if err != nil || len(list) != 2 || field(list, "pathname") != "VERSION" {
		t.Fatalf("list = %q, %v", list, err)
	}
	content, err := r.content()
	if err != nil || !bytes.Equal(content, big) {
		t.Fatalf("content: %d bytes, %v", len(content), err)
	}
	if empty, err := r.content(); err != nil || len(empty) != 0 {
		t.Fatalf("empty content = %q, %v", empty, err)
	}
	if _, err := r.list(); !errors.Is(err, io.EOF) {
		t.Fatalf("at the end: %v, want io.EOF", err)
	}
}

func TestPktLineErrors(t *testing.T) {
	for in, want := range map[string]string{
		"00zz":         "bad length",
		"0002":         "bad length",
		"0010short":    io.ErrUnexpectedEOF.Error(),
		"0009abcde":    io.ErrUnexpectedEOF.Error(), // a list cut off before its flush
		"0009abcde000": io.ErrUnexpectedEOF.Error(),
	} {
		r := &pktReader{r: bufio.NewReader(strings.NewReader(in))}
		_, err := r.list()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}
