package allocation

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"

	"catchment/allocation/mcf"
	"catchment/data"
	"catchment/geo"
)

// tierCounts splits a unit's pupils of a stage into the policy's priority
// tiers, highest priority first. Each group's counts are apportioned by
// cumulative rounding (so they sum exactly to the group's size); the
// remainder of a group forms an implicit lowest tier of that group, listed
// after the configured tiers. Returned with each tier's migrant flag.
func tierCounts(tiers []Tier, residents, migrants int) (counts []int, migrant []bool, names []string) {
	cum := map[string]float64{}
	done := map[string]int{}
	size := map[string]int{"resident": residents, "migrant": migrants}
	for _, t := range tiers {
		cum[t.Group] += t.Share
		target := int(math.Round(math.Min(cum[t.Group], 1) * float64(size[t.Group])))
		c := target - done[t.Group]
		done[t.Group] = target
		counts = append(counts, c)
		migrant = append(migrant, t.Group == "migrant")
		names = append(names, t.Name)
	}
	for _, g := range []string{"resident", "migrant"} {
		if rest := size[g] - done[g]; rest > 0 {
			counts = append(counts, rest)
			migrant = append(migrant, g == "migrant")
			names = append(names, g+"-other")
		}
	}
	return counts, migrant, names
}

// ZoneOverflow decides who overflows from one over-full zone. The zone's
// units are given in overflow order (by convention farthest from the
// school first, ties by unit index) with their resident and migrant
// pupils; excess is the number of pupils beyond the school's seats. The
// lowest priority tiers overflow first (see Tier and tierCounts); within a
// tier, units in the given order. It returns, per unit, the overflowing
// pupils and how many of them are migrants, and the tally per tier name.
// This is the one definition of the rule: Solve, FromZones and the
// planner's incremental evaluator all use it.
func ZoneOverflow(tiers []Tier, residents, migrants []int, excess int64) (over, overMig []int64, byTier map[string]int) {
	over, overMig = make([]int64, len(residents)), make([]int64, len(residents))
	byTier = map[string]int{}
	type split struct {
		counts  []int
		migrant []bool
		names   []string
	}
	splits := make([]split, len(residents))
	nt := 0
	for i := range residents {
		c, m, n := tierCounts(tiers, residents[i], migrants[i])
		splits[i] = split{c, m, n}
		nt = max(nt, len(c))
	}
	// Walk tiers from lowest priority. Tier lists of units share the
	// configured prefix; implicit tiers come last.
	for ti := nt - 1; ti >= 0 && excess > 0; ti-- {
		for i := range residents {
			if excess == 0 {
				break
			}
			sp := splits[i]
			if ti >= len(sp.counts) || sp.counts[ti] == 0 {
				continue
			}
			take := min(int64(sp.counts[ti]), excess)
			over[i] += take
			if sp.migrant[ti] {
				overMig[i] += take
			}
			byTier[sp.names[ti]] += int(take)
			excess -= take
		}
	}
	return over, overMig, byTier
}

// overflowGroup is a group of one unit's pupils that did not fit in the
// unit's zone school.
type overflowGroup struct {
	unit     int32 // dataset unit
	pupils   int64
	migrants int64
	zone     int32 // dataset school of the zone, -1 when none
}

// selectOverflow decides who overflows from each over-full zone: the
// lowest priority tiers first, and within a tier the units farthest from
// the school first. It returns per dataset unit how many pupils and
// migrants overflow, and the tier tallies.
func selectOverflow(ds *data.Dataset, pol *Policy, st data.Stage, zone []int32, zoneMeters []float64) (over, overMig []int64, byTier map[string]int) {
	nU := len(ds.Units)
	over, overMig = make([]int64, nU), make([]int64, nU)
	byTier = map[string]int{}
	members := make(map[int32][]int32)
	load := make(map[int32]int64)
	for u, s := range zone {
		if s >= 0 && ds.Units[u].Pupils[st] > 0 {
			members[s] = append(members[s], int32(u))
			load[s] += int64(ds.Units[u].Pupils[st])
		}
	}
	schools := make([]int32, 0, len(members))
	for s := range members {
		schools = append(schools, s)
	}
	sort.Slice(schools, func(a, b int) bool { return schools[a] < schools[b] })
	for _, s := range schools {
		excess := load[s] - int64(ds.Schools[s].Seats[st])
		if excess <= 0 {
			continue
		}
		ms := members[s]
		sort.Slice(ms, func(a, b int) bool {
			da, db := zoneMeters[ms[a]], zoneMeters[ms[b]]
			if da != db {
				return da > db
			}
			return ms[a] < ms[b]
		})
		res := make([]int, len(ms))
		mig := make([]int, len(ms))
		for i, u := range ms {
			res[i] = ds.Units[u].Pupils[st] - ds.Units[u].Migrants[st]
			mig[i] = ds.Units[u].Migrants[st]
		}
		o, om, tiers := ZoneOverflow(pol.PriorityTiers, res, mig, excess)
		for i, u := range ms {
			over[u] += o[i]
			overMig[u] += om[i]
		}
		for k, v := range tiers {
			byTier[k] += v
		}
	}
	return over, overMig, byTier
}

