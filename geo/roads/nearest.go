package roads

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"

	"catchment/geo"
)

// Side says which input slice an Unreachable entry indexes.
type Side int

// The sides of a query.
const (
	Origin      Side = iota // a unit
	Destination             // a school
)

// String returns "origin" or "destination".
func (s Side) String() string {
	if s == Destination {
		return "destination"
	}
	return "origin"
}

// Reason says why a point has no walking distances.
type Reason int

// The reasons a point is reported unreachable.
const (
	// TooFarFromNetwork: no walkable edge within Options.MaxSnapMeters.
	TooFarFromNetwork Reason = iota
	// NoDestinationInComponent: the point's network component holds no
	// snapped destination; every distance is +Inf.
	NoDestinationInComponent
	// BeyondMaxWalk: destinations exist in the component but none within
	// Options.MaxWalkMeters; the row is empty and Beyond is the radius bound.
	BeyondMaxWalk
)

// String names the reason for reports.
func (r Reason) String() string {
	switch r {
	case TooFarFromNetwork:
		return "too far from any walkable way"
	case NoDestinationInComponent:
		return "walking network component reaches no school"
	case BeyondMaxWalk:
		return "no school within the walking radius"
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// Unreachable reports one point that got no walking distances.
type Unreachable struct {
	Side   Side
	Index  int // index into origins or dests
	Reason Reason
}

// Result is NearestDetailed's answer.
type Result struct {
	// Candidates is what Nearest returns.
	*geo.Candidates
	// Crossings[j] counts the at-grade major-road crossings on the path of
	// candidate j (parallel to Candidates.Dest). It is the same slice as
	// Candidates.Crossings, which Nearest returns.
	Crossings []int32
	// Unreachable lists origins and destinations without distances, in
	// order (origins first, by index).
	Unreachable []Unreachable
}

// Nearest implements geo.Metric: for every origin its k nearest
// destinations by walking cost within Options.MaxWalkMeters (so "every
// reachable destination" for k ≥ len(dests) means every one within that
// radius), with the Beyond lower bound, and Candidates.Crossings filled
// (the at-grade major-road crossings of each listed path). Unreachable
// origins get empty rows with Beyond = +Inf (or the radius bound); call
// NearestDetailed to learn which they are. See NearestDetailed.
func (nw *Network) Nearest(ctx context.Context, origins, dests []orb.Point, k int) (*geo.Candidates, error) {
	r, err := nw.NearestDetailed(ctx, origins, dests, k)
	if err != nil {
		return nil, err
	}
	return r.Candidates, nil
}

// NearestDetailed answers Nearest with, per candidate, the number of
// major-road crossings on its path and the list of unreachable points.
//
// It runs one k-label multi-source Dijkstra from all destinations at once
// on the contracted junction graph (see core.go: chains of degree-2 nodes
// are single arcs, typically 10–20× fewer nodes on OSM data): every core
// node keeps up to k labels from distinct destinations, settled in global
// cost order, so its labels are its k nearest destinations. Memory is
// O(core nodes × min(k, len(dests))). When more than 255 destinations are
// wanted per origin it runs one bounded Dijkstra per destination on
// Options.Workers goroutines instead (memory O(nodes) per worker plus the
// origins × destinations result).
//
// An origin's row merges the labels of the two core nodes ending its chain
// (and the destinations on that chain). Beyond[i] is the smaller of the
// first candidate not listed and, per end, its k-th label (or MaxWalkMeters
// when it has fewer than k) plus the cost to reach that end — a valid lower
// bound for every unlisted destination. Rows of unreachable origins are
// empty with Beyond = +Inf (or the radius bound for BeyondMaxWalk). Costs
// agree with Meters up to float rounding (about 1e-9 relative).
func (nw *Network) NearestDetailed(ctx context.Context, origins, dests []orb.Point, k int) (*Result, error) {
	if k < 0 {
		return nil, fmt.Errorf("roads: nearest: k = %d must be ≥ 0", k)
	}
	g := nw.g
	kk := min(k, len(dests))
	res := &Result{Candidates: &geo.Candidates{
		Off:    make([]int32, len(origins)+1),
		Beyond: make([]float64, len(origins)),
	}}
	osnap, ook := nw.snapAll(origins)
	dsnap, dok := nw.snapAll(dests)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Which components hold a destination, and which destinations sit on
	// each edge (for same-edge shortcuts).
	compHas := make([]bool, len(g.compSize))
	onChain := map[int32][]int32{}
	for j := range dests {
		if dok[j] {
			compHas[g.comp[g.edgeU[dsnap[j].Edge]]] = true
			ch := nw.core.eChain[dsnap[j].Edge]
			onChain[ch] = append(onChain[ch], int32(j))
		}
	}

	var lab *labels
	var matrix *perDest
	var err error
	if kk > maxLabels {
		matrix, err = nw.allDest(ctx, osnap, ook, dsnap, dok)
	} else {
		lab, err = nw.kLabel(ctx, dsnap, dok, kk, nil, nw.opts.MaxWalkMeters)
	}
	if err != nil {
		return nil, err
	}

	// Assemble rows in parallel chunks, then concatenate.
	type row struct {
		dest  []int32
		cost  []float64
		cross []int32
	}
	rows := make([]row, len(origins))
	var wg sync.WaitGroup
	chunk := (len(origins) + nw.opts.Workers - 1) / max(nw.opts.Workers, 1)
	for w := 0; w < len(origins); w += max(chunk, 1) {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			var cand []cand
			for i := lo; i < hi; i++ {
				if i%4096 == 0 && ctx.Err() != nil {
					return
				}
				switch {
				case !ook[i] || len(dests) == 0:
					res.Beyond[i] = math.Inf(1)
					continue
				case kk == 0: // nothing listed: the off-network leg is all we know
					res.Beyond[i] = osnap[i].Off
					if !compHas[g.comp[g.edgeU[osnap[i].Edge]]] {
						res.Beyond[i] = math.Inf(1)
					}
					continue
				}
				var beyond float64
				if matrix != nil {
					cand, beyond = nw.rowAll(matrix, i, len(dests), kk, osnap[i], cand[:0])
				} else {
					cand, beyond = nw.row(lab, kk, osnap[i], dsnap, onChain, cand[:0], nil, nw.opts.MaxWalkMeters)
				}
				if !compHas[g.comp[g.edgeU[osnap[i].Edge]]] {
					beyond = math.Inf(1)
				}
				res.Beyond[i] = beyond
				r := row{make([]int32, len(cand)), make([]float64, len(cand)), make([]int32, len(cand))}
				for x, c := range cand {
					r.dest[x], r.cost[x], r.cross[x] = c.dest, c.cost, c.cross
				}
				rows[i] = r
			}
		}(w, min(w+chunk, len(origins)))
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := res.Candidates
	for i, r := range rows {
		c.Dest = append(c.Dest, r.dest...)
		c.Meters = append(c.Meters, r.cost...)
		res.Crossings = append(res.Crossings, r.cross...)
		c.Off[i+1] = int32(len(c.Dest))
		switch {
		case !ook[i]:
			res.Unreachable = append(res.Unreachable, Unreachable{Origin, i, TooFarFromNetwork})
		case len(dests) > 0 && !compHas[g.comp[g.edgeU[osnap[i].Edge]]]:
			res.Unreachable = append(res.Unreachable, Unreachable{Origin, i, NoDestinationInComponent})
		case len(r.dest) == 0 && kk > 0:
			res.Unreachable = append(res.Unreachable, Unreachable{Origin, i, BeyondMaxWalk})
		}
	}
	for j := range dests {
		if !dok[j] {
			res.Unreachable = append(res.Unreachable, Unreachable{Destination, j, TooFarFromNetwork})
		}
	}
	if c.Dest == nil {
		c.Dest, c.Meters, res.Crossings = []int32{}, []float64{}, []int32{}
	}
	// The walking metric knows the crossings of every listed path, so the
	// solver and the report get them through geo.Candidates too.
	c.Crossings = res.Crossings
	return res, nil
}

// snapAll snaps points in parallel.
func (nw *Network) snapAll(pts []orb.Point) ([]Snap, []bool) {
	s := make([]Snap, len(pts))
	ok := make([]bool, len(pts))
	var wg sync.WaitGroup
	w := nw.opts.Workers
	for part := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := part; i < len(pts); i += w {
				s[i], ok[i] = nw.Snap(pts[i])
			}
		}()
	}
	wg.Wait()
	return s, ok
}

