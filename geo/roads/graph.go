package roads

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"catchment/geo"
)

// Node flags.
const (
	nodeMajor    uint8 = 1 << iota // lies on a trunk/primary/motorway way
	nodeCrossing                   // an at-grade crossing of a major road (see package doc)
)

// Edge flags.
const (
	edgeMajor   uint8 = 1 << iota // part of a trunk/primary way (walked along its sidewalk)
	edgeBarrier                   // crosses a river, water area, railway or motorway (see package doc)
)

// Graph is the walking graph built from an OpenStreetMap extract: one node
// per OSM node used by a walkable way, one undirected edge per way segment
// (duplicates merged), in flat int32-indexed slices with a CSR adjacency.
//
// Invariants: node ids are 0..NumNodes()-1 and edge ids 0..NumEdges()-1;
// every edge joins two distinct nodes, has a finite length ≥ the geodesic
// distance of its end points, and appears twice in the adjacency (once per
// direction); components are numbered 0.. by decreasing size. A Graph is
// immutable once built and safe for concurrent readers.
type Graph struct {
	coords    []orb.Point // node position, WGS-84 [lon, lat]
	osmIDs    []int64     // node's OSM id
	nodeFlags []uint8     // nodeMajor | nodeCrossing
	comp      []int32     // node's component id
	compSize  []int32     // nodes per component, non-increasing

	edgeU, edgeV []int32   // edge end points, edgeU < edgeV
	edgeLen      []float32 // geodesic length in metres, rounded up
	edgeFlags    []uint8   // edgeMajor | edgeBarrier

	// The edges flagged edgeBarrier, ascending, where each crosses its
	// barrier (the fraction of the edge from its U end, in [0, 1]) and the
	// kinds of the barriers it crosses (never empty, within
	// geo.AllBarrierKinds).
	barrierEdges []int32
	barrierAt    []float32
	barrierKinds []geo.BarrierKind

	off     []int32 // CSR: node u's arcs are off[u]:off[u+1]
	arcTo   []int32 // arc head node
	arcEdge []int32 // arc's undirected edge

	stats ImportStats
}

// ImportStats describes what an import read and kept; it is informational
// and travels with the graph through MarshalBinary.
type ImportStats struct {
	OSMNodes          int64 // nodes read from the file
	OSMWays           int64 // ways read from the file
	WalkableWays      int64 // ways that became edges
	MajorWays         int64 // trunk/primary/motorway ways (walkable or not)
	MissingNodeRefs   int64 // way references to nodes absent from the extract (segments dropped)
	Components        int64 // connected components kept
	DroppedComponents int64 // components smaller than Options.MinComponentNodes, removed
	DroppedNodes      int64 // nodes in those removed components
	CrossingNodes     int64 // nodes flagged as at-grade major-road crossings
	BarrierWays       int64 // river/canal, water-area, railway and motorway ways read as barriers
	BarrierEdges      int64 // edges kept that cross a barrier (bridge, tunnel, level crossing)
}

// NodeInfo describes one graph node.
type NodeInfo struct {
	OSMID     int64
	Point     orb.Point // WGS-84 [lon, lat]
	Component int32     // 0 is the largest component
	Major     bool      // lies on a trunk/primary/motorway way
	Crossing  bool      // an at-grade crossing of a major road
}

// EdgeInfo describes one undirected graph edge.
type EdgeInfo struct {
	U, V   int32   // end points, U < V
	Meters float64 // geodesic length (rounded up to float32)
	Major  bool    // part of a trunk/primary way
	// Barrier is set when the edge crosses a river, canal, water area,
	// railway or motorway (on a bridge, in a tunnel or at grade);
	// BarrierAt is then where, as the fraction of the edge from U in
	// [0, 1], and 0 otherwise. BarrierKinds is the set of kinds of the
	// barriers crossed: non-empty exactly when Barrier is set (a bridge
	// over a river and a railway at once carries both).
	Barrier      bool
	BarrierAt    float64
	BarrierKinds geo.BarrierKind
}

