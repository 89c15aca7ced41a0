// Package commitgraph reads git's commit-graph file (a single file or a
// split chain), the index git itself writes to walk history without parsing
// commit objects: every commit's parents as integer positions.
//
// The format is git's Documentation/gitformat-commit-graph.txt. Anything
// unexpected is an error, and callers then let git do the walk.
package commitgraph

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNotFound means the repository has no commit-graph.
var ErrNotFound = errors.New("no commit-graph")

const (
	parentNone    = 0x70000000
	parentOctopus = 0x80000000
	edgeLast      = 0x80000000

	chunkOIDFanout = 0x4f494446 // OIDF
	chunkOIDLookup = 0x4f49444c // OIDL
	chunkData      = 0x43444154 // CDAT
	chunkEdges     = 0x45444745 // EDGE
)

// Graph is a commit-graph: a sequence of layers, the base first. Positions
// are global across layers, as in git.
type Graph struct {
	layers  []*layer
	hashLen int
	total   uint32
	// The parents of every commit, copied out of the layers' commit data in
	// one sequential pass: a walk then jumps around a few hundred kilobytes
	// instead of the whole file, which is what makes it fast (positions are
	// in hash order, so parents are nowhere near their children).
	first, second []uint32
}

type layer struct {
	data   []byte // the whole file
	close  func() error
	offset uint32 // positions of lower layers
	count  uint32
	fanout []byte
	oids   []byte
	cdat   []byte
	edges  []byte
}