// labels holds, per node, k slots of labels from distinct destinations:
// the first settled[u] are final, in non-decreasing cost (settled in
// global order); slots settled[u]..count[u] are tentative during the search
// and all are final when it ends.
type labels struct {
	k       int
	count   []uint8   // slots in use
	settled []uint8   // final labels (a prefix of the slots)
	src     []int32   // node u's slots are [u*k, u*k+k)
	cost    []float64 // cost from the destination's point to the node
	cr      []uint16  // crossings<<1 | arrived-by-minor-edge
}

// kLabel runs the k-label multi-source Dijkstra from every snapped
// destination. Besides the settled labels, each node keeps its best
// tentative labels in the same k slots: a new label is queued only if it
// beats the source's tentative label at that node or, when all k slots are
// taken, the worst tentative one (which it evicts) — a node's final k
// labels can only be among those, so this prunes the queue without losing
// any. Destination j's labels start at price[j] (0 when price is nil), so
// they rank distance plus price; labels above maxWalk are dropped.
func (nw *Network) kLabel(ctx context.Context, dsnap []Snap, dok []bool, k int, price []float64, maxWalk float64) (*labels, error) {
	c := nw.core
	n := len(c.node)
	if k > maxLabels {
		return nil, fmt.Errorf("roads: nearest: k = %d exceeds %d labels per node", k, maxLabels)
	}
	l := &labels{k: k, count: make([]uint8, n), settled: make([]uint8, n),
		src: make([]int32, n*k), cost: make([]float64, n*k), cr: make([]uint16, n*k)}
	if k == 0 {
		return l, nil
	}
	var h radixHeap
	// offer queues label (d, src, cr) at v unless it cannot be among v's k best.
	offer := func(v int32, d float64, src int32, cr uint32) {
		set, cnt := int(l.settled[v]), int(l.count[v])
		if set == k {
			return
		}
		base := int(v) * k
		for x, s := range l.src[base : base+cnt] {
			if s == src {
				x += base
				if x < base+set || l.cost[x] <= d {
					return
				}
				l.cost[x], l.cr[x] = d, uint16(min(cr, math.MaxUint16))
				h.push(d, v, src)
				return
			}
		}
		x := base + cnt
		if cnt == k {
			worst, worstAt := -1.0, -1
			for y := base + set; y < base+k; y++ {
				if l.cost[y] > worst {
					worst, worstAt = l.cost[y], y
				}
			}
			if d >= worst {
				return
			}
			x = worstAt // evict: v has k better candidates than that one
		} else {
			l.count[v]++
		}
		l.src[x], l.cost[x], l.cr[x] = src, d, uint16(min(cr, math.MaxUint16))
		h.push(d, v, src)
	}
	bit := func(b bool) uint32 {
		if b {
			return 1
		}
		return 0
	}
	for j, s := range dsnap {
		if !dok[j] {
			continue
		}
		_, u, w, toU, toW, minorU, minorW := nw.ends(s)
		var pr float64
		if price != nil {
			pr = price[j]
		}
		if d := pr + s.Off + toU; d <= maxWalk {
			offer(u, d, int32(j), bit(minorU))
		}
		if d := pr + s.Off + toW; d <= maxWalk {
			offer(w, d, int32(j), bit(minorW))
		}
	}
	for pops := 0; h.len() > 0; pops++ {
		if pops&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		d, u, src := h.pop()
		// Settle the entry if it is still u's tentative label for src.
		base, set := int(u)*k, int(l.settled[u])
		x := -1
		for y := base + set; y < base+int(l.count[u]); y++ {
			if l.src[y] == src {
				x = y
				break
			}
		}
		if x < 0 || l.cost[x] != d {
			continue // stale: improved, evicted or already settled
		}
		ecr := uint32(l.cr[x])
		first := base + set
		l.src[x], l.src[first] = l.src[first], l.src[x]
		l.cost[x], l.cost[first] = l.cost[first], l.cost[x]
		l.cr[x], l.cr[first] = l.cr[first], l.cr[x]
		l.settled[u]++
		crossHere := nw.crossingNode(c.node[u]) && ecr&1 == 1
		for arc := c.off[u]; arc < c.off[u+1]; arc++ {
			v := c.to[arc]
			if int(l.settled[v]) >= k {
				continue
			}
			dv := d + c.cost[arc]
			if dv > maxWalk {
				continue
			}
			cr := ecr &^ 1
			f := c.flag[arc]
			if f&1 != 0 && crossHere {
				cr += 2
			}
			if f&2 != 0 {
				cr |= 1
			}
			offer(v, dv, src, cr)
		}
	}
	return l, nil
}