// NumNodes returns the number of graph nodes.
func (g *Graph) NumNodes() int { return len(g.coords) }

// NumEdges returns the number of undirected edges.
func (g *Graph) NumEdges() int { return len(g.edgeU) }

// Node returns node u's attributes; u must be in [0, NumNodes()).
func (g *Graph) Node(u int) NodeInfo {
	return NodeInfo{
		OSMID: g.osmIDs[u], Point: g.coords[u], Component: g.comp[u],
		Major: g.nodeFlags[u]&nodeMajor != 0, Crossing: g.nodeFlags[u]&nodeCrossing != 0,
	}
}

// Edge returns edge e's attributes; e must be in [0, NumEdges()).
func (g *Graph) Edge(e int) EdgeInfo {
	info := EdgeInfo{U: g.edgeU[e], V: g.edgeV[e], Meters: float64(g.edgeLen[e]), Major: g.edgeFlags[e]&edgeMajor != 0}
	if g.edgeFlags[e]&edgeBarrier != 0 {
		info.Barrier, info.BarrierAt, info.BarrierKinds = true, g.barrierCut(int32(e)), g.barrierKind(int32(e))
	}
	return info
}

// barrierCut returns where barrier edge e crosses its barrier, as a
// fraction of the edge from U (0.5 if e is not a barrier edge).
func (g *Graph) barrierCut(e int32) float64 {
	if i, ok := slices.BinarySearch(g.barrierEdges, e); ok {
		return float64(g.barrierAt[i])
	}
	return 0.5
}

// barrierKind returns the kinds of the barriers edge e crosses (empty if
// e is not a barrier edge).
func (g *Graph) barrierKind(e int32) geo.BarrierKind {
	if i, ok := slices.BinarySearch(g.barrierEdges, e); ok {
		return g.barrierKinds[i]
	}
	return 0
}

// Neighbors calls fn for every arc leaving node u (head node and edge id)
// until fn returns false.
func (g *Graph) Neighbors(u int, fn func(v, edge int) bool) {
	for a := g.off[u]; a < g.off[u+1]; a++ {
		if !fn(int(g.arcTo[a]), int(g.arcEdge[a])) {
			return
		}
	}
}

// ComponentSizes returns the number of nodes of every connected component,
// largest first. The slice is a copy.
func (g *Graph) ComponentSizes() []int {
	out := make([]int, len(g.compSize))
	for i, s := range g.compSize {
		out[i] = int(s)
	}
	return out
}

// Stats returns what the import read and kept.
func (g *Graph) Stats() ImportStats { return g.stats }

// rawOSM is the importer's scratch: every node position and the node lists
// of the ways that matter, in file order.
type rawOSM struct {
	nodeIDs  []int64
	lonE7    []int32
	latE7    []int32
	sorted   bool
	crossing map[int64]bool // highway=crossing nodes

	wayStart []int // refs of way i are refs[wayStart[i]:wayStart[i+1]]
	refs     []int64
	class    []wayClass

	barStart []int // refs of barrier way i are barRefs[barStart[i]:barStart[i+1]]
	barRefs  []int64
	barKind  []barrierKind     // shape of barrier way i
	barWhat  []geo.BarrierKind // kind of barrier way i

	stats ImportStats
}

func newRawOSM() *rawOSM {
	return &rawOSM{sorted: true, crossing: map[int64]bool{}, wayStart: []int{0}, barStart: []int{0}}
}

func (r *rawOSM) addBarrier(refs []int64, k barrierKind, what geo.BarrierKind) {
	r.barRefs = append(r.barRefs, refs...)
	r.barStart = append(r.barStart, len(r.barRefs))
	r.barKind = append(r.barKind, k)
	r.barWhat = append(r.barWhat, what)
	r.stats.BarrierWays++
}

func (r *rawOSM) addNode(id int64, lon, lat float64, crossing bool) {
	if n := len(r.nodeIDs); n > 0 && r.nodeIDs[n-1] >= id {
		r.sorted = false
	}
	r.nodeIDs = append(r.nodeIDs, id)
	r.lonE7 = append(r.lonE7, e7(lon))
	r.latE7 = append(r.latE7, e7(lat))
	if crossing {
		r.crossing[id] = true
	}
}

