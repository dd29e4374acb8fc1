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
// crossings and their kinds of the cheapest path of every pair (as Route
// counts them, the snapped ends' edges by the side of their barrier).
//
// It groups the pairs by destination and runs one Dijkstra per destination
// on the contracted junction graph (see core.go), on Options.Workers
// goroutines, that stops as soon as
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

	// Where each origin enters the core.
	x := nw.pairs()
	oent := make([]chainEntry, len(origins))
	for i := range origins {
		if needO[i] && ook[i] {
			oent[i] = nw.entry(x, osnap[i])
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var stop atomic.Bool
	for range min(nw.opts.Workers, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := newPairSearch(len(nw.core.node))
			for {
				at := int(next.Add(1) - 1)
				if at >= len(order) || stop.Load() {
					return
				}
				if ctx.Err() != nil {
					stop.Store(true)
					return
				}
				j := order[at]
				nw.searchPairs(ws, x, dsnap[j], oent, osnap, pairs, byDest[j], out)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// pairIndex extends the contracted core with what Pairs reports besides
// the cost: the walked metres and the barrier crossings of every chain,
// and of every edge's position in its chain, and the kinds of the
// barriers. A chain's barrier edges are numbered 0.. from its U end; a
// walk from a point of the chain to its U end crosses exactly those
// numbered below its barrier count to that end, so kinds over any run of
// them come from prefix and suffix ORs (kinds cannot be subtracted).
type pairIndex struct {
	chLen  []float64 // chain → metres walked along it
	chBar  []int32   // chain → barrier edges on it
	preLen []float64 // edge → metres from the chain's U end to the edge
	preBar []int32   // edge → barrier edges between the chain's U end and the edge
	arcLen []float64 // core arc → metres of its chain
	arcBar []int32   // core arc → barrier edges of its chain

	// Chain ch's barrier edges are barOff[ch]:barOff[ch+1] in barKind
	// (their kinds, from the U end), barPre (OR of the kinds of that one
	// and those before it) and barSuf (OR of it and those after it).
	barOff  []int32
	barKind []geo.BarrierKind
	barPre  []geo.BarrierKind
	barSuf  []geo.BarrierKind
}

// kindsBetween returns the kinds of chain ch's barrier edges numbered
// lo..hi−1 from its U end (empty when lo ≥ hi): O(1) for a run touching
// an end of the chain, else O(hi − lo).
func (x *pairIndex) kindsBetween(ch, lo, hi int32) geo.BarrierKind {
	off, n := x.barOff[ch], x.barOff[ch+1]-x.barOff[ch]
	lo, hi = max(lo, 0), min(hi, n)
	switch {
	case lo >= hi:
		return 0
	case lo == 0:
		return x.barPre[off+hi-1]
	case hi == n:
		return x.barSuf[off+lo]
	}
	var k geo.BarrierKind
	for _, b := range x.barKind[off+lo : off+hi] {
		k |= b
	}
	return k
}

// pairs returns the network's pairIndex, built on first use (O(E log E)).
func (nw *Network) pairs() *pairIndex {
	nw.pairOnce.Do(func() {
		g, c := nw.g, nw.core
		nch := len(c.chU)
		x := &pairIndex{chLen: make([]float64, nch), chBar: make([]int32, nch),
			preLen: make([]float64, g.NumEdges()), preBar: make([]int32, g.NumEdges()),
			barOff: make([]int32, nch+1)}
		// Edges by chain, in order from the chain's U end: ePreU (the
		// cost before the edge) increases along the chain; where it ties
		// the edges before cost nothing and so have no length either.
		off := make([]int32, nch+1)
		for _, ch := range c.eChain {
			off[ch+1]++
		}
		for i := range nch {
			off[i+1] += off[i]
		}
		fill := append([]int32(nil), off[:nch]...)
		byChain := make([]int32, g.NumEdges())
		for e, ch := range c.eChain {
			byChain[fill[ch]] = int32(e)
			fill[ch]++
		}
		for ch := range nch {
			es := byChain[off[ch]:off[ch+1]]
			slices.SortFunc(es, func(a, b int32) int { return cmp.Compare(c.ePreU[a], c.ePreU[b]) })
			var m float64
			var b int32
			for _, e := range es {
				x.preLen[e], x.preBar[e] = m, b
				m += float64(g.edgeLen[e])
				if nw.barrierEdge(e) {
					b++
					x.barKind = append(x.barKind, g.barrierKind(e))
				}
			}
			x.chLen[ch], x.chBar[ch] = m, b
			x.barOff[ch+1] = int32(len(x.barKind))
		}
		x.barPre = make([]geo.BarrierKind, len(x.barKind))
		x.barSuf = make([]geo.BarrierKind, len(x.barKind))
		for ch := range nch {
			lo, hi := x.barOff[ch], x.barOff[ch+1]
			var k geo.BarrierKind
			for i := lo; i < hi; i++ {
				k |= x.barKind[i]
				x.barPre[i] = k
			}
			k = 0
			for i := hi - 1; i >= lo; i-- {
				k |= x.barKind[i]
				x.barSuf[i] = k
			}
		}
		// Core arcs in buildCore's order.
		nc := len(c.node)
		x.arcLen = make([]float64, len(c.to))
		x.arcBar = make([]int32, len(c.to))
		at := append([]int32(nil), c.off[:nc]...)
		for ch := range nch {
			u, w := c.chU[ch], c.chW[ch]
			if u == w {
				continue
			}
			x.arcLen[at[u]], x.arcBar[at[u]] = x.chLen[ch], x.chBar[ch]
			at[u]++
			x.arcLen[at[w]], x.arcBar[at[w]] = x.chLen[ch], x.chBar[ch]
			at[w]++
		}
		nw.pairIdx = x
	})
	return nw.pairIdx
}

// entry is where a snapped point enters the core: its chain, the chain's
// end core nodes, and from the point to each end the cost, the metres, the
// barrier crossings and their kinds, and whether the chain's edge at that
// end is non-major.
type chainEntry struct {
	ch, u, w       int32
	costU, costW   float64
	metU, metW     float64
	barU, barW     int32
	kindU, kindW   geo.BarrierKind
	minorU, minorW bool
}

func (nw *Network) entry(x *pairIndex, s Snap) chainEntry {
	g := nw.g
	var en chainEntry
	en.ch, en.u, en.w, en.costU, en.costW, en.minorU, en.minorW = nw.ends(s)
	e := s.Edge
	l := float64(g.edgeLen[e])
	bu, bv := nw.snapBarriers(s) // to the edge's own U and V ends
	restLen := x.chLen[en.ch] - x.preLen[e] - l
	restBar := x.chBar[en.ch] - x.preBar[e]
	if nw.barrierEdge(e) {
		restBar--
	}
	if nw.core.eFwd[e] {
		en.metU, en.metW = x.preLen[e]+s.T*l, restLen+(1-s.T)*l
		en.barU, en.barW = x.preBar[e]+bu, restBar+bv
	} else {
		en.metU, en.metW = x.preLen[e]+(1-s.T)*l, restLen+s.T*l
		en.barU, en.barW = x.preBar[e]+bv, restBar+bu
	}
	// The crossings towards U are the chain's barrier edges 0..barU−1,
	// those towards W the rest.
	en.kindU = x.kindsBetween(en.ch, 0, en.barU)
	en.kindW = x.kindsBetween(en.ch, en.barU, x.chBar[en.ch])
	return en
}

// pairSearch is one worker's scratch for Pairs: per core node labels of
// the current search, reset through touched, and the targets hanging from
// each core node as linked lists (head per node, next per target end).
type pairSearch struct {
	dist    []float64 // cost from the destination
	meters  []float64 // walked metres along the chosen path
	cr      []uint32  // crossings<<4 | barrier kinds<<1 | arrived-by-minor-edge
	bar     []int32   // barrier crossings along the chosen path
	touched []int32
	heap    minHeap

	head    []int32 // core node → first target end hanging there, −1 for none
	hung    []int32 // nodes whose head was set
	next    []int32 // target end → next end at the same node
	endT    []int32 // target end → index into the targets
	endCost []float64
	endM    []float64
	endBar  []int32
	endKind []geo.BarrierKind
	endMin  []bool    // the chain's edge at this end is non-major
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

// searchPairs runs the Dijkstra on the contracted core from destination
// snap d for the pairs listed in idx (all of that destination) and writes
// their results. Each target enters at its chain's two end core nodes;
// a target on d's own chain also gets the direct walk along the chain.
func (nw *Network) searchPairs(s *pairSearch, x *pairIndex, d Snap, oent []chainEntry, osnap []Snap, pairs []geo.Pair, idx []int32, out []geo.PairResult) {
	c := nw.core
	de := nw.entry(x, d)
	s.next, s.endT, s.endCost, s.endM, s.endBar, s.endKind, s.endMin, s.minTo = s.next[:0], s.endT[:0], s.endCost[:0], s.endM[:0], s.endBar[:0], s.endKind[:0], s.endMin[:0], s.minTo[:0]
	radius := 0.0
	hang := func(t int32, u int32, cost, m float64, bar int32, kind geo.BarrierKind, minor bool) {
		if s.head[u] < 0 {
			s.hung = append(s.hung, u)
		}
		s.next = append(s.next, s.head[u])
		s.head[u] = int32(len(s.endT))
		s.endT = append(s.endT, t)
		s.endCost = append(s.endCost, cost)
		s.endM = append(s.endM, m)
		s.endBar = append(s.endBar, bar)
		s.endKind = append(s.endKind, kind)
		s.endMin = append(s.endMin, minor)
	}
	for t, pi := range idx {
		o := osnap[pairs[pi].Origin]
		oe := &oent[pairs[pi].Origin]
		hang(int32(t), oe.u, oe.costU, oe.metU, oe.barU, oe.kindU, oe.minorU)
		hang(int32(t), oe.w, oe.costW, oe.metW, oe.barW, oe.kindW, oe.minorW)
		s.minTo = append(s.minTo, math.Min(oe.costU, oe.costW))
		radius = math.Max(radius, pairs[pi].Limit)
		r := &out[pi]
		r.Cost, r.Meters = math.Inf(1), math.Inf(1)
		if oe.ch == de.ch { // along the shared chain, no core node in between
			m := o.Off + math.Abs(oe.metU-de.metU) + d.Off
			r.Cost, r.Meters = o.Off+math.Abs(oe.costU-de.costU)+d.Off, m
			r.Crossings, r.Barriers = 0, absInt32(oe.barU-de.barU)
			r.BarrierKinds = x.kindsBetween(de.ch, min(oe.barU, de.barU), max(oe.barU, de.barU))
		}
	}
	// A label's cr packs the major-road crossings (from bit 4), the
	// barrier kinds (bits 1–3, as in core.flag's bits 2–4) and whether
	// the node was reached by a non-major edge (bit 0).
	relax := func(u int32, cost, m float64, cr uint32, bar int32) {
		if cost < s.dist[u] {
			if math.IsInf(s.dist[u], 1) {
				s.touched = append(s.touched, u)
			}
			s.dist[u], s.meters[u], s.cr[u], s.bar[u] = cost, m, cr, bar
			s.heap.push(entry{d: cost, node: u})
		}
	}
	bit := func(b bool) uint32 {
		if b {
			return 1
		}
		return 0
	}
	relax(de.u, d.Off+de.costU, d.Off+de.metU, bit(de.minorU)|uint32(de.kindU)<<1, de.barU)
	relax(de.w, d.Off+de.costW, d.Off+de.metW, bit(de.minorW)|uint32(de.kindW)<<1, de.barW)
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
		ucr := s.cr[u]
		crossHere := nw.crossingNode(c.node[u]) && ucr&1 == 1
		for y := s.head[u]; y >= 0; y = s.next[y] {
			pi := idx[s.endT[y]]
			o := osnap[pairs[pi].Origin]
			cost := o.Off + s.endCost[y] + e.d
			r := &out[pi]
			if cost < r.Cost {
				cr := int32(ucr >> 4)
				if crossHere && s.endMin[y] {
					cr++
				}
				r.Cost, r.Meters = cost, o.Off+s.endM[y]+s.meters[u]
				r.Crossings, r.Barriers, r.BarrierKinds = cr, s.bar[u]+s.endBar[y], geo.BarrierKind(ucr>>1&7)|s.endKind[y]
			}
		}
		if pops++; pops&255 == 0 && pairsSettled(s, idx, pairs, osnap, out, e.d) {
			break
		}
		for arc := c.off[u]; arc < c.off[u+1]; arc++ {
			f := c.flag[arc]
			cr := ucr&^1 | uint32(f>>2)<<1
			if f&1 != 0 && crossHere {
				cr += 16
			}
			if f&2 != 0 {
				cr |= 1
			}
			relax(c.to[arc], e.d+c.cost[arc], s.meters[u]+x.arcLen[arc], cr, s.bar[u]+x.arcBar[arc])
		}
	}
	// Answers above their limit may be kept (they are exact paths' costs,
	// just possibly not the cheapest): drop them, as documented.
	for _, pi := range idx {
		if r := &out[pi]; r.Cost > pairs[pi].Limit {
			r.Cost, r.Meters, r.Crossings, r.Barriers, r.BarrierKinds = math.Inf(1), math.Inf(1), -1, -1, 0
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

func absInt32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// pairsSettled reports whether every target's answer is final once the
// search has settled every node up to cost d: a path through a node not
// yet settled costs at least d plus the target's cheaper end cost.
func pairsSettled(s *pairSearch, idx []int32, pairs []geo.Pair, osnap []Snap, out []geo.PairResult, d float64) bool {
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