// placeOverflow places overflow groups at free seats by min-cost flow:
// residents at zoneable schools with free seats, migrant children also at
// purchased places. used[s] is the number of seats already taken at each
// dataset school. It returns the placements (Overflow and Unplaced).
//
// Placement.Meters is the length of the route (walked metres on a road
// network); cost is Σ pupils × the metric's cost of their placements, the
// quantity the optimiser minimises.
func placeOverflow(ctx context.Context, ds *data.Dataset, st data.Stage, metric geo.Metric, groups []overflowGroup, used []int64) (out []Placement, cost float64, err error) {
	if len(groups) == 0 {
		return nil, 0, nil
	}
	// Seat pools: public free seats (anyone) and purchased places (migrants).
	type pool struct {
		school  int32
		seats   int64
		migrant bool // purchased places: migrant children only
	}
	var pools []pool
	for i := range ds.Schools {
		s := &ds.Schools[i]
		if s.Zoneable(st) {
			if free := int64(s.Seats[st]) - used[i]; free > 0 {
				pools = append(pools, pool{int32(i), free, false})
			}
		}
		if s.Ownership == data.Purchased && s.Status == data.Open && s.Offers(st) && s.PurchasedSeats > 0 {
			if n := purchasedSeats(s, st); n > 0 {
				pools = append(pools, pool{int32(i), n, true})
			}
		}
	}
	unplacedAll := func() []Placement {
		for _, g := range groups {
			out = append(out, Placement{Unit: g.unit, School: -1, Pupils: int32(g.pupils), Migrants: int32(g.migrants), Kind: Unplaced})
		}
		return out
	}
	if len(pools) == 0 {
		return unplacedAll(), 0, nil
	}
	origins := make([]orb.Point, len(groups))
	for i, g := range groups {
		origins[i] = ds.Units[g.unit].Loc
	}
	dests := make([]orb.Point, len(pools))
	for i, pl := range pools {
		dests[i] = ds.Schools[pl.school].Loc
	}
	k := min(32, len(pools))
	for {
		cand, err := metric.Nearest(ctx, origins, dests, k)
		if err != nil {
			return nil, 0, fmt.Errorf("overflow candidates: %w", err)
		}
		// Nodes: per group a resident node and a migrant node, pools, sink.
		nG, nP := len(groups), len(pools)
		sink := int32(2*nG + nP)
		g := mcf.NewGraph(2*nG+nP+1, 2*len(cand.Dest)+2*nG+nP)
		var total int64
		type arcRef struct {
			arc            int32
			group, pool    int
			migrant, place bool
		}
		var refs []arcRef
		for i, gr := range groups {
			res, mig := gr.pupils-gr.migrants, gr.migrants
			g.SetSupply(int32(2*i), res)
			g.SetSupply(int32(2*i+1), mig)
			total += gr.pupils
			d, m := cand.Row(i)
			for j, pi := range d {
				if math.IsInf(m[j], 1) {
					continue
				}
				c := scaleCost(m[j])
				if res > 0 && !pools[pi].migrant {
					refs = append(refs, arcRef{g.AddArc(int32(2*i), int32(2*nG)+pi, mcf.Inf, c), i, int(pi), false, true})
				}
				if mig > 0 {
					refs = append(refs, arcRef{g.AddArc(int32(2*i+1), int32(2*nG)+pi, mcf.Inf, c), i, int(pi), true, true})
				}
			}
			refs = append(refs, arcRef{g.AddArc(int32(2*i), sink, mcf.Inf, scaleCost(unplacedMeters)), i, -1, false, false})
			refs = append(refs, arcRef{g.AddArc(int32(2*i+1), sink, mcf.Inf, scaleCost(unplacedMeters)), i, -1, true, false})
		}
		for pi, pl := range pools {
			g.AddArc(int32(2*nG+pi), sink, pl.seats, 0)
		}
		g.SetSupply(sink, -total)
		status, err := g.Solve(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("overflow placement: %w", err)
		}
		if status != mcf.Optimal {
			return nil, 0, fmt.Errorf("overflow placement: solver status %v", status)
		}
		// Free seats left while pupils are unplaced and rows were cut: widen.
		var unplaced, freeLeft int64
		for _, r := range refs {
			if !r.place {
				unplaced += g.Flow(r.arc)
			}
		}
		for pi := range pools {
			freeLeft += pools[pi].seats - g.Flow(int32(len(refs))+int32(pi))
		}
		if unplaced > 0 && freeLeft > 0 && k < len(pools) {
			k = min(4*k, len(pools))
			continue
		}
		type key struct {
			group  int
			school int32
		}
		agg := map[key]*Placement{}
		var keys []key
		for _, r := range refs {
			f := g.Flow(r.arc)
			if f == 0 {
				continue
			}
			kk := key{r.group, -1}
			if r.place {
				kk.school = pools[r.pool].school
			}
			pl := agg[kk]
			if pl == nil {
				pl = &Placement{Unit: groups[r.group].unit, School: kk.school, Kind: Unplaced}
				if r.place {
					pl.Kind = Overflow
				}
				agg[kk] = pl
				keys = append(keys, kk)
			}
			pl.Pupils += int32(f)
			if r.migrant {
				pl.Migrants += int32(f)
			}
		}
		// Route lengths of the placements, in one batch.
		var pairs []geo.Pair
		for _, kk := range keys {
			if kk.school >= 0 {
				pairs = append(pairs, geo.Pair{Origin: int32(kk.group), Dest: kk.school, Limit: math.Inf(1)})
			}
		}
		schoolLocs := make([]orb.Point, len(ds.Schools))
		for i := range ds.Schools {
			schoolLocs[i] = ds.Schools[i].Loc
		}
		routes, err := geo.MeasurePairs(ctx, metric, origins, schoolLocs, pairs)
		if err != nil {
			return nil, 0, fmt.Errorf("overflow distances: %w", err)
		}
		x := 0
		for _, kk := range keys {
			pl := agg[kk]
			if kk.school >= 0 {
				pl.Meters = routes[x].Meters
				cost += float64(pl.Pupils) * routes[x].Cost
				x++
			}
			out = append(out, *pl)
		}
		return out, cost, nil
	}
}