func (r *rawOSM) addWay(refs []int64, c wayClass) {
	r.refs = append(r.refs, refs...)
	r.wayStart = append(r.wayStart, len(r.refs))
	r.class = append(r.class, c)
}

func e7(deg float64) int32 {
	if deg >= 0 {
		return int32(deg*1e7 + 0.5)
	}
	return int32(deg*1e7 - 0.5)
}

// build turns the raw OSM data into a Graph (see package doc for the rules).
func (r *rawOSM) build(minComponent int) *Graph {
	if !r.sorted {
		idx := make([]int32, len(r.nodeIDs))
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(r.nodeIDs[a], r.nodeIDs[b]) })
		ids, lon, lat := make([]int64, len(idx)), make([]int32, len(idx)), make([]int32, len(idx))
		for i, j := range idx {
			ids[i], lon[i], lat[i] = r.nodeIDs[j], r.lonE7[j], r.latE7[j]
		}
		r.nodeIDs, r.lonE7, r.latE7 = ids, lon, lat
	}
	find := func(id int64) int {
		i, ok := slices.BinarySearch(r.nodeIDs, id)
		if !ok {
			return -1
		}
		return i
	}
	gid := make(map[int32]int32) // raw node index → graph node (sparse: most nodes are not on ways)
	var rawOf []int32            // graph node → raw node index
	node := func(raw int) int32 {
		if g, ok := gid[int32(raw)]; ok {
			return g
		}
		g := int32(len(rawOf))
		gid[int32(raw)] = g
		rawOf = append(rawOf, int32(raw))
		return g
	}
	pt := func(raw int32) orb.Point {
		return orb.Point{float64(r.lonE7[raw]) / 1e7, float64(r.latE7[raw]) / 1e7}
	}
	type key struct{ a, b int32 }
	edgeOf := map[key]int32{}
	var eu, ev []int32
	var eflag []uint8
	for w, c := range r.class {
		if c&classMajor != 0 {
			r.stats.MajorWays++
		}
		if c&classWalkable == 0 {
			continue
		}
		r.stats.WalkableWays++
		refs := r.refs[r.wayStart[w]:r.wayStart[w+1]]
		var f uint8
		if c&classMajor != 0 {
			f = edgeMajor
		}
		prev := -1
		for i, id := range refs {
			cur := find(id)
			if cur < 0 {
				r.stats.MissingNodeRefs++
			}
			if i > 0 && prev >= 0 && cur >= 0 && prev != cur {
				a, b := node(prev), node(cur)
				if a > b {
					a, b = b, a
				}
				if e, ok := edgeOf[key{a, b}]; ok {
					eflag[e] |= f
				} else {
					edgeOf[key{a, b}] = int32(len(eu))
					eu, ev, eflag = append(eu, a), append(ev, b), append(eflag, f)
				}
			}
			prev = cur
		}
	}
	var cut []float32           // where barrier edges cross, by edge
	var kinds []geo.BarrierKind // what they cross, by edge
	if len(r.barKind) > 0 && len(eu) > 0 {
		cut, kinds = markBarriers(r, find, eu, ev, eflag, rawOf)
	}
	n := len(rawOf)
	nflag := make([]uint8, n)
	for w, c := range r.class {
		if c&classMajor == 0 {
			continue
		}
		for _, id := range r.refs[r.wayStart[w]:r.wayStart[w+1]] {
			if raw := find(id); raw >= 0 {
				if g, ok := gid[int32(raw)]; ok {
					nflag[g] |= nodeMajor
				}
			}
		}
	}
	minorDeg := make([]int32, n)
	for e := range eu {
		if eflag[e]&edgeMajor == 0 {
			minorDeg[eu[e]]++
			minorDeg[ev[e]]++
		}
	}
	for u := range n {
		if nflag[u]&nodeMajor == 0 {
			continue
		}
		if minorDeg[u] >= 2 || (minorDeg[u] >= 1 && r.crossing[r.nodeIDs[rawOf[u]]]) {
			nflag[u] |= nodeCrossing
		}
	}

	// Connected components (union-find), then drop the small ones.
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var root func(int32) int32
	root = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for e := range eu {
		a, b := root(eu[e]), root(ev[e])
		if a != b {
			parent[a] = b
		}
	}
	size := make([]int32, n)
	for u := range n {
		size[root(int32(u))]++
	}
	roots := []int32{}
	for u := range n {
		if parent[u] == int32(u) {
			roots = append(roots, int32(u))
		}
	}
	slices.SortStableFunc(roots, func(a, b int32) int { return cmp.Compare(size[b], size[a]) })
	compOfRoot := make(map[int32]int32, len(roots))
	var compSize []int32
	for _, rt := range roots {
		if int(size[rt]) < minComponent {
			r.stats.DroppedComponents++
			r.stats.DroppedNodes += int64(size[rt])
			continue
		}
		compOfRoot[rt] = int32(len(compSize))
		compSize = append(compSize, size[rt])
	}
	newID := make([]int32, n)
	g := &Graph{compSize: compSize}
	for u := range n {
		c, ok := compOfRoot[root(int32(u))]
		if !ok {
			newID[u] = -1
			continue
		}
		newID[u] = int32(len(g.coords))
		raw := rawOf[u]
		g.coords = append(g.coords, pt(raw))
		g.osmIDs = append(g.osmIDs, r.nodeIDs[raw])
		g.nodeFlags = append(g.nodeFlags, nflag[u])
		g.comp = append(g.comp, c)
		if nflag[u]&nodeCrossing != 0 {
			r.stats.CrossingNodes++
		}
	}
	for e := range eu {
		a, b := newID[eu[e]], newID[ev[e]]
		if a < 0 {
			continue
		}
		at := float32(0)
		if cut != nil {
			at = cut[e]
		}
		if a > b {
			a, b, at = b, a, 1-at
		}
		if eflag[e]&edgeBarrier != 0 {
			g.barrierEdges = append(g.barrierEdges, int32(len(g.edgeU)))
			g.barrierAt = append(g.barrierAt, at)
			g.barrierKinds = append(g.barrierKinds, kinds[e])
			r.stats.BarrierEdges++
		}
		g.edgeU = append(g.edgeU, a)
		g.edgeV = append(g.edgeV, b)
		g.edgeLen = append(g.edgeLen, roundUp32(geodesic(g.coords[a], g.coords[b])))
		g.edgeFlags = append(g.edgeFlags, eflag[e])
	}
	r.stats.Components = int64(len(compSize))
	g.stats = r.stats
	g.buildCSR()
	return g
}