type cand struct {
	dest  int32
	cost  float64
	cross int32
}

// row merges the labels of the core nodes at the ends of origin snap o's
// chain (and the destinations on that chain) into its candidate list and
// bound. Costs include price[dest] as kLabel's labels do; maxWalk is the
// search's radius.
func (nw *Network) row(l *labels, k int, o Snap, dsnap []Snap, onChain map[int32][]int32, out []cand, price []float64, maxWalk float64) ([]cand, float64) {
	ch, u, w, toU, toW, minorU, minorW := nw.ends(o)
	bound := math.Inf(1)
	add := func(dest int32, cost float64, cross int32) {
		for x := range out {
			if out[x].dest == dest {
				if cost < out[x].cost {
					out[x].cost, out[x].cross = cost, cross
				}
				return
			}
		}
		out = append(out, cand{dest, cost, cross})
	}
	for _, end := range [2]struct {
		u     int32
		to    float64
		minor bool
	}{{u, toU, minorU}, {w, toW, minorW}} {
		base, cnt := int(end.u)*k, int(l.settled[end.u])
		cross := nw.crossingNode(nw.core.node[end.u]) && end.minor
		for x := base; x < base+cnt; x++ {
			c := int32(l.cr[x] >> 1)
			if cross && l.cr[x]&1 == 1 {
				c++
			}
			add(l.src[x], o.Off+end.to+l.cost[x], c)
		}
		b := maxWalk
		if cnt == k {
			b = l.cost[base+k-1]
		}
		bound = math.Min(bound, o.Off+end.to+b)
	}
	for _, j := range onChain[ch] {
		d := dsnap[j]
		_, _, _, dU, _, _, _ := nw.ends(d)
		var pr float64
		if price != nil {
			pr = price[j]
		}
		add(j, pr+o.Off+math.Abs(toU-dU)+d.Off, 0)
	}
	return finishRow(out, k, bound)
}

// finishRow keeps the candidates known exactly (cost ≤ bound), sorts them
// by cost then destination, truncates to k and returns the row's Beyond.
func finishRow(out []cand, k int, bound float64) ([]cand, float64) {
	keep := out[:0]
	for _, c := range out {
		if c.cost <= bound {
			keep = append(keep, c)
		}
	}
	slices.SortFunc(keep, func(a, b cand) int {
		if c := cmp.Compare(a.cost, b.cost); c != 0 {
			return c
		}
		return cmp.Compare(a.dest, b.dest)
	})
	if len(keep) > k {
		bound = keep[k].cost
		keep = keep[:k]
	}
	return keep, bound
}
