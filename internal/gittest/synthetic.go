// Package gittest builds real git repositories for tests and benchmarks.
package gittest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// Synthetic describes a generated history: a mainline of Commits commits
// where every SideEvery-th commit merges a 3-commit side branch, with
// annotated tags on chosen mainline commits.
type Synthetic struct {
	Commits   int
	SideEvery int // 0: no side branches
	// Tags maps a tag name to how many mainline commits back from the tip
	// it sits (0 is the tip).
	Tags map[string]int
	// Branch is the branch written; "master" when empty.
	Branch string
}

// Build writes the history into a new repository at dir with
// `git fast-import`, which is how a 200,000-commit repository can be made in
// seconds.
func (s Synthetic) Build(ctx context.Context, dir string) error {
	if err := exec.CommandContext(ctx, "git", "init", "-q", dir).Run(); err != nil {
		return fmt.Errorf("git init %s: %w", dir, err)
	}
	branch := s.Branch
	if branch == "" {
		branch = "master"
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", dir, "symbolic-ref", "HEAD", "refs/heads/"+branch).CombinedOutput(); err != nil {
		return fmt.Errorf("git symbolic-ref: %v: %s", err, out)
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "fast-import", "--quiet")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	writeErr := s.stream(stdin, "refs/heads/"+branch)
	closeErr := stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git fast-import: %w", err)
	}
	if writeErr != nil {
		return writeErr
	}
	if closeErr != nil {
		return closeErr
	}
	// The side branches are merged; only their commits are wanted.
	_ = exec.CommandContext(ctx, "git", "-C", dir, "update-ref", "-d", "refs/heads/side").Run()
	return exec.CommandContext(ctx, "git", "-C", dir, "reset", "-q", "--hard").Run()
}

func (s Synthetic) stream(w io.Writer, ref string) error {
	out := bufio.NewWriterSize(w, 1<<20)
	tagAt := make(map[int][]string) // mainline index -> tags
	for name, back := range s.Tags {
		idx := s.Commits - 1 - back
		if idx < 0 {
			return fmt.Errorf("tag %s: %d commits back is before the first commit", name, back)
		}
		tagAt[idx] = append(tagAt[idx], name)
	}
	const start = 1500000000
	mark := 0
	prev := 0
	when := start
	commit := func(ref, msg string, from, merge int) int {
		mark++
		when++
		fmt.Fprintf(out, "commit %s\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n", ref, mark, when, len(msg)+1, msg)
		if from > 0 {
			fmt.Fprintf(out, "from :%d\n", from)
		}
		if merge > 0 {
			fmt.Fprintf(out, "merge :%d\n", merge)
		}
		if mark%100 == 1 {
			content := fmt.Sprintf("commit %d\n", mark)
			fmt.Fprintf(out, "M 644 inline file.txt\ndata %d\n%s\n", len(content), content)
		}
		return mark
	}
	for i := 0; i < s.Commits; i++ {
		merge := 0
		if s.SideEvery > 0 && i > 0 && i%s.SideEvery == 0 {
			side := prev
			for j := 0; j < 3; j++ {
				side = commit("refs/heads/side", fmt.Sprintf("side %d.%d", i, j), side, 0)
			}
			merge = side
		}
		prev = commit(ref, fmt.Sprintf("main %d", i), prev, merge)
		for _, name := range tagAt[i] {
			msg := "release " + name
			fmt.Fprintf(out, "tag %s\nfrom :%d\ntagger Bench <bench@example.com> %d +0000\ndata %d\n%s\n", name, prev, when, len(msg)+1, msg)
		}
	}
	return out.Flush()
}
