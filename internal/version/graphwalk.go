package version

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/citools/citools/internal/commitgraph"
	"github.com/citools/citools/internal/git"
)

// graphWalk answers the same questions as walk, in this process, from git's
// commit-graph: parents are integer positions, so a walk of the whole
// history is a few milliseconds instead of git parsing every commit. Commits
// newer than the graph (the one a post-commit hook describes, say) are read
// with `git cat-file --batch` (git.Objects) until the walk reaches the graph.
type graphWalk struct {
	graph *commitgraph.Graph
	// Commits outside the graph get the positions after it.
	extraIndex   map[string]uint32
	extraParents [][]uint32
	root         uint32
	reach        bitset // ancestors of the revision, itself included
	reachCount   int
}

// maxOutside bounds the commits read one by one before the graph is judged
// too stale to help; git's own walk is then the faster way.
const maxOutside = 5000

var errStaleGraph = errors.New("commit-graph too far behind")

// graphUsable says whether git itself would trust the commit-graph here:
// not in a shallow clone, not with grafts or replace refs, which change
// parents behind the graph's back.
func graphUsable(repo *git.Repo, hasReplaceRefs bool) bool {
	if repo.Shallow || repo.Exists(filepath.Join("info", "grafts")) {
		return false
	}
	if hasReplaceRefs && os.Getenv("GIT_NO_REPLACE_OBJECTS") == "" {
		return false
	}
	return os.Getenv("GIT_OBJECT_DIRECTORY") == "" && os.Getenv("GIT_GRAFT_FILE") == ""
}

// newGraphWalk loads what the walk from rev needs. It returns
// commitgraph.ErrNotFound or errStaleGraph when git's walk should be used.
func newGraphWalk(ctx context.Context, repo *git.Repo, rev string) (*graphWalk, error) {
	g, err := commitgraph.Open(filepath.Join(repo.CommonDir, "objects"))
	if err != nil {
		return nil, err
	}
	w := &graphWalk{graph: g, extraIndex: map[string]uint32{}}
	root, err := w.load(ctx, repo, rev)
	if err != nil {
		g.Close()
		return nil, err
	}
	w.root = root
	w.reach = newBitset(w.size())
	w.reachCount = w.ancestors(root, w.reach)
	return w, nil
}

func (w *graphWalk) close() { w.graph.Close() }

func (w *graphWalk) size() uint32 { return w.graph.Len() + uint32(len(w.extraParents)) }

// node is the position of a commit, in the graph or after it.
func (w *graphWalk) node(hash string) (uint32, bool) {
	if pos, ok := w.graph.Lookup(hash); ok {
		return pos, true
	}
	pos, ok := w.extraIndex[hash]
	return pos, ok
}

// load gives every commit reachable from rev that the graph lacks a
// position, reading those commits with one `git cat-file --batch`.
func (w *graphWalk) load(ctx context.Context, repo *git.Repo, rev string) (uint32, error) {
	if pos, ok := w.graph.Lookup(rev); ok {
		return pos, nil
	}
	objects, err := repo.Objects(ctx)
	if err != nil {
		return 0, err
	}
	defer objects.Close()
	parentHashes := map[string][]string{}
	// extraIndex doubles as the set of commits already queued; the real
	// positions are given once all are read.
	w.extraIndex[rev] = 0
	order := []string{rev}
	for i := 0; i < len(order); i++ {
		if len(order) > maxOutside {
			return 0, errStaleGraph
		}
		_, parents, err := objects.Commit(order[i])
		if err != nil {
			return 0, err
		}
		parentHashes[order[i]] = parents
		for _, p := range parents {
			if _, inGraph := w.graph.Lookup(p); inGraph {
				continue
			}
			if _, queued := w.extraIndex[p]; !queued {
				w.extraIndex[p] = 0
				order = append(order, p)
			}
		}
	}
	base := w.graph.Len()
	for i, hash := range order {
		w.extraIndex[hash] = base + uint32(i)
	}
	w.extraParents = make([][]uint32, len(order))
	for i, hash := range order {
		for _, p := range parentHashes[hash] {
			pos, _ := w.node(p)
			w.extraParents[i] = append(w.extraParents[i], pos)
		}
	}
	return w.extraIndex[rev], nil
}

// parents appends the parents of node to buf.
func (w *graphWalk) parents(node uint32, buf []uint32) ([]uint32, error) {
	if node < w.graph.Len() {
		return w.graph.Parents(node, buf)
	}
	return append(buf, w.extraParents[node-w.graph.Len()]...), nil
}

// ancestors marks start and every commit reachable from it in mark and
// returns how many it marked. A corrupt graph stops the count early; the
// caller's answer would then be wrong, so the walk records the failure.
func (w *graphWalk) ancestors(start uint32, mark bitset) int {
	count := 0
	stack := []uint32{start}
	mark.set(start)
	var buf []uint32
	for len(stack) > 0 {
		node := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		count++
		var err error
		buf, err = w.parents(node, buf[:0])
		if err != nil {
			return -1
		}
		for _, p := range buf {
			if !mark.has(p) {
				mark.set(p)
				stack = append(stack, p)
			}
		}
	}
	return count
}

// distance is walk.distance, answered from the graph.
func (w *graphWalk) distance(commit string) (int, bool, error) {
	if w.reachCount < 0 {
		return 0, false, errors.New("commit-graph is corrupt")
	}
	node, ok := w.node(commit)
	if !ok || !w.reach.has(node) {
		return 0, false, nil
	}
	own := w.ancestors(node, newBitset(w.size()))
	if own < 0 {
		return 0, false, errors.New("commit-graph is corrupt")
	}
	return w.reachCount - own, true, nil
}

// countAll is walk.countAll, answered from the graph.
func (w *graphWalk) countAll() (int, error) {
	if w.reachCount < 0 {
		return 0, errors.New("commit-graph is corrupt")
	}
	return w.reachCount, nil
}

// bitset is a set of positions.
type bitset []uint64

func newBitset(n uint32) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i uint32)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i uint32) bool { return b[i/64]&(1<<(i%64)) != 0 }
