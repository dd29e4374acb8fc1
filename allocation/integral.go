package allocation

import (
	"math"
	"sort"
	"time"
)

// zoning is the whole-unit state the integral steps work on: each local
// unit's zone school, each school's load and its members.
type zoning struct {
	p       *stageProblem
	zone    []int32   // local unit → local school, -1 when unreachable
	load    []int64   // local school → pupils zoned there
	members [][]int32 // local school → its local units (unordered)
	pos     []int32   // local unit → index in members[zone]
	// scratch for connectivity checks
	mark  []int32
	stamp int32
	queue []int32
}

func newZoning(p *stageProblem, zone []int32) *zoning {
	z := &zoning{p: p, zone: zone, load: make([]int64, len(p.schools)),
		members: make([][]int32, len(p.schools)), pos: make([]int32, len(zone)),
		mark: make([]int32, len(zone))}
	for lu, s := range zone {
		if s >= 0 {
			z.load[s] += p.pupils[lu]
			z.pos[lu] = int32(len(z.members[s]))
			z.members[s] = append(z.members[s], int32(lu))
		}
	}
	return z
}

// move rezones unit lu to school t.
func (z *zoning) move(lu, t int32) {
	s := z.zone[lu]
	if s == t {
		return
	}
	if s >= 0 {
		m := z.members[s]
		i := z.pos[lu]
		last := m[len(m)-1]
		m[i] = last
		z.pos[last] = i
		z.members[s] = m[:len(m)-1]
		z.load[s] -= z.p.pupils[lu]
	}
	z.zone[lu] = t
	z.pos[lu] = int32(len(z.members[t]))
	z.members[t] = append(z.members[t], lu)
	z.load[t] += z.p.pupils[lu]
}

// unitCost is the optimiser's cost of zoning lu to school t, pupils
// included; +Inf when the metric is costly per pair and the distance has
// not been measured yet (see knownDist): no move goes there until a
// prefetch measures it.
func (z *zoning) unitCost(lu, t int32) float64 {
	d := z.p.knownDist(lu, t)
	return float64(z.p.pupils[lu]) * z.p.cost(lu, t, d)
}

// room reports whether school t can take unit lu without exceeding seats.
func (z *zoning) room(lu, t int32) bool {
	return z.load[t]+z.p.pupils[lu] <= z.p.cap[t]
}

// round gives every unit the school that carries most of its relaxed flow
// (ties to the cheaper arc); a unit whose flow is all unplaced takes its
// nearest candidate, so that it still has a zone.
func (p *stageProblem) round(lp *relaxation) []int32 {
	zone := make([]int32, len(p.units))
	for lu := range p.units {
		zone[lu] = -1
		if f := p.fixed[lu]; f >= 0 {
			zone[lu] = f
			continue
		}
		var best int64 = -1
		for i := p.cand.Off[lu]; i < p.cand.Off[lu+1]; i++ {
			if lp.flow[i] > best && !math.IsInf(p.cand.Meters[i], 1) {
				best, zone[lu] = lp.flow[i], p.cand.Dest[i]
			}
		}
	}
	return zone
}

