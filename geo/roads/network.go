package roads

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"catchment/geo"
)

// ErrUnreachable is wrapped by Route when no walking path joins the points.
var ErrUnreachable = errors.New("roads: unreachable")

// Network answers walking-distance queries on a Graph. It implements
// geo.Metric with Name "walking". Distances are in metres, plus
// Options.MajorCrossingPenaltyMeters per at-grade major-road crossing when
// that penalty is set, plus Options.BarrierPenaltyMeters per barrier edge
// crossed (then they are "equivalent metres"). A Network is immutable and
// safe for concurrent use.
type Network struct {
	g       *Graph
	opts    Options
	half    float64   // half the crossing penalty
	barPen  float64   // the barrier penalty
	edgeC   []float32 // edge cost: length + penalty halves at crossing ends + barrier penalty
	arcCost []float32 // cost of arc a (= edgeC of its edge)
	tree    rtree.RTreeGN[float64, int32]
	pool    sync.Pool // *searchState
	// snaps caches Snap for Pairs (see snapCached), guarded by snapMu.
	snapMu sync.RWMutex
	snaps  map[orb.Point]snapped
	// pairIdx (built once, by pairOnce) adds metres and barriers to the
	// core for Pairs.
	pairOnce sync.Once
	pairIdx  *pairIndex
	core     *core // contracted graph for the k-label search
	// kx, ky scale degrees of longitude and latitude to metres so that the
	// plane distance is a lower bound of the geodesic anywhere in the
	// graph: the A* heuristic of pair (see lowerBound).
	kx, ky float64
}

var _ geo.Metric = (*Network)(nil)

