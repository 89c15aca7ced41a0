package git

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	work := filepath.Join(root, "work")
	gitIn(t, root, "init", "-q", "-b", "main", work)

	// No commits yet: the top is known, HEAD is not.
	repo, err := Open(ctx, work)
	if err != nil {
		t.Fatal(err)
	}
	if repo.Top != work || repo.Head != "" || repo.HeadRef != "refs/heads/main" || repo.Bare {
		t.Errorf("empty repository: %+v", repo)
	}

	gitIn(t, work, "commit", "-q", "--allow-empty", "-m", "one")
	head := gitIn(t, work, "rev-parse", "HEAD")
	os.Mkdir(filepath.Join(work, "sub"), 0o755)
	repo, err = Open(ctx, filepath.Join(work, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	if repo.Top != work || repo.Head != head || repo.HeadRef != "refs/heads/main" || repo.GitDir != filepath.Join(work, ".git") || repo.CommonDir != filepath.Join(work, ".git") {
		t.Errorf("subdirectory: %+v", repo)
	}

	gitIn(t, work, "checkout", "-q", "--detach")
	if repo, err = Open(ctx, work); err != nil || repo.HeadRef != "HEAD" || repo.Head != head {
		t.Errorf("detached: %+v, %v", repo, err)
	}

	bare := filepath.Join(root, "bare.git")
	gitIn(t, root, "clone", "-q", "--bare", work, bare)
	if repo, err = Open(ctx, bare); err != nil || !repo.Bare || repo.Top != "" || repo.Head != head || repo.Dir() != bare {
		t.Errorf("bare: %+v, %v", repo, err)
	}

	if repo, err = Open(ctx, filepath.Join(work, ".git")); err != nil || repo.Top != "" || repo.Head != head {
		t.Errorf("inside .git: %+v, %v", repo, err)
	}

	linked := filepath.Join(root, "linked")
	gitIn(t, work, "worktree", "add", "-q", "-b", "other", linked)
	repo, err = Open(ctx, linked)
	if err != nil || repo.Top != linked || repo.CommonDir != filepath.Join(work, ".git") || repo.GitDir == repo.CommonDir || repo.HeadRef != "refs/heads/other" {
		t.Errorf("linked worktree: %+v, %v", repo, err)
	}

	if _, err := Open(ctx, root); err == nil || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("outside a repository: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(root, "nowhere")); err == nil {
		t.Error("a missing directory: no error")
	}
}