// purchasedSeats returns the purchased places of a school available to
// stage st: all of them for a single-stage school, split by seats for a
// school with both stages (primary rounded down, junior the rest).
func purchasedSeats(s *data.School, st data.Stage) int64 {
	total := s.Seats[data.Primary] + s.Seats[data.Junior]
	if total == 0 || !s.Offers(st) {
		return 0
	}
	prim := int64(s.PurchasedSeats) * int64(s.Seats[data.Primary]) / int64(total)
	if st == data.Primary {
		return prim
	}
	return int64(s.PurchasedSeats) - prim
}

// assemble builds a stage plan from whole-unit zones (dataset indices):
// overflow by priority tier, placement of overflow at free seats, the
// sorted placement list, and the plan's Objective (zoneCost[u] is the
// metric's cost of unit u's zone route; nil when it equals zoneMeters).
func assemble(ctx context.Context, ds *data.Dataset, pol *Policy, st data.Stage, metric geo.Metric, zone []int32, zoneMeters, zoneCost []float64) (*StagePlan, map[string]int, error) {
	if zoneCost == nil {
		zoneCost = zoneMeters
	}
	sp := &StagePlan{Stage: st, Zone: zone, ZoneMeters: zoneMeters}
	over, overMig, byTier := selectOverflow(ds, pol, st, zone, zoneMeters)
	used := make([]int64, len(ds.Schools))
	var groups []overflowGroup
	for u := range ds.Units {
		un := &ds.Units[u]
		n := int64(un.Pupils[st])
		if n == 0 {
			continue
		}
		s := zone[u]
		if s < 0 {
			groups = append(groups, overflowGroup{unit: int32(u), pupils: n, migrants: int64(un.Migrants[st]), zone: -1})
			continue
		}
		in := n - over[u]
		if in > 0 {
			used[s] += in
			sp.Objective += float64(in) * zoneCost[u]
			sp.Placements = append(sp.Placements, Placement{Unit: int32(u), School: s, Pupils: int32(in),
				Migrants: int32(int64(un.Migrants[st]) - overMig[u]), Meters: zoneMeters[u], Kind: InZone})
		}
		if over[u] > 0 {
			groups = append(groups, overflowGroup{unit: int32(u), pupils: over[u], migrants: overMig[u], zone: s})
		}
	}
	placed, cost, err := placeOverflow(ctx, ds, st, metric, groups, used)
	if err != nil {
		return nil, nil, err
	}
	sp.Objective += cost
	sp.Placements = append(sp.Placements, placed...)
	sort.SliceStable(sp.Placements, func(a, b int) bool {
		pa, pb := &sp.Placements[a], &sp.Placements[b]
		if pa.Unit != pb.Unit {
			return pa.Unit < pb.Unit
		}
		if pa.Kind != pb.Kind {
			return pa.Kind < pb.Kind
		}
		return pa.School < pb.School
	})
	return sp, byTier, nil
}