// buildCSR fills off/arcTo/arcEdge from the edge list.
func (g *Graph) buildCSR() {
	n := len(g.coords)
	g.off = make([]int32, n+1)
	for e := range g.edgeU {
		g.off[g.edgeU[e]+1]++
		g.off[g.edgeV[e]+1]++
	}
	for u := range n {
		g.off[u+1] += g.off[u]
	}
	fill := slices.Clone(g.off[:n])
	g.arcTo = make([]int32, 2*len(g.edgeU))
	g.arcEdge = make([]int32, 2*len(g.edgeU))
	for e := range g.edgeU {
		a, b := g.edgeU[e], g.edgeV[e]
		g.arcTo[fill[a]], g.arcEdge[fill[a]] = b, int32(e)
		fill[a]++
		g.arcTo[fill[b]], g.arcEdge[fill[b]] = a, int32(e)
		fill[b]++
	}
}

// String summarises the graph for logs.
func (g *Graph) String() string {
	return fmt.Sprintf("walking graph: %d nodes, %d edges, %d components (largest %d), %d crossing nodes, %d barrier edges",
		g.NumNodes(), g.NumEdges(), len(g.compSize), firstOr0(g.compSize), g.stats.CrossingNodes, len(g.barrierEdges))
}

func firstOr0(s []int32) int32 {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}
