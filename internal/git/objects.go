package git

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Objects is a running `git cat-file --batch`: one process answers every
// question about objects (a hook's, the filter's, a walk's past the
// commit-graph), however many there are.
type Objects struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *bytes.Buffer
	err    error // why it stopped answering
}

// Objects starts the process; Close ends it.
func (r *Repo) Objects(ctx context.Context) (*Objects, error) {
	cmd := r.Command(ctx, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return &Objects{cmd: cmd, in: in, out: bufio.NewReader(out), stderr: &stderr}, nil
}

// Object reads the object rev names: its hash, type and content. typ is
// empty when rev names nothing.
func (c *Objects) Object(rev string) (hash, typ string, content []byte, err error) {
	if c.err != nil {
		return "", "", nil, c.err
	}
	if strings.Contains(rev, "\n") {
		return "", "", nil, nil // a name cat-file --batch cannot be asked about
	}
	if _, err := io.WriteString(c.in, rev+"\n"); err != nil {
		return "", "", nil, c.failed(err)
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return "", "", nil, c.failed(err)
	}
	fields := strings.Fields(header)
	if len(fields) != 3 {
		return "", "", nil, nil // "<rev> missing", "<rev> ambiguous"
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil {
		return "", "", nil, fmt.Errorf("git cat-file: unexpected answer %q", header)
	}
	content = make([]byte, size+1) // and the newline after it
	if _, err := io.ReadFull(c.out, content); err != nil {
		return "", "", nil, c.failed(err)
	}
	return fields[0], fields[1], content[:size], nil
}

// Blob is the content of the blob rev names, or nil when it names none.
func (c *Objects) Blob(rev string) ([]byte, error) {
	_, typ, content, err := c.Object(rev)
	if err != nil || typ != "blob" {
		return nil, err
	}
	return content, nil
}

// Commit is the hash and the parents of the commit rev names.
func (c *Objects) Commit(rev string) (hash string, parents []string, err error) {
	hash, typ, content, err := c.Object(rev)
	if err != nil {
		return "", nil, err
	}
	if typ != "commit" {
		return "", nil, fmt.Errorf("%s is not a commit", rev)
	}
	for _, line := range strings.Split(string(content), "\n") {
		if line == "" {
			break // the end of the headers
		}
		if parent, ok := strings.CutPrefix(line, "parent "); ok {
			parents = append(parents, parent)
		}
	}
	return hash, parents, nil
}

// failed stops the process, whose stderr can then be read, and keeps its
// complaint as the answer to every later question.
func (c *Objects) failed(err error) error {
	c.in.Close()
	c.cmd.Wait()
	c.err = fmt.Errorf("git cat-file: %w", err)
	if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
		line, _, _ := strings.Cut(msg, "\n")
		c.err = fmt.Errorf("git cat-file: %s", line)
	}
	return c.err
}

// Close ends the process.
func (c *Objects) Close() error {
	if c.err != nil {
		return nil // already stopped, and said why
	}
	c.in.Close()
	return c.cmd.Wait()
}