// NewNetwork indexes g for queries with opts (zero fields take defaults):
// an R-tree over edge bounds (O(E log E)) and the contracted junction graph
// the k-label search runs on (O(E)).
func NewNetwork(g *Graph, opts Options) (*Network, error) {
	if g == nil {
		return nil, errors.New("roads: nil graph")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	nw := &Network{g: g, opts: opts, half: opts.MajorCrossingPenaltyMeters / 2, barPen: opts.BarrierPenaltyMeters}
	nw.edgeC = make([]float32, g.NumEdges())
	for e := range nw.edgeC {
		c := float64(g.edgeLen[e]) + nw.endPenalty(int32(e), g.edgeU[e]) + nw.endPenalty(int32(e), g.edgeV[e])
		if nw.barrierEdge(int32(e)) {
			c += nw.barPen
		}
		nw.edgeC[e] = roundUp32(c)
		a, b := g.coords[g.edgeU[e]], g.coords[g.edgeV[e]]
		nw.tree.Insert([2]float64{math.Min(a[0], b[0]), math.Min(a[1], b[1])},
			[2]float64{math.Max(a[0], b[0]), math.Max(a[1], b[1])}, int32(e))
	}
	nw.arcCost = make([]float32, len(g.arcEdge))
	for a, e := range g.arcEdge {
		nw.arcCost[a] = nw.edgeC[e]
	}
	nw.buildCore()
	nw.initLowerBound()
	return nw, nil
}

// The smallest radii of curvature of the WGS-84 ellipsoid: the meridional
// radius at the equator, a(1−e²), and the prime-vertical radius there, a.
const (
	minMeridionalRadius = 6_335_439.327
	minPrimeVertical    = 6_378_137.0
	// lowerBoundSlack shrinks the heuristic by 0.1% to absorb the curvature
	// terms the plane distance ignores (relative (d/R)², far below this
	// for edges and city-scale distances) and float rounding.
	lowerBoundSlack = 0.999
)

// initLowerBound sets kx and ky from the graph's largest |latitude|: a
// degree of latitude is at least minMeridionalRadius·π/180 metres and a
// degree of longitude at least minPrimeVertical·cos(φmax)·π/180, so
// lowerBound never exceeds the geodesic distance between two graph points
// (or points of the graph's latitude band).
func (nw *Network) initLowerBound() {
	maxLat := 0.0
	for _, p := range nw.g.coords {
		maxLat = math.Max(maxLat, math.Abs(p[1]))
	}
	deg := math.Pi / 180
	nw.kx = lowerBoundSlack * minPrimeVertical * math.Cos(math.Min(maxLat+0.01, 90)*deg) * deg
	nw.ky = lowerBoundSlack * minMeridionalRadius * deg
}

// lowerBound is a lower bound of the geodesic distance from a to b in
// metres: a scaled plane (Euclidean) distance, hence a metric, so as an A*
// heuristic it is consistent — h(u) ≤ cost(u, v) + h(v) because every edge
// costs at least its geodesic length — and pair stays exact.
func (nw *Network) lowerBound(a, b orb.Point) float64 {
	dx := math.Abs(a[0] - b[0])
	if dx > 180 {
		dx = 360 - dx
	}
	x, y := dx*nw.kx, (a[1]-b[1])*nw.ky
	return math.Sqrt(x*x + y*y) // no overflow at Earth scale: cheaper than Hypot
}

// Graph returns the graph the network was built on.
func (nw *Network) Graph() *Graph { return nw.g }

// Options returns the options in force, defaults filled in.
func (nw *Network) Options() Options { return nw.opts }

// Name returns "walking".
func (nw *Network) Name() string { return "walking" }

// endPenalty is the share of the crossing penalty paid on edge e at its end
// node u: half the penalty when e is non-major and u is a crossing node.
func (nw *Network) endPenalty(e, u int32) float64 {
	if nw.half == 0 || nw.g.edgeFlags[e]&edgeMajor != 0 || nw.g.nodeFlags[u]&nodeCrossing == 0 {
		return 0
	}
	return nw.half
}

func (nw *Network) minorEdge(e int32) bool { return nw.g.edgeFlags[e]&edgeMajor == 0 }

// barrierEdge reports whether edge e crosses a barrier line: a river, canal
// or water-area outline, a railway or a motorway (bridge, tunnel or
// at-grade level crossing).
func (nw *Network) barrierEdge(e int32) bool { return nw.g.edgeFlags[e]&edgeBarrier != 0 }

func (nw *Network) crossingNode(u int32) bool { return nw.g.nodeFlags[u]&nodeCrossing != 0 }

// Snap is where a point joins the network: on edge Edge at fraction T from
// its U end, at Point, Off metres (geodesic) from the original point.
type Snap struct {
	Edge  int32
	T     float64
	Point orb.Point
	Off   float64
}

// costs from the snapped point to the edge's U and V ends, including
// penalties: the crossing penalty halves at the ends and, on a barrier
// edge, the barrier penalty towards the end beyond the barrier. toV is the
// edge's (float32, rounded-up) cost minus toU, so that entering an edge at
// one end and leaving it at the other costs exactly its edge cost, however
// a search splits the path (the chain searches and pair then agree to the
// last bits even with penalties).
func (nw *Network) snapCosts(s Snap) (toU, toV float64) {
	g := nw.g
	l := float64(g.edgeLen[s.Edge])
	toU = s.T*l + nw.endPenalty(s.Edge, g.edgeU[s.Edge])
	if nw.barPen != 0 {
		if bu, _ := nw.snapBarriers(s); bu != 0 {
			toU += nw.barPen
		}
	}
	return toU, max(float64(nw.edgeC[s.Edge])-toU, 0)
}

// snapBarriers returns the barrier crossings (0 or 1) on the way from the
// snapped point to its edge's U end and to its V end: on a barrier edge
// exactly one of them is 1, the end beyond the barrier's position (a point
// at T = 0 is node U, at T = 1 node V, so they agree with the graph).
func (nw *Network) snapBarriers(s Snap) (toU, toV int32) {
	if !nw.barrierEdge(s.Edge) {
		return 0, 0
	}
	if nw.onUSide(s.Edge, s.T) {
		return 0, 1
	}
	return 1, 0
}

// onUSide reports whether fraction t of barrier edge e lies on the U side
// of its barrier.
func (nw *Network) onUSide(e int32, t float64) bool {
	return t == 0 || t < nw.g.barrierCut(e)
}

// sameEdge returns the cost, plain metres and barrier crossings of the
// direct walk between two points snapped onto the same edge.
func (nw *Network) sameEdge(a, b Snap) (cost, meters float64, barriers int32) {
	meters = math.Abs(a.T-b.T) * float64(nw.g.edgeLen[a.Edge])
	if nw.barrierEdge(a.Edge) && nw.onUSide(a.Edge, a.T) != nw.onUSide(a.Edge, b.T) {
		barriers = 1
	}
	return meters + float64(barriers)*nw.barPen, meters, barriers
}

// Snap finds the nearest walkable edge to p within Options.MaxSnapMeters.
// ok is false when there is none (or p is not a valid WGS-84 point).
func (nw *Network) Snap(p orb.Point) (s Snap, ok bool) {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[1]) > 90 || math.Abs(p[0]) > 180 {
		return Snap{}, false
	}
	g := nw.g
	nw.tree.Nearby(
		func(min, max [2]float64, e int32, item bool) float64 {
			if !item {
				return boxLowerBound(p, min, max)
			}
			_, q := projectOnSegment(p, g.coords[g.edgeU[e]], g.coords[g.edgeV[e]])
			return geodesic(p, q)
		},
		func(_, _ [2]float64, e int32, d float64) bool {
			if d <= nw.opts.MaxSnapMeters {
				t, q := projectOnSegment(p, g.coords[g.edgeU[e]], g.coords[g.edgeV[e]])
				s, ok = Snap{Edge: e, T: t, Point: q, Off: d}, true
			}
			return false
		})
	return s, ok
}