// finish turns the local zoning into the stage plan.
func (p *stageProblem) finish(sp *StagePlan, zone []int32, lp *relaxation) (*StagePlan, error) {
	ds := p.in.Dataset
	for lu, u := range p.units {
		if zone == nil || zone[lu] < 0 {
			continue
		}
		sp.Zone[u] = p.schools[zone[lu]]
	}
	// The zone routes, measured in one batch: walked metres for the plan,
	// the metric's cost (penalties included) for the objective.
	routes, err := measureZones(p.ctx, ds, p.metric, sp.Zone, func(u int) bool { return ds.Units[u].Pupils[p.st] > 0 })
	if err != nil {
		return nil, fmt.Errorf("zone distances: %w", err)
	}
	zoneCost := make([]float64, len(sp.Zone))
	for lu, u := range p.units {
		if zone == nil || zone[lu] < 0 {
			continue
		}
		m, c := routes.meters[u], routes.cost[u]
		if math.IsInf(c, 1) { // not measured again: keep the solver's figure
			c = p.dist(int32(lu), zone[lu])
			m = c
		}
		sp.ZoneMeters[u], zoneCost[u] = m, c
	}
	fillEmpty(ds, p.st, sp.Zone, sp.ZoneMeters, p.in.Adjacency)
	out, byTier, err := assemble(p.ctx, ds, p.pol, p.st, p.metric, sp.Zone, sp.ZoneMeters, zoneCost)
	if err != nil {
		return nil, err
	}
	out.OverflowByTier = byTier
	out.WholeUnitOptimal = sp.WholeUnitOptimal
	out.ZoneCrossings, out.ZoneBarriers, out.ZoneBarrierKinds = routes.crossings, routes.barriers, routes.barrierKinds
	if lp != nil {
		var unplaced int64
		for _, pl := range out.Placements {
			if pl.Kind == Unplaced {
				unplaced += int64(pl.Pupils)
			}
		}
		out.LowerBound = lp.bound(unplaced)
	}
	return out, nil
}

// fillEmpty gives units without pupils of the stage the zone of a
// neighbour (the zone most of its neighbours are in, then the nearest
// school, wave by wave outwards), and units with no zoned neighbour the nearest zoneable school,
// so that the zones cover the whole area and a family moving in later has a
// zone school. ZoneMeters of such units is the straight-line distance.
func fillEmpty(ds *data.Dataset, st data.Stage, zone []int32, zoneMeters []float64, adj [][]int32) {
	line := geo.StraightLine(ds.Planar)
	empty := func(u int) bool { return zone[u] < 0 && ds.Units[u].Pupils[st] == 0 }
	for adj != nil {
		var assign [][2]int32
		for u := range zone {
			if !empty(u) {
				continue
			}
			// The zone most of its neighbours belong to (so that a unit
			// between two pieces of one zone joins them), ties to the
			// nearest school.
			best, bestN, bestD := int32(-1), 0, math.Inf(1)
			for i, w := range adj[u] {
				s := zone[w]
				if s < 0 {
					continue
				}
				dup := false
				for _, x := range adj[u][:i] {
					if zone[x] == s {
						dup = true
						break
					}
				}
				if dup {
					continue
				}
				n := 0
				for _, x := range adj[u] {
					if zone[x] == s {
						n++
					}
				}
				d := line.Meters(ds.Units[u].Loc, ds.Schools[s].Loc)
				if n > bestN || (n == bestN && (d < bestD || (d == bestD && s < best))) {
					best, bestN, bestD = s, n, d
				}
			}
			if best >= 0 {
				assign = append(assign, [2]int32{int32(u), best})
			}
		}
		if len(assign) == 0 {
			break
		}
		for _, a := range assign {
			zone[a[0]] = a[1]
		}
	}
	var pts []orb.Point
	var idx []int32
	for i := range ds.Schools {
		if ds.Schools[i].Zoneable(st) {
			pts = append(pts, ds.Schools[i].Loc)
			idx = append(idx, int32(i))
		}
	}
	if len(pts) == 0 {
		return
	}
	ix := geo.NewPointIndex(pts, ds.Planar)
	var nb []geo.Neighbor
	for u := range zone {
		if empty(u) {
			nb = ix.Nearest(ds.Units[u].Loc, 1, nb[:0])
			if len(nb) > 0 {
				zone[u] = idx[nb[0].ID]
			}
		}
	}
	for u := range zone {
		if ds.Units[u].Pupils[st] == 0 && zone[u] >= 0 {
			zoneMeters[u] = line.Meters(ds.Units[u].Loc, ds.Schools[zone[u]].Loc)
		}
	}
}