// Open reads the commit-graph of the object directory objects: the single
// file objects/info/commit-graph when present (as git prefers it), else the
// chain under objects/info/commit-graphs.
func Open(objects string) (*Graph, error) {
	single := filepath.Join(objects, "info", "commit-graph")
	if _, err := os.Stat(single); err == nil {
		l, hashLen, err := openLayer(single)
		if err != nil {
			return nil, err
		}
		g := &Graph{hashLen: hashLen}
		if err := g.add(l); err != nil {
			return nil, err
		}
		g.index()
		return g, nil
	}
	chainDir := filepath.Join(objects, "info", "commit-graphs")
	f, err := os.Open(filepath.Join(chainDir, "commit-graph-chain"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g := &Graph{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		name := strings.TrimSpace(scanner.Text())
		if name == "" {
			continue
		}
		l, hashLen, err := openLayer(filepath.Join(chainDir, "graph-"+name+".graph"))
		if err != nil {
			g.Close()
			return nil, err
		}
		if g.hashLen != 0 && g.hashLen != hashLen {
			l.close()
			g.Close()
			return nil, errors.New("commit-graph chain mixes hash algorithms")
		}
		g.hashLen = hashLen
		if err := g.add(l); err != nil {
			g.Close()
			return nil, err
		}
	}
	if err := scanner.Err(); err != nil {
		g.Close()
		return nil, err
	}
	if len(g.layers) == 0 {
		return nil, ErrNotFound
	}
	g.index()
	return g, nil
}

// index copies the two parent columns out of every layer.
func (g *Graph) index() {
	g.first = make([]uint32, g.total)
	g.second = make([]uint32, g.total)
	stride := g.hashLen + 16
	for _, l := range g.layers {
		first, second := g.first[l.offset:], g.second[l.offset:]
		for i := 0; i < int(l.count); i++ {
			entry := l.cdat[i*stride+g.hashLen:]
			first[i] = binary.BigEndian.Uint32(entry)
			second[i] = binary.BigEndian.Uint32(entry[4:])
		}
	}
}

func (g *Graph) add(l *layer) error {
	l.offset = g.total
	if uint64(g.total)+uint64(l.count) >= parentNone {
		l.close()
		return errors.New("commit-graph too large")
	}
	g.total += l.count
	g.layers = append(g.layers, l)
	return nil
}

// Close releases the files.
func (g *Graph) Close() error {
	var first error
	for _, l := range g.layers {
		if err := l.close(); err != nil && first == nil {
			first = err
		}
	}
	g.layers = nil
	return first
}

// Len is the number of commits in the graph.
func (g *Graph) Len() uint32 { return g.total }

// HashLen is the length of a binary object id: 20 (SHA-1) or 32 (SHA-256).
func (g *Graph) HashLen() int { return g.hashLen }

// Lookup finds a commit, given as a hex hash, and returns its position.
func (g *Graph) Lookup(hexHash string) (uint32, bool) {
	if len(hexHash) != 2*g.hashLen {
		return 0, false
	}
	var buf [32]byte
	id := buf[:g.hashLen]
	if _, err := hex.Decode(id, []byte(hexHash)); err != nil {
		return 0, false
	}
	for _, l := range g.layers {
		if pos, ok := l.lookup(id, g.hashLen); ok {
			return l.offset + pos, true
		}
	}
	return 0, false
}

func (l *layer) lookup(id []byte, hashLen int) (uint32, bool) {
	first := id[0]
	var lo uint32
	if first > 0 {
		lo = binary.BigEndian.Uint32(l.fanout[4*(int(first)-1):])
	}
	hi := binary.BigEndian.Uint32(l.fanout[4*int(first):])
	n := int(hi - lo)
	i := sort.Search(n, func(i int) bool {
		at := int(lo) + i
		return bytes.Compare(l.oids[at*hashLen:(at+1)*hashLen], id) >= 0
	})
	at := int(lo) + i
	if i < n && bytes.Equal(l.oids[at*hashLen:(at+1)*hashLen], id) {
		return uint32(at), true
	}
	return 0, false
}

// Hash returns the hex hash of the commit at pos.
func (g *Graph) Hash(pos uint32) string {
	l := g.layerOf(pos)
	at := int(pos - l.offset)
	return hex.EncodeToString(l.oids[at*g.hashLen : (at+1)*g.hashLen])
}

func (g *Graph) layerOf(pos uint32) *layer {
	for i := len(g.layers) - 1; i > 0; i-- {
		if pos >= g.layers[i].offset {
			return g.layers[i]
		}
	}
	return g.layers[0]
}

// Parents appends the positions of the parents of the commit at pos to buf.
func (g *Graph) Parents(pos uint32, buf []uint32) ([]uint32, error) {
	p1, p2 := g.first[pos], g.second[pos]
	if p1 == parentNone {
		return buf, nil
	}
	if p1 >= g.total {
		return buf, fmt.Errorf("commit-graph: parent position %d out of range", p1)
	}
	buf = append(buf, p1)
	switch {
	case p2 == parentNone:
		return buf, nil
	case p2&parentOctopus == 0:
		if p2 >= g.total {
			return buf, fmt.Errorf("commit-graph: parent position %d out of range", p2)
		}
		return append(buf, p2), nil
	}
	l := g.layerOf(pos)
	for i := int(p2 &^ parentOctopus); ; i++ {
		if 4*i+4 > len(l.edges) {
			return buf, errors.New("commit-graph: octopus edge out of range")
		}
		e := binary.BigEndian.Uint32(l.edges[4*i:])
		parent := e &^ edgeLast
		if parent >= g.total {
			return buf, fmt.Errorf("commit-graph: parent position %d out of range", parent)
		}
		buf = append(buf, parent)
		if e&edgeLast != 0 {
			return buf, nil
		}
	}
}

func openLayer(path string) (*layer, int, error) {
	data, closeFn, err := mapFile(path)
	if err != nil {
		return nil, 0, err
	}
	l, hashLen, err := parseLayer(data)
	if err != nil {
		closeFn()
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	l.close = closeFn
	return l, hashLen, nil
}

func parseLayer(data []byte) (*layer, int, error) {
	if len(data) < 8 || string(data[:4]) != "CGPH" {
		return nil, 0, errors.New("not a commit-graph file")
	}
	if data[4] != 1 {
		return nil, 0, fmt.Errorf("commit-graph version %d is unknown", data[4])
	}
	var hashLen int
	switch data[5] {
	case 1:
		hashLen = 20
	case 2:
		hashLen = 32
	default:
		return nil, 0, fmt.Errorf("commit-graph hash version %d is unknown", data[5])
	}
	chunks := int(data[6])
	table := data[8:]
	if len(table) < 12*(chunks+1) {
		return nil, 0, errors.New("commit-graph chunk table is cut short")
	}
	l := &layer{data: data}
	for i := 0; i < chunks; i++ {
		id := binary.BigEndian.Uint32(table[12*i:])
		start := binary.BigEndian.Uint64(table[12*i+4:])
		end := binary.BigEndian.Uint64(table[12*(i+1)+4:])
		if start > end || end > uint64(len(data)) {
			return nil, 0, errors.New("commit-graph chunk out of range")
		}
		chunk := data[start:end]
		switch id {
		case chunkOIDFanout:
			l.fanout = chunk
		case chunkOIDLookup:
			l.oids = chunk
		case chunkData:
			l.cdat = chunk
		case chunkEdges:
			l.edges = chunk
		}
	}
	if len(l.fanout) != 256*4 || l.oids == nil || l.cdat == nil {
		return nil, 0, errors.New("commit-graph lacks a required chunk")
	}
	l.count = binary.BigEndian.Uint32(l.fanout[255*4:])
	if uint64(len(l.oids)) != uint64(l.count)*uint64(hashLen) || uint64(len(l.cdat)) != uint64(l.count)*uint64(hashLen+16) {
		return nil, 0, errors.New("commit-graph chunk sizes do not match its commit count")
	}
	var prev uint32
	for i := 0; i < 256; i++ {
		n := binary.BigEndian.Uint32(l.fanout[4*i:])
		if n < prev {
			return nil, 0, errors.New("commit-graph fanout is not sorted")
		}
		prev = n
	}
	return l, hashLen, nil
}