// searchState is reusable scratch for single-pair searches.
type searchState struct {
	dist    []float64
	pred    []int32 // arc by which the node was reached, −1 for a start
	touched []int32
	heap    minHeap
}

func (nw *Network) state() *searchState {
	if s, ok := nw.pool.Get().(*searchState); ok {
		return s
	}
	n := nw.g.NumNodes()
	s := &searchState{dist: make([]float64, n), pred: make([]int32, n)}
	for i := range s.dist {
		s.dist[i] = math.Inf(1)
	}
	return s
}

func (nw *Network) release(s *searchState) {
	for _, u := range s.touched {
		s.dist[u] = math.Inf(1)
	}
	s.touched = s.touched[:0]
	s.heap.reset()
	nw.pool.Put(s)
}

// pair runs an A* search from snap a towards snap b and returns the cost
// and, if b is best reached through a graph node, that node (−1 for the
// direct same-edge path or when unreachable). The caller owns st afterwards.
//
// The heap is keyed by g + h, where g (st.dist) is the cost from a and h
// the lowerBound to b's end nodes (the smaller of the two, each plus its
// snap cost to b, is a lower bound of the rest of any path); h is
// consistent, so the first time the best key reaches the best complete
// cost no cheaper path remains: the result is the plain Dijkstra's, after
// settling only the nodes near the a–b line instead of a whole disc.
func (nw *Network) pair(st *searchState, a, b Snap) (cost float64, via int32, viaCost float64) {
	g := nw.g
	best := math.Inf(1)
	via = -1
	if a.Edge == b.Edge {
		best, _, _ = nw.sameEdge(a, b)
	}
	if g.comp[g.edgeU[a.Edge]] != g.comp[g.edgeU[b.Edge]] {
		return math.Inf(1), -1, 0
	}
	au, av := nw.snapCosts(a)
	bu, bv := nw.snapCosts(b)
	ub, vb := g.edgeU[b.Edge], g.edgeV[b.Edge]
	pu, pv := g.coords[ub], g.coords[vb]
	h := func(u int32) float64 {
		p := g.coords[u]
		return math.Min(nw.lowerBound(p, pu)+bu, nw.lowerBound(p, pv)+bv)
	}
	push := func(u int32, d float64, pred int32) {
		if d < st.dist[u] {
			if math.IsInf(st.dist[u], 1) {
				st.touched = append(st.touched, u)
			}
			st.dist[u] = d
			st.pred[u] = pred
			st.heap.push(entry{d: d + h(u), node: u})
		}
	}
	push(g.edgeU[a.Edge], au, -1)
	push(g.edgeV[a.Edge], av, -1)
	for st.heap.len() > 0 {
		top := st.heap.pop()
		u := top.node
		d := st.dist[u]
		if top.d > d+h(u) {
			continue // stale: u was reached more cheaply since
		}
		if top.d >= best {
			break
		}
		if u == ub && d+bu < best {
			best, via, viaCost = d+bu, u, bu
		}
		if u == vb && d+bv < best {
			best, via, viaCost = d+bv, u, bv
		}
		for arc := g.off[u]; arc < g.off[u+1]; arc++ {
			push(g.arcTo[arc], d+float64(nw.arcCost[arc]), arc)
		}
	}
	return best, via, viaCost
}

// Meters returns the walking distance from a to b (off-network legs
// included), or +Inf when either point does not snap within MaxSnapMeters
// or no walking path joins them. It is not bounded by MaxWalkMeters. Both
// off-network legs are always walked (the network is never left between
// them), so Meters(a, a) is twice a's distance to the network.
func (nw *Network) Meters(a, b orb.Point) float64 {
	sa, ok := nw.Snap(a)
	if !ok {
		return math.Inf(1)
	}
	sb, ok := nw.Snap(b)
	if !ok {
		return math.Inf(1)
	}
	st := nw.state()
	defer nw.release(st)
	c, _, _ := nw.pair(st, sa, sb)
	return sa.Off + c + sb.Off
}

// Route is one walking path.
type Route struct {
	Meters         float64 // walked length: off-network legs plus network path
	Cost           float64 // Meters plus crossing and barrier penalties: what was minimised
	Straight       float64 // geodesic straight-line distance a–b
	MajorCrossings int     // at-grade crossings of trunk/primary roads on the path
	// BarrierCrossings counts the barrier edges walked (a bridge over or a
	// tunnel under a river, railway or motorway, a level crossing), the
	// snapped ends' edges only when the walked part passes the barrier:
	// Cost − Meters = BarrierCrossings × BarrierPenaltyMeters plus the
	// major-crossing penalties (up to float32 rounding of edge costs).
	BarrierCrossings int
	// BarrierKinds is the set of kinds of the barriers counted in
	// BarrierCrossings (the OR of their edges' EdgeInfo.BarrierKinds):
	// empty exactly when BarrierCrossings is 0.
	BarrierKinds geo.BarrierKind
	Path         []orb.Point // a, its snap point, graph nodes…, b's snap point, b
}

