package hooks

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// git's pkt-line framing (gitprotocol-common(5)), as its long-running filter
// protocol uses it: each packet is four hex digits giving its length,
// those four included, then the data; "0000" is a flush packet that ends a
// list or a stream of content.

// maxPacketData is the most data one packet carries.
const maxPacketData = 65516

type pktReader struct {
	r *bufio.Reader
}

// packet reads one packet; flush is true for a flush packet.
func (p *pktReader) packet() (data []byte, flush bool, err error) {
	var head [4]byte
	if _, err := io.ReadFull(p.r, head[:]); err != nil {
		return nil, false, err
	}
	n, err := strconv.ParseUint(string(head[:]), 16, 16)
	if err != nil {
		return nil, false, fmt.Errorf("pkt-line: bad length %q", head[:])
	}
	switch {
	case n == 0:
		return nil, true, nil
	case n < 4:
		return nil, false, fmt.Errorf("pkt-line: bad length %q", head[:])
	}
	data = make([]byte, n-4)
	if _, err := io.ReadFull(p.r, data); err != nil {
		return nil, false, unexpected(err)
	}
	return data, false, nil
}

// list reads text packets up to a flush, each without its newline. io.EOF
// means the stream ended cleanly before the list began.
func (p *pktReader) list() ([]string, error) {
	var lines []string
	for {
		data, flush, err := p.packet()
		if err != nil {
			if len(lines) > 0 {
				err = unexpected(err)
			}
			return nil, err
		}
		if flush {
			return lines, nil
		}
		lines = append(lines, strings.TrimSuffix(string(data), "\n"))
	}
}

// content reads packets up to a flush and joins their data.
func (p *pktReader) content() ([]byte, error) {
	var out []byte
	for {
		data, flush, err := p.packet()
		if err != nil {
			return nil, unexpected(err)
		}
		if flush {
			return out, nil
		}
		out = append(out, data...)
	}
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

type pktWriter struct {
	w *bufio.Writer
}

func (p *pktWriter) packet(data []byte) error {
	if _, err := fmt.Fprintf(p.w, "%04x", len(data)+4); err != nil {
		return err
	}
	_, err := p.w.Write(data)
	return err
}

// list writes each line as a text packet, then a flush.
func (p *pktWriter) list(lines ...string) error {
	for _, line := range lines {
		if err := p.packet([]byte(line + "\n")); err != nil {
			return err
		}
	}
	return p.flush()
}

// content writes data in as many packets as it takes, then a flush.
func (p *pktWriter) content(data []byte) error {
	for len(data) > 0 {
		n := min(len(data), maxPacketData)
		if err := p.packet(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return p.flush()
}

// flush writes a flush packet and sends everything written so far.
func (p *pktWriter) flush() error {
	if _, err := p.w.WriteString("0000"); err != nil {
		return err
	}
	return p.w.Flush()
}
