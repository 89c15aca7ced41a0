package version

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/citools/citools/internal/commitgraph"
	"github.com/citools/citools/internal/git"
)

// Result is the version of one revision and how it was found.
type Result struct {
	Version  Version
	Tag      string // the version-setting tag; empty when there is none
	Distance int    // commits since Tag (all commits when there is no tag)
	Commit   string // full hash of the revision
	Branch   string // the branch checked out or named; empty when detached
}

// BranchSuffix is the branch as a slug: lowercase, runs of anything but
// letters and digits become '-', trimmed ("story/123" -> "story-123").
func (r *Result) BranchSuffix() string {
	return Slug(r.Branch)
}

// Slug lowercases s and turns runs of other characters into single dashes.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// ErrEmpty is the error for a repository without commits.
var ErrEmpty = errors.New("the repository has no commits yet")

// Describe finds the version of rev ("" is HEAD) in repo: the highest
// version-setting tag reachable from it, plus the number of commits since.
//
// With a commit-graph file the walk happens here, in memory (graphwalk.go).
// Otherwise it is git's own: `rev-list --left-right --count TAG...REV` is one
// process that both proves the tag is reachable and counts the commits since
// it, at the cost of about one `git describe`, with shallow clones, replace
// refs and grafts honoured as git honours them.
func Describe(ctx context.Context, repo *git.Repo, rev string, sel *Selector) (*Result, error) {
	if rev == "" {
		rev = "HEAD"
	}
	commit, branch, err := resolve(ctx, repo, rev)
	if err != nil {
		return nil, err
	}
	tags, hasReplaceRefs, err := listTags(ctx, repo, sel)
	if err != nil {
		return nil, err
	}
	res := &Result{Commit: commit, Branch: branch}

	gitWalk := &walk{ctx: ctx, repo: repo, rev: commit, unreachable: map[string]bool{}, missing: map[string]bool{}}
	var winner *candidate
	var distance int
	found := false
	if graphUsable(repo, hasReplaceRefs) {
		// The commit-graph answers in milliseconds; anything amiss with it
		// and git's own walk answers instead.
		gw, err := newGraphWalk(ctx, repo, commit)
		if err == nil {
			winner, distance, err = settle(gw, tags)
			gw.close()
			found = err == nil
		}
		if err != nil && !errors.Is(err, commitgraph.ErrNotFound) && !errors.Is(err, errStaleGraph) {
			// A damaged commit-graph: git would trip over it too.
			gitWalk.noGraph = true
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if !found {
		if winner, distance, err = settle(gitWalk, tags); err != nil {
			return nil, err
		}
	}
	res.Distance = distance
	if winner != nil {
		res.Tag = winner.name
		res.Version = winner.version.With(distance)
	} else {
		res.Version = Version{0, 0, distance}
	}
	if repo.Shallow {
		if err := checkShallow(ctx, repo, commit, winner, tags, gitWalk); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// walker answers the two questions a version needs.
type walker interface {
	// distance says whether commit is an ancestor of the revision and, if
	// so, how many commits of the revision it lacks.
	distance(commit string) (int, bool, error)
	// countAll counts every commit reachable from the revision.
	countAll() (int, error)
}

// narrower is a walker that can rule out many candidates at once, for when
// trying them one by one has proved costly.
type narrower interface {
	narrow(rest []*candidate) error
}

// directTries is how many candidates are tried one by one before a
// narrower is asked to settle all the rest.
const directTries = 3

// settle finds the winning tag (nil for none) and the distance: commits
// since the tag, or all commits without one. Tags come highest first; among
// candidates of equal version the nearest wins.
func settle(w walker, tags []*candidate) (*candidate, int, error) {
	tries, narrowed := 0, false
	for i := 0; i < len(tags); {
		j := i + 1
		for j < len(tags) && tags[j].version.Compare(tags[i].version) == 0 {
			j++
		}
		if n, ok := w.(narrower); ok && tries >= directTries && !narrowed {
			if err := n.narrow(tags[i:]); err != nil {
				return nil, 0, err
			}
			narrowed = true
		}
		var best *candidate
		for _, c := range tags[i:j] {
			tries++
			distance, ok, err := w.distance(c.commit)
			if err != nil {
				return nil, 0, err
			}
			if ok && (best == nil || distance < best.distance) {
				c.distance = distance
				best = c
			}
		}
		if best != nil {
			return best, best.distance, nil
		}
		i = j
	}
	n, err := w.countAll()
	return nil, n, err
}

// resolve turns rev into a full commit hash and the branch it stands for,
// in one git process.
func resolve(ctx context.Context, repo *git.Repo, rev string) (commit, branch string, err error) {
	if rev == "HEAD" {
		// git.Open has asked already.
		if repo.Head == "" {
			return "", "", ErrEmpty
		}
		branch, _ = strings.CutPrefix(repo.HeadRef, "refs/heads/")
		if branch == repo.HeadRef {
			branch = ""
		}
		return repo.Head, branch, nil
	}
	if strings.HasPrefix(rev, "-") {
		return "", "", fmt.Errorf("revision %q: must not start with '-'", rev)
	}
	out, err := repo.Output(ctx, "rev-parse", rev+"^{commit}", "--symbolic-full-name", rev, "--")
	if err != nil {
		return "", "", fmt.Errorf("revision %q: not a commit in this repository", rev)
	}
	// The hash, then the full ref name when rev names one, then "--".
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	commit = lines[0]
	if len(lines) == 3 {
		branch, _ = strings.CutPrefix(lines[1], "refs/heads/")
		if branch == lines[1] {
			branch = ""
		}
	}
	return commit, branch, nil
}

// candidate is a version-setting tag.
type candidate struct {
	name     string
	commit   string // the commit it points at, peeled
	version  Version
	distance int
}

// listTags lists the tags sel accepts, highest version first; among equal
// versions the shorter, then alphabetically first, name first. It also says
// whether the repository has replace refs, which change history as git sees it.
func listTags(ctx context.Context, repo *git.Repo, sel *Selector) ([]*candidate, bool, error) {
	out, err := repo.Output(ctx, "for-each-ref",
		"--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)", "refs/tags", "refs/replace")
	if err != nil {
		return nil, false, err
	}
	var tags []*candidate
	var nested []*candidate // tags of tags: peeled below
	hasReplaceRefs := false
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Split(line, "\x00")
		if len(fields) != 5 {
			continue
		}
		if strings.HasPrefix(fields[0], "refs/replace/") {
			hasReplaceRefs = true
			continue
		}
		name := strings.TrimPrefix(fields[0], "refs/tags/")
		v, ok := sel.Version(name)
		if !ok {
			continue
		}
		c := &candidate{name: name, version: v}
		switch {
		case fields[1] == "commit":
			c.commit = fields[2]
		case fields[3] == "commit":
			c.commit = fields[4]
		case fields[3] == "tag":
			nested = append(nested, c)
			continue
		default:
			continue // a tag of a tree or blob sets nothing
		}
		tags = append(tags, c)
	}
	for _, c := range nested {
		commit, err := repo.Line(ctx, "rev-parse", "--verify", "-q", "refs/tags/"+c.name+"^{commit}")
		if err == nil {
			c.commit = commit
			tags = append(tags, c)
		}
	}
	sort.SliceStable(tags, func(i, j int) bool {
		if c := tags[i].version.Compare(tags[j].version); c != 0 {
			return c > 0
		}
		if len(tags[i].name) != len(tags[j].name) {
			return len(tags[i].name) < len(tags[j].name)
		}
		return tags[i].name < tags[j].name
	})
	return tags, hasReplaceRefs, nil
}

// walk asks git about the history of one revision.
type walk struct {
	ctx  context.Context
	repo *git.Repo
	rev  string
	// unreachable remembers candidates proved not to be ancestors.
	unreachable map[string]bool
	// missing remembers tag commits whose objects are not in the repository.
	missing map[string]bool
	// noGraph tells git not to read a commit-graph found to be damaged.
	noGraph bool
}

// output runs git for the walk and returns what it prints.
func (w *walk) output(args ...string) ([]byte, error) {
	if w.noGraph {
		args = append([]string{"-c", "core.commitGraph=false"}, args...)
	}
	return w.repo.Output(w.ctx, args...)
}

// distance counts the commits of rev that commit lacks, and says whether
// commit is an ancestor of rev at all (no commits of its own).
func (w *walk) distance(commit string) (int, bool, error) {
	if commit == w.rev {
		return 0, true, nil
	}
	if w.unreachable[commit] || w.missing[commit] {
		return 0, false, nil
	}
	out, err := w.output("rev-list", "--left-right", "--count", commit+"..."+w.rev, "--")
	if err != nil {
		if w.ctx.Err() != nil {
			return 0, false, w.ctx.Err()
		}
		if w.repo.Shallow || strings.Contains(err.Error(), "bad object") || strings.Contains(err.Error(), "unknown revision") {
			// The tag's commit is not here (a shallow or partial clone).
			w.missing[commit] = true
			return 0, false, nil
		}
		return 0, false, err
	}
	left, right, ok := strings.Cut(strings.TrimSpace(string(out)), "\t")
	l, err1 := strconv.Atoi(left)
	r, err2 := strconv.Atoi(right)
	if !ok || err1 != nil || err2 != nil {
		return 0, false, fmt.Errorf("git rev-list --left-right --count: unexpected output %q", out)
	}
	if l > 0 {
		w.unreachable[commit] = true
		return 0, false, nil
	}
	return r, true, nil
}

// narrow finds, in one walk, which of the remaining candidates are
// ancestors of the revision, so that a history with many higher tags on other
// branches costs two walks, not one per tag.
func (w *walk) narrow(rest []*candidate) error {
	seen := map[string]bool{}
	var args []string
	for _, c := range rest {
		if !seen[c.commit] && !w.unreachable[c.commit] && !w.missing[c.commit] {
			seen[c.commit] = true
			args = append(args, "refs/tags/"+c.name)
		}
	}
	if len(args) == 0 {
		return nil
	}
	out, err := w.output(append([]string{"for-each-ref", "--merged=" + w.rev, "--format=%(objectname) %(*objectname)"}, args...)...)
	if err != nil {
		if w.ctx.Err() != nil {
			return w.ctx.Err()
		}
		return nil // leave it to the direct walks (e.g. a missing object)
	}
	merged := map[string]bool{}
	for _, hash := range strings.Fields(string(out)) {
		merged[hash] = true
	}
	for commit := range seen {
		if !merged[commit] {
			w.unreachable[commit] = true
		}
	}
	return nil
}

// countAll counts every commit reachable from the revision.
func (w *walk) countAll() (int, error) {
	out, err := w.output("rev-list", "--count", w.rev, "--")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(out)))
}

// checkShallow refuses an answer that the missing history of a shallow clone
// could change: a cut-off commit among those counted, or, when the
// revision's history is cut off anywhere, a higher tag that could sit in the
// part that is missing.
func checkShallow(ctx context.Context, repo *git.Repo, commit string, winner *candidate, tags []*candidate, w *walk) error {
	boundary, err := readShallow(repo)
	if err != nil || len(boundary) == 0 {
		return err
	}
	reachable, err := revList(ctx, repo, commit)
	if err != nil {
		return err
	}
	var cut []string
	for hash := range boundary {
		if reachable[hash] {
			cut = append(cut, hash)
		}
	}
	if len(cut) == 0 {
		return nil // the history of this revision is complete
	}
	hint := "run `git fetch --unshallow` and try again"
	if winner == nil {
		return fmt.Errorf("shallow clone: no version tag in the history that is here, and the rest of the history is missing; %s", hint)
	}
	counted, err := revList(ctx, repo, commit, "^"+winner.commit)
	if err != nil {
		return err
	}
	for _, hash := range cut {
		if counted[hash] {
			return fmt.Errorf("shallow clone: the commits since %s reach the shallow boundary, so their number is unknown; %s", winner.name, hint)
		}
	}
	for _, c := range tags {
		if c.version.Compare(winner.version) <= 0 {
			break
		}
		if w.unreachable[c.commit] || w.missing[c.commit] {
			return fmt.Errorf("shallow clone: tag %s (higher than %s) may be in the history that is missing; %s", c.name, winner.name, hint)
		}
	}
	return nil
}

// readShallow reads the commits at which a shallow clone's history is cut.
func readShallow(repo *git.Repo) (map[string]bool, error) {
	data, err := os.ReadFile(filepath.Join(repo.CommonDir, "shallow"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, line := range strings.Fields(string(data)) {
		set[line] = true
	}
	return set, nil
}

// revList returns the set of commits `git rev-list args...` lists.
func revList(ctx context.Context, repo *git.Repo, args ...string) (map[string]bool, error) {
	cmd := repo.Command(ctx, append(append([]string{"rev-list"}, args...), "--")...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	scanner := bufio.NewScanner(stdout)
	for scanner.Scan() {
		set[scanner.Text()] = true
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("git rev-list: %s", strings.TrimSpace(stderr.String()))
	}
	return set, nil
}