// Route returns the cheapest walking path from a to b. The error wraps
// ErrUnreachable when a point does not snap or no path exists.
func (nw *Network) Route(a, b orb.Point) (Route, error) {
	r := Route{Straight: geodesic(a, b)}
	sa, ok := nw.Snap(a)
	if !ok {
		return r, fmt.Errorf("%w: origin %v is over %g m from any walkable way", ErrUnreachable, a, nw.opts.MaxSnapMeters)
	}
	sb, ok := nw.Snap(b)
	if !ok {
		return r, fmt.Errorf("%w: destination %v is over %g m from any walkable way", ErrUnreachable, b, nw.opts.MaxSnapMeters)
	}
	st := nw.state()
	defer nw.release(st)
	cost, via, _ := nw.pair(st, sa, sb)
	if math.IsInf(cost, 1) {
		return r, fmt.Errorf("%w: no walking path from %v to %v", ErrUnreachable, a, b)
	}
	g := nw.g
	r.Cost = sa.Off + cost + sb.Off
	if via < 0 { // along the shared edge
		_, m, bar := nw.sameEdge(sa, sb)
		r.Meters, r.BarrierCrossings = sa.Off+m+sb.Off, int(bar)
		if bar > 0 {
			r.BarrierKinds = g.barrierKind(sa.Edge)
		}
		r.Path = []orb.Point{a, sa.Point, sb.Point, b}
		return r, nil
	}
	// Walk predecessors back from via: nodes[0] is via, last is the start node.
	var nodes []int32
	var edges []int32 // edges[i] joins nodes[i] and nodes[i+1]
	for u := via; ; {
		nodes = append(nodes, u)
		arc := st.pred[u]
		if arc < 0 {
			break
		}
		edges = append(edges, g.arcEdge[arc])
		u = nw.arcTail(arc)
	}
	// Reverse into walking order.
	for i, j := 0, len(nodes)-1; i < j; i, j = i+1, j-1 {
		nodes[i], nodes[j] = nodes[j], nodes[i]
	}
	for i, j := 0, len(edges)-1; i < j; i, j = i+1, j-1 {
		edges[i], edges[j] = edges[j], edges[i]
	}
	// The full edge sequence: a's edge, the network edges, b's edge.
	seq := make([]int32, 0, len(edges)+2)
	seq = append(seq, sa.Edge)
	seq = append(seq, edges...)
	seq = append(seq, sb.Edge)
	for i, u := range nodes {
		if nw.crossingNode(u) && nw.minorEdge(seq[i]) && nw.minorEdge(seq[i+1]) {
			r.MajorCrossings++
		}
	}
	start := nodes[0]
	length := sa.Off + sb.Off
	aU, aV := nw.snapBarriers(sa)
	bU, bV := nw.snapBarriers(sb)
	crossed := func(e int32, n int32) {
		if n > 0 {
			r.BarrierCrossings += int(n)
			r.BarrierKinds |= g.barrierKind(e)
		}
	}
	if start == g.edgeU[sa.Edge] {
		length += sa.T * float64(g.edgeLen[sa.Edge])
		crossed(sa.Edge, aU)
	} else {
		length += (1 - sa.T) * float64(g.edgeLen[sa.Edge])
		crossed(sa.Edge, aV)
	}
	if via == g.edgeU[sb.Edge] {
		length += sb.T * float64(g.edgeLen[sb.Edge])
		crossed(sb.Edge, bU)
	} else {
		length += (1 - sb.T) * float64(g.edgeLen[sb.Edge])
		crossed(sb.Edge, bV)
	}
	for _, e := range edges {
		length += float64(g.edgeLen[e])
		if nw.barrierEdge(e) {
			crossed(e, 1)
		}
	}
	r.Meters = length
	r.Path = make([]orb.Point, 0, len(nodes)+4)
	r.Path = append(r.Path, a, sa.Point)
	for _, u := range nodes {
		r.Path = append(r.Path, g.coords[u])
	}
	r.Path = append(r.Path, sb.Point, b)
	return r, nil
}

// arcTail returns the node an arc leaves: arcs are stored per tail node, so
// it is found by binary search over the CSR offsets.
func (nw *Network) arcTail(arc int32) int32 {
	off := nw.g.off
	lo, hi := 0, len(off)-1 // off[lo] ≤ arc < off[hi]
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if off[m] <= arc {
			lo = m
		} else {
			hi = m
		}
	}
	return int32(lo)
}