// repairCapacity moves units out of over-full zones, choosing the cheapest
// move that fits: a direct move to a candidate school with room, or a
// two-step move (the receiving school passes one of its own units on to a
// school with room). What cannot be repaired stays and later overflows.
func (p *stageProblem) repairCapacity(zone []int32) {
	z := newZoning(p, zone)
	for pass := 0; pass < 3; pass++ {
		p.addRoomArcs(z)
		p.prefetch(z.zone)
		changed := false
		for s := range p.schools {
			for z.load[s] > p.cap[s] {
				if p.ctx.Err() != nil {
					return
				}
				if !z.relieve(int32(s)) {
					break
				}
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// relieve performs the best move out of over-full school s; false if none.
func (z *zoning) relieve(s int32) bool {
	p := z.p
	excess := z.load[s] - p.cap[s]
	type option struct {
		u, t, v, r int32 // move u: s→t, and optionally v: t→r (v = -1)
		score      float64
	}
	best := option{u: -1, score: math.Inf(1)}
	// score: added cost per pupil of excess removed, so a small unit that
	// clears the excess beats a big one that overshoots at the same cost.
	consider := func(o option, delta float64, removed int64) {
		if removed <= 0 {
			return
		}
		o.score = delta / float64(min(removed, excess))
		if o.score < best.score {
			best = o
		}
	}
	for _, u := range z.members[s] {
		if p.fixed[u] >= 0 {
			continue
		}
		base := z.unitCost(u, s)
		d, _ := p.cand.Row(int(u))
		for _, t := range d {
			if t == s {
				continue
			}
			delta := z.unitCost(u, t) - base
			if z.room(u, t) {
				consider(option{u: u, t: t, v: -1}, delta, p.pupils[u])
			}
		}
	}
	if best.u < 0 {
		// Two-step moves, only when no direct move exists.
		for _, u := range z.members[s] {
			if p.fixed[u] >= 0 {
				continue
			}
			base := z.unitCost(u, s)
			d, _ := p.cand.Row(int(u))
			for ti, t := range d {
				if t == s || ti >= 8 {
					continue
				}
				du := z.unitCost(u, t) - base
				for _, v := range z.members[t] {
					if p.fixed[v] >= 0 || z.load[t]+p.pupils[u]-p.pupils[v] > p.cap[t] {
						continue
					}
					vb := z.unitCost(v, t)
					dv, _ := p.cand.Row(int(v))
					for _, r := range dv {
						if r == t || r == s || !z.room(v, r) {
							continue
						}
						consider(option{u: u, t: t, v: v, r: r}, du+z.unitCost(v, r)-vb, p.pupils[u])
					}
				}
			}
		}
	}
	if best.u < 0 {
		return false
	}
	if best.v >= 0 {
		z.move(best.v, best.r)
	}
	z.move(best.u, best.t)
	return true
}

// connectedWithout reports whether removing unit lu keeps the rest of its
// zone's units that neighbour lu connected to each other.
func (z *zoning) connectedWithout(lu int32) bool {
	adj := z.p.adj
	s := z.zone[lu]
	var first int32 = -1
	need := 0
	for _, v := range adj[lu] {
		if z.zone[v] == s {
			if first < 0 {
				first = v
			}
			need++
		}
	}
	if need <= 1 {
		return true
	}
	z.stamp++
	st := z.stamp
	z.mark[lu] = st
	z.mark[first] = st
	q := append(z.queue[:0], first)
	found := 0
	for len(q) > 0 {
		v := q[len(q)-1]
		q = q[:len(q)-1]
		for _, w := range adj[v] {
			if z.zone[w] != s || z.mark[w] == st {
				continue
			}
			z.mark[w] = st
			q = append(q, w)
		}
	}
	z.queue = q
	for _, v := range adj[lu] {
		if z.zone[v] == s && z.mark[v] == st {
			found++
		}
	}
	return found == need
}

// components splits school s's zone into connected components; the first
// returned is the main one (the component holding the unit nearest to the
// school, where the school's gate is).
func (z *zoning) components(s int32) [][]int32 {
	p := z.p
	z.stamp++
	st := z.stamp
	var comps [][]int32
	for _, u := range z.members[s] {
		if z.mark[u] == st {
			continue
		}
		z.mark[u] = st
		comp := []int32{u}
		for i := 0; i < len(comp); i++ {
			for _, w := range p.adj[comp[i]] {
				if z.zone[w] == s && z.mark[w] != st {
					z.mark[w] = st
					comp = append(comp, w)
				}
			}
		}
		comps = append(comps, comp)
	}
	if len(comps) <= 1 {
		return comps
	}
	// The main piece is the one holding the unit nearest to the school
	// (the gate is there) unless another piece has at least twice its
	// pupils: moving the smaller pieces out costs less.
	mainIdx, bestD := 0, math.Inf(1)
	pupils := make([]int64, len(comps))
	for i, c := range comps {
		for _, u := range c {
			pupils[i] += p.pupils[u]
			if d := p.dist(u, s); d < bestD {
				bestD, mainIdx = d, i
			}
		}
	}
	gate := mainIdx
	for i := range comps {
		if pupils[i] >= 2*pupils[gate] && pupils[i] > pupils[mainIdx] {
			mainIdx = i
		}
	}
	comps[0], comps[mainIdx] = comps[mainIdx], comps[0]
	return comps
}

// repairContiguity hands the units of every detached piece of a zone to a
// neighbouring zone with room, cheapest first, working inwards from the
// piece's border. Pieces that no neighbour can take stay (enclaves forced
// by seats or data) and are counted by the report.
func (p *stageProblem) repairContiguity(zone []int32) {
	z := newZoning(p, zone)
	for pass := 0; pass < 4; pass++ {
		p.prefetch(z.zone)
		changed := false
		for s := range p.schools {
			if p.ctx.Err() != nil {
				return
			}
			comps := z.components(int32(s))
			for _, comp := range comps[min(1, len(comps)):] {
				if z.absorb(comp) {
					changed = true
				}
			}
		}
		if !changed {
			return
		}
	}
}

// absorb moves the units of a detached piece into adjacent zones: directly
// where a neighbouring zone has room, else by pushing one of that zone's
// border units on into a zone with room (often the piece's own zone, which
// the move just freed), keeping every zone it touches connected.
func (z *zoning) absorb(comp []int32) bool {
	p := z.p
	moved := false
	left := append([]int32(nil), comp...)
	for len(left) > 0 {
		progress := false
		next := left[:0]
		for _, u := range left {
			if p.fixed[u] >= 0 {
				continue
			}
			s := z.zone[u]
			var bestT int32 = -1
			bestC := math.Inf(1)
			for _, w := range p.adj[u] {
				t := z.zone[w]
				if t < 0 || t == s || !z.room(u, t) {
					continue
				}
				if c := z.unitCost(u, t); c < bestC {
					bestC, bestT = c, t
				}
			}
			switch {
			case bestT >= 0:
				z.move(u, bestT)
				progress, moved = true, true
			case z.pushThrough(u):
				progress, moved = true, true
			default:
				next = append(next, u)
			}
		}
		left = next
		if !progress {
			break
		}
	}
	return moved
}

// pushThrough moves unit u into a full neighbouring zone t and, to make
// room, one border unit v of t into another adjacent zone r with room (r
// may be u's old zone). It picks the cheapest such pair and keeps t
// connected; it returns false, changing nothing, when there is none.
func (z *zoning) pushThrough(u int32) bool {
	p := z.p
	s := z.zone[u]
	type option struct{ t, v, r int32 }
	best, bestC := option{-1, -1, -1}, math.Inf(1)
	seen := map[int32]bool{}
	for _, w := range p.adj[u] {
		t := z.zone[w]
		if t < 0 || t == s || seen[t] {
			continue
		}
		seen[t] = true
		cu := z.unitCost(u, t) - z.unitCost(u, s)
		z.move(u, t) // tentatively, so room and connectivity see it
		need := z.load[t] - p.cap[t]
		for _, v := range z.members[t] {
			if v == u || p.fixed[v] >= 0 || p.pupils[v] < need {
				continue
			}
			base := z.unitCost(v, t)
			for _, x := range p.adj[v] {
				r := z.zone[x]
				if r < 0 || r == t || !z.room(v, r) {
					continue
				}
				c := cu + z.unitCost(v, r) - base
				if c < bestC && z.connectedWithout(v) {
					best, bestC = option{t, v, r}, c
				}
			}
		}
		z.move(u, s)
	}
	if best.t < 0 {
		return false
	}
	z.move(u, best.t)
	z.move(best.v, best.r)
	return true
}

// localSearch improves the zoning by single-unit moves and pairwise swaps
// across zone borders (across candidate rows when contiguity is off). A move
// never breaks seats, never splits a zone, and always lowers the cost.
func (p *stageProblem) localSearch(zone []int32) error {
	z := newZoning(p, zone)
	order := make([]int32, len(p.units))
	for i := range order {
		order[i] = int32(i)
	}
	// Big units first: they are the hardest to place well.
	sort.SliceStable(order, func(a, b int) bool { return p.pupils[order[a]] > p.pupils[order[b]] })
	targets := make([]int32, 0, 32)
	deadline := time.Now().Add(time.Duration(p.pol.Solver.LocalSearchSeconds * float64(time.Second)))
	for round := 0; round < max(1, p.pol.Solver.LocalSearchRounds); round++ {
		p.prefetch(z.zone)
		if err := p.ctx.Err(); err != nil {
			return err
		}
		if p.pol.Solver.LocalSearchSeconds > 0 && time.Now().After(deadline) {
			break
		}
		improved := 0
		for _, u := range order {
			s := z.zone[u]
			if s < 0 || p.fixed[u] >= 0 {
				continue
			}
			targets = z.neighbourZones(u, targets[:0])
			if len(targets) == 0 {
				continue
			}
			base := z.unitCost(u, s)
			var bestT int32 = -1
			bestD := -1e-9
			for _, t := range targets {
				if !z.room(u, t) {
					continue
				}
				if d := z.unitCost(u, t) - base; d < bestD {
					bestD, bestT = d, t
				}
			}
			if bestT >= 0 && (p.adj == nil || z.connectedWithout(u)) {
				z.move(u, bestT)
				improved++
				continue
			}
			if z.trySwap(u, targets) || (p.adj != nil && z.tryPush(u, targets, base)) {
				improved++
			}
		}
		if improved == 0 {
			break
		}
	}
	return nil
}

// neighbourZones lists the zones u could move to: zones of adjacent units
// with contiguity, else u's candidate schools.
func (z *zoning) neighbourZones(u int32, dst []int32) []int32 {
	s := z.zone[u]
	if z.p.adj == nil {
		d, _ := z.p.cand.Row(int(u))
		for _, t := range d {
			if t != s {
				dst = append(dst, t)
			}
		}
		return dst
	}
	for _, w := range z.p.adj[u] {
		t := z.zone[w]
		if t < 0 || t == s {
			continue
		}
		dup := false
		for _, x := range dst {
			if x == t {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, t)
		}
	}
	return dst
}

// trySwap exchanges u with a unit v of a neighbouring zone when that lowers
// the cost and keeps seats and contiguity.
func (z *zoning) trySwap(u int32, targets []int32) bool {
	p := z.p
	s := z.zone[u]
	bu := z.unitCost(u, s)
	for _, t := range targets {
		gain0 := z.unitCost(u, t) - bu
		var cands []int32
		if p.adj == nil && len(z.members[t]) > 64 {
			continue // too costly to scan without adjacency
		}
		if p.adj != nil {
			for _, w := range p.adj[u] {
				if z.zone[w] == t {
					cands = append(cands, w)
				}
			}
		} else {
			cands = z.members[t]
		}
		for _, v := range cands {
			if p.fixed[v] >= 0 || !z.listed(v, s) {
				continue
			}
			pu, pv := p.pupils[u], p.pupils[v]
			if z.load[s]-pu+pv > p.cap[s] && pv > pu {
				continue
			}
			if z.load[t]-pv+pu > p.cap[t] && pu > pv {
				continue
			}
			delta := gain0 + z.unitCost(v, s) - z.unitCost(v, t)
			if delta >= -1e-9 {
				continue
			}
			z.move(u, t)
			z.move(v, s)
			if p.adj == nil || (z.zoneConnected(s) && z.zoneConnected(t)) {
				return true
			}
			z.move(v, t)
			z.move(u, s)
		}
	}
	return false
}

// tryPush makes an improving move of u into a full neighbouring zone t by
// passing one of t's units v on to a zone r next to it that has room (r
// may be u's own zone). Every zone involved stays connected. It returns
// whether it moved.
func (z *zoning) tryPush(u int32, targets []int32, base float64) bool {
	p := z.p
	s := z.zone[u]
	if !z.connectedWithout(u) {
		return false
	}
	type option struct{ t, v, r int32 }
	best, bestD := option{-1, -1, -1}, -1e-6
	for _, t := range targets {
		if z.room(u, t) {
			continue
		}
		du := z.unitCost(u, t) - base
		if du >= bestD {
			continue
		}
		need := z.load[t] + p.pupils[u] - p.cap[t]
		for _, v := range z.members[t] {
			if p.fixed[v] >= 0 || p.pupils[v] < need {
				continue
			}
			vb := z.unitCost(v, t)
			for _, x := range p.adj[v] {
				r := z.zone[x]
				if r < 0 || r == t {
					continue
				}
				free := p.cap[r] - z.load[r]
				if r == s {
					free += p.pupils[u]
				}
				if p.pupils[v] > free {
					continue
				}
				if d := du + z.unitCost(v, r) - vb; d < bestD {
					best, bestD = option{t, v, r}, d
				}
			}
		}
	}
	if best.t < 0 {
		return false
	}
	z.move(u, best.t)
	z.move(best.v, best.r)
	if z.zoneConnected(best.t) && (best.r != s || z.zoneConnected(s)) {
		return true
	}
	z.move(best.v, best.t)
	z.move(u, s)
	return false
}

// zoneConnected reports whether school s's zone is one connected piece.
func (z *zoning) zoneConnected(s int32) bool {
	return len(z.components(s)) <= 1
}

// listed reports whether school s is in unit v's candidate row.
func (z *zoning) listed(v, s int32) bool {
	d, _ := z.p.cand.Row(int(v))
	for _, x := range d {
		if x == s {
			return true
		}
	}
	return false
}
