package allocation

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

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

// overflowPool is a pool of free seats for overflow pupils: a zoneable
// school's free public seats (anyone), or a purchased-place school's
// places of the stage (migrant children only).
type overflowPool struct {
	school  int32
	seats   int64
	migrant bool // purchased places: migrant children only
}

// overflowPools lists the seat pools of stage st in dataset school order,
// public before purchased for a school with both; used[s] is the number of
// seats already taken at school s.
func overflowPools(ds *data.Dataset, st data.Stage, used []int64) []overflowPool {
	var pools []overflowPool
	for i := range ds.Schools {
		s := &ds.Schools[i]
		if s.Zoneable(st) {
			if free := int64(s.Seats[st]) - used[i]; free > 0 {
				pools = append(pools, overflowPool{int32(i), free, false})
			}
		}
		if s.Ownership == data.Purchased && s.Status == data.Open && s.Offers(st) && s.PurchasedSeats > 0 {
			if n := purchasedSeats(s, st); n > 0 {
				pools = append(pools, overflowPool{int32(i), n, true})
			}
		}
	}
	return pools
}

// overflowK is the number of nearest pools each group's row starts with;
// pricing adds at most overflowAdd arcs per group node and round.
const (
	overflowK   = 8
	overflowAdd = 16
)

// overflowFlow is the flow of one (group, pool, resident|migrant) arc of an
// optimal overflow placement; pool is -1 for unplaced pupils.
type overflowFlow struct {
	group   int32
	pool    int32
	migrant bool
	pupils  int64
}

// placeOverflow places overflow groups at free seats by min-cost flow:
// residents at zoneable schools with free seats, migrant children also at
// purchased places, pupils no pool can take unplaced at unplacedMeters
// each. used[s] is the number of seats already taken at each dataset
// school. It returns the placements (Overflow and Unplaced), at most one
// per (group, school) and one unplaced per group.
//
// The placement is a min-cost placement over every pool, not only over the
// rows of nearest pools the flow is built from (see solveOverflow for the
// proof): ties aside it is the placement of one flow over all group × pool
// arcs.
//
// Placement.Meters is the length of the route (walked metres on a road
// network); cost is Σ pupils × the metric's cost of their placements, the
// quantity the optimiser minimises.
func placeOverflow(ctx context.Context, ds *data.Dataset, st data.Stage, metric geo.Metric, groups []overflowGroup, used []int64) (out []Placement, cost float64, err error) {
	if len(groups) == 0 {
		return nil, 0, nil
	}
	pools := overflowPools(ds, st, used)
	if len(pools) == 0 {
		for _, g := range groups {
			out = append(out, Placement{Unit: g.unit, School: -1, Pupils: int32(g.pupils), Migrants: int32(g.migrants), Kind: Unplaced})
		}
		return out, 0, nil
	}
	origins := make([]orb.Point, len(groups))
	for i, g := range groups {
		origins[i] = ds.Units[g.unit].Loc
	}
	flows, err := solveOverflow(ctx, metric, ds.Planar, groups, pools, origins, ds.Schools)
	if err != nil {
		return nil, 0, err
	}
	type key struct {
		group  int32
		school int32
	}
	agg := map[key]int{} // index into out
	var outGroup []int32 // the group of each placement
	for _, f := range flows {
		kk := key{f.group, -1}
		if f.pool >= 0 {
			kk.school = pools[f.pool].school
		}
		x, ok := agg[kk]
		if !ok {
			x = len(out)
			agg[kk] = x
			pl := Placement{Unit: groups[f.group].unit, School: kk.school, Kind: Unplaced}
			if f.pool >= 0 {
				pl.Kind = Overflow
			}
			out, outGroup = append(out, pl), append(outGroup, f.group)
		}
		out[x].Pupils += int32(f.pupils)
		if f.migrant {
			out[x].Migrants += int32(f.pupils)
		}
	}
	// Route lengths of the placements, in one batch.
	var pairs []geo.Pair
	for x, pl := range out {
		if pl.School >= 0 {
			pairs = append(pairs, geo.Pair{Origin: outGroup[x], Dest: pl.School, Limit: math.Inf(1)})
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
	for i := range out {
		if out[i].School >= 0 {
			out[i].Meters = routes[x].Meters
			cost += float64(out[i].Pupils) * routes[x].Cost
			x++
		}
	}
	return out, cost, nil
}

// solveOverflow computes a min-cost placement of the groups' pupils at the
// pools: residents at public pools, migrants at any pool, the rest
// unplaced at scaleCost(unplacedMeters) per pupil, each pupil at the
// metric's cost (scaleCost) of its pool's school. planar says how the
// points are given. It returns the positive flows.
//
// The flow is built on rows of each group's overflowK nearest pools and
// priced out by column generation: after each optimal solve with
// potentials π, an arc from group node v to an unlisted pool p has reduced
// cost scaleCost(c) + π(v) − π(p), and c is at least both the row's Beyond
// (the Candidates invariant) and the straight-line distance (a lower bound
// of every Metric); scaleCost is monotone. Pools are scanned by
// straight-line distance until that bound proves every remaining one
// non-negative, the others are measured, and the arcs with negative reduced
// cost (the most negative overflowAdd per node) are added before solving
// again. When no arc is added the potentials prove the flow optimal over
// all group × pool arcs (complementary slackness: unlisted arcs carry no
// flow and have non-negative reduced cost). Every round adds an arc, so the
// loop ends.
//
// For speed only, the rows start with the pools that are cheapest by cost
// plus the seat prices of a small merged flow (overflowPrices), and every
// cold solve starts from the tree those prices (then the last round's)
// suggest (mcf.Graph.SetCrashCost): on the 1,000,000-pupil demo city one
// or two rounds suffice.
func solveOverflow(ctx context.Context, metric geo.Metric, planar bool, groups []overflowGroup, pools []overflowPool, origins []orb.Point, schools []data.School) ([]overflowFlow, error) {
	nG, nP := len(groups), len(pools)
	dests := make([]orb.Point, nP)
	for i, pl := range pools {
		dests[i] = schools[pl.school].Loc
	}
	cand, err := metric.Nearest(ctx, origins, dests, min(overflowK, nP))
	if err != nil {
		return nil, fmt.Errorf("overflow candidates: %w", err)
	}
	// Rows: the listed pools of each group and their cost (clipped, so
	// appending copies them out of cand's shared arrays).
	rowDest := make([][]int32, nG)
	rowCost := make([][]float64, nG)
	for i := range groups {
		d, m := cand.Row(i)
		rowDest[i], rowCost[i] = slices.Clip(d), slices.Clip(m)
	}
	straight := metric.Name() == geo.StraightLine(planar).Name()
	index := geo.NewPointIndex(dests, planar)
	scans := make([]poolScan, nG)
	unplacedCost := scaleCost(unplacedMeters)
	// price holds the last round's seat prices π(sink) − π(p) ≥ 0 of the
	// pools: cold solves after the first start from the tree that hangs
	// every group on its cheapest pool by cost plus price (only speed
	// depends on it).
	price, err := overflowPrices(ctx, index, groups, pools, origins, schools)
	if err != nil {
		return nil, err
	}
	if price != nil {
		// Seed the rows with the pools that are cheapest by cost plus
		// price (within overflowMargin of each node's best listed one).
		node, _ := overflowNodes(groups)
		pi := make([]int64, nP)
		maxPi := [2]int64{math.MinInt64, math.MinInt64}
		for p := range pools {
			pi[p] = -price[p]
			if !pools[p].migrant {
				maxPi[0] = max(maxPi[0], pi[p])
			}
			maxPi[1] = max(maxPi[1], pi[p])
		}
		best := make([]int64, 0, 2*nG)
		for i := range groups {
			for side, v := range node[i] {
				if v < 0 {
					continue
				}
				b := unplacedCost
				for j, p := range rowDest[i] {
					if !math.IsInf(rowCost[i][j], 1) && !(pools[p].migrant && side == 0) {
						b = min(b, scaleCost(rowCost[i][j])+price[p])
					}
				}
				best = append(best, b)
			}
		}
		margin := scaleCost(overflowMargin)
		if _, err := priceOverflow(ctx, metric, straight, index, scans, origins, dests, pools, cand.Beyond, rowDest, rowCost, node, pi, maxPi,
			func(v int32) int64 { return -best[v] - margin }); err != nil {
			return nil, err
		}
	}
	for round := 0; ; round++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("overflow placement: %w", err)
		}
		// Nodes: the group nodes, then the pools, then the sink.
		node, nN := overflowNodes(groups)
		poolNode := func(p int32) int32 { return nN + p }
		sink := nN + int32(nP)
		arcs := 0
		for i := range groups {
			arcs += 2 * (len(rowDest[i]) + 1)
		}
		g := mcf.NewGraph(int(sink)+1, arcs+nP)
		// Arc a < len(refGroup) is group refGroup[a]'s arc to pool
		// refPool[a] (-1: unplaced), of its migrant node when refMig[a].
		refGroup := make([]int32, 0, arcs)
		refPool := make([]int32, 0, arcs)
		refMig := make([]bool, 0, arcs)
		var total int64
		for i, gr := range groups {
			for side, v := range node[i] {
				if v < 0 {
					continue
				}
				mig := side == 1
				n := gr.pupils - gr.migrants
				if mig {
					n = gr.migrants
				}
				g.SetSupply(v, n)
				total += n
				d, m := rowDest[i], rowCost[i]
				for j, p := range d {
					if math.IsInf(m[j], 1) || (pools[p].migrant && !mig) {
						continue
					}
					a := g.AddArc(v, poolNode(p), mcf.Inf, scaleCost(m[j]))
					if price != nil {
						g.SetCrashCost(a, scaleCost(m[j])+price[p])
					}
					refGroup, refPool, refMig = append(refGroup, int32(i)), append(refPool, p), append(refMig, mig)
				}
				g.AddArc(v, sink, mcf.Inf, unplacedCost)
				refGroup, refPool, refMig = append(refGroup, int32(i)), append(refPool, -1), append(refMig, mig)
			}
		}
		for p, pl := range pools {
			g.AddArc(poolNode(int32(p)), sink, pl.seats, 0)
		}
		g.SetSupply(sink, -total)
		t0 := time.Now()
		status, err := g.Solve(ctx)
		if err != nil {
			return nil, fmt.Errorf("overflow placement: %w", err)
		}
		if status != mcf.Optimal {
			return nil, fmt.Errorf("overflow placement: solver status %v", status)
		}
		tSolve := time.Since(t0)
		pi := make([]int64, nP)
		maxPi := [2]int64{math.MinInt64, math.MinInt64} // residents, migrants
		for p := range pools {
			pi[p] = g.Potential(poolNode(int32(p)))
			if !pools[p].migrant {
				maxPi[0] = max(maxPi[0], pi[p])
			}
			maxPi[1] = max(maxPi[1], pi[p])
		}
		if price == nil {
			price = make([]int64, nP)
		}
		for p := range pools {
			price[p] = max(0, min(g.Potential(sink)-pi[p], unplacedCost))
		}
		added, err := priceOverflow(ctx, metric, straight, index, scans, origins, dests, pools, cand.Beyond, rowDest, rowCost, node, pi, maxPi, g.Potential)
		if err != nil {
			return nil, err
		}
		if debugSolve {
			fmt.Printf("overflow round %d: %d groups, %d pools, %d arcs, %d pivots in %v, %d arcs added, cost %d\n",
				round, nG, nP, g.NumArcs(), g.Stats().Pivots, tSolve, added, g.TotalCost())
		}
		if added == 0 {
			var flows []overflowFlow
			for a := range refGroup {
				if f := g.Flow(int32(a)); f > 0 {
					flows = append(flows, overflowFlow{refGroup[a], refPool[a], refMig[a], f})
				}
			}
			return flows, nil
		}
	}
}

// overflowMargin (metres) widens the rows seeded from overflowPrices: a
// node lists every pool within this margin of its cheapest by cost plus
// price, up to overflowAdd of them.
const overflowMargin = 500

// overflowNodes numbers the group nodes of the flow: per group a resident
// node (node[i][0]) and a migrant node (node[i][1]) when it has such
// pupils, -1 otherwise. It returns the numbering and the node count.
func overflowNodes(groups []overflowGroup) (node [][2]int32, n int32) {
	node = make([][2]int32, len(groups))
	for i, gr := range groups {
		node[i] = [2]int32{-1, -1}
		if gr.pupils-gr.migrants > 0 {
			node[i][0] = n
			n++
		}
		if gr.migrants > 0 {
			node[i][1] = n
			n++
		}
	}
	return node, n
}

// overflowPrices estimates the pools' seat prices (scaled cost, ≥ 0) from
// a small flow: the groups of one zone merged per quadrant and overflowRing
// ring around the zone school at their centroid (weighted by pupils),
// groups without a zone per grid cell of that size, residents and migrants
// apart, at straight-line cost to their nearest pools (about
// overflowAggArcs arcs in all). Only the speed of solveOverflow depends on the prices; nil when
// merging would not shrink the flow.
func overflowPrices(ctx context.Context, index *geo.PointIndex, groups []overflowGroup, pools []overflowPool, origins []orb.Point, schools []data.School) ([]int64, error) {
	type key struct {
		zone    int32
		cell    [2]int32 // grid cell of groups without a zone
		sector  int8     // quadrant around the zone school
		ring    int16    // distance from it in overflowRing steps
		migrant bool
	}
	at := map[key]int32{}
	var locs []orb.Point // Σ supply × location until divided below
	var supply []int64
	var migrant []bool
	add := func(k key, loc orb.Point, n int64) {
		if n <= 0 {
			return
		}
		x, ok := at[k]
		if !ok {
			x = int32(len(locs))
			at[k] = x
			locs, supply, migrant = append(locs, orb.Point{}), append(supply, 0), append(migrant, k.migrant)
		}
		supply[x] += n
		locs[x][0] += float64(n) * loc[0]
		locs[x][1] += float64(n) * loc[1]
	}
	for i, gr := range groups {
		k, loc := key{zone: gr.zone}, origins[i]
		if gr.zone >= 0 {
			school := schools[gr.zone].Loc
			if loc[0] >= school[0] {
				k.sector |= 1
			}
			if loc[1] >= school[1] {
				k.sector |= 2
			}
			k.ring = int16(min(index.Meters(school, loc)/overflowRing, math.MaxInt16))
		} else {
			// Without a zone: merged per grid cell of about overflowRing.
			cell := float64(overflowRing)
			if !index.Planar() {
				cell /= 111_000 // metres per degree of latitude
			}
			k.cell = [2]int32{int32(math.Floor(loc[0] / cell)), int32(math.Floor(loc[1] / cell))}
		}
		add(k, loc, gr.pupils-gr.migrants)
		k.migrant = true
		add(k, loc, gr.migrants)
	}
	for x := range locs {
		locs[x][0] /= float64(supply[x])
		locs[x][1] /= float64(supply[x])
	}
	nA, nP := int32(len(locs)), len(pools)
	if int(nA) >= len(groups) {
		return nil, nil
	}
	k := min(nP, max(1, overflowAggArcs/max(1, int(nA))))
	sink := nA + int32(nP)
	g := mcf.NewGraph(int(sink)+1, int(nA)*(k+1)+nP)
	unplacedCost := scaleCost(unplacedMeters)
	var total int64
	var nb []geo.Neighbor
	for a := range nA {
		g.SetSupply(a, supply[a])
		total += supply[a]
		nb = index.Nearest(locs[a], k, nb[:0])
		for _, n := range nb {
			if pools[n.ID].migrant && !migrant[a] {
				continue
			}
			g.AddArc(a, nA+n.ID, mcf.Inf, scaleCost(n.Meters))
		}
		g.AddArc(a, sink, mcf.Inf, unplacedCost)
	}
	for p, pl := range pools {
		g.AddArc(nA+int32(p), sink, pl.seats, 0)
	}
	g.SetSupply(sink, -total)
	status, err := g.Solve(ctx)
	if err != nil {
		return nil, fmt.Errorf("overflow prices: %w", err)
	}
	if status != mcf.Optimal {
		return nil, fmt.Errorf("overflow prices: solver status %v", status)
	}
	price := make([]int64, nP)
	for p := range pools {
		price[p] = max(0, min(g.Potential(sink)-g.Potential(nA+int32(p)), unplacedCost))
	}
	return price, nil
}

// overflowRing (metres) is the width of the distance rings around a zone
// school within which overflowPrices merges the zone's groups.
const overflowRing = 1000

// overflowAggArcs bounds the arcs of overflowPrices' flow.
const overflowAggArcs = 1 << 18

// poolScan caches the pools around one group by straight-line distance,
// so the pricing rounds search the index once per group, not once per node
// and round.
type poolScan struct {
	near     []geo.Neighbor // every pool within radius, in no order
	radius   float64
	complete bool // near lists every pool
}

// within returns the cached pools around loc, a superset of those nearer
// than r, searching the index again (a tenth further) when the cache
// does not reach r.
func (c *poolScan) within(index *geo.PointIndex, loc orb.Point, r float64) []geo.Neighbor {
	if !c.complete && c.radius < r {
		c.radius = max(1.1*r, r+200)
		c.near = index.Within(loc, c.radius, c.near[:0])
		c.complete = len(c.near) == index.Len()
	}
	return c.near
}

// priceOverflow is the pricing step of solveOverflow: it appends to the
// rows the arcs of negative reduced cost found for each group node (at most
// overflowAdd per node, the most negative) and returns how many it added.
// pi holds the pools' potentials, maxPi their maximum over pools open to
// residents and to migrants, and potential the group nodes'.
func priceOverflow(ctx context.Context, metric geo.Metric, straight bool, index *geo.PointIndex, scans []poolScan, origins, dests []orb.Point,
	pools []overflowPool, beyond []float64, rowDest [][]int32, rowCost [][]float64, node [][2]int32,
	pi []int64, maxPi [2]int64, potential func(int32) int64) (int, error) {
	found := make([][]overflowArc, len(rowDest)) // straight: measured; else probes
	if pm, ok := metric.(geo.PricedMetric); ok && !straight {
		// The metric finds each node's pools of least cost − π(pool) over
		// all pools in one search seeded with the pool prices: its best
		// arcs, the most negative reduced costs, without a probe per pair.
		for side := range 2 {
			if maxPi[side] == math.MinInt64 {
				continue
			}
			price := make([]float64, len(pools))
			for p := range pools {
				price[p] = float64(maxPi[side]-pi[p]) / costScale
				if pools[p].migrant && side == 0 || price[p] < 0 {
					price[p] = closedPoolPrice // residents never take purchased places
				}
			}
			var who []int32
			var locs []orb.Point
			for i := range rowDest {
				if node[i][side] >= 0 {
					who = append(who, int32(i))
					locs = append(locs, origins[i])
				}
			}
			cand, err := pm.NearestPriced(ctx, locs, dests, price, pricedK)
			if err != nil {
				return 0, fmt.Errorf("overflow pricing: %w", err)
			}
			for x, i := range who {
				piV := potential(node[i][side])
				d, m := cand.Row(x)
				for y, p := range d {
					if price[p] == closedPoolPrice || slices.Contains(rowDest[i], p) {
						continue
					}
					if rc := scaleCost(m[y]) + piV - pi[p]; rc < 0 && !slices.ContainsFunc(found[i], func(a overflowArc) bool { return a.pool == p }) {
						found[i] = append(found[i], overflowArc{p, rc, m[y]})
					}
				}
			}
		}
		return appendFound(found, rowDest, rowCost), nil
	}
	parallel(len(rowDest), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			var out []overflowArc
			for side, v := range node[i] {
				if v < 0 {
					continue
				}
				piV := potential(v)
				floor := beyond[i]
				if maxPi[side] == math.MinInt64 || scaleCost(floor)+piV-maxPi[side] >= 0 {
					continue
				}
				// Pools nearer than R might price out: scaleCost(max(floor,
				// d)) ≥ maxPi − π(v) for d ≥ R (R rounded up).
				R := float64(maxPi[side]-piV)/costScale + 1
				near := scans[i].within(index, origins[i], R)
				var mine []overflowArc
				for _, n := range near {
					lb := scaleCost(math.Max(floor, n.Meters)) + piV
					if lb-maxPi[side] >= 0 {
						continue
					}
					p := n.ID
					if pools[p].migrant && side == 0 || lb-pi[p] >= 0 || slices.Contains(rowDest[i], p) {
						continue
					}
					if !straight {
						// A probe, measured below up to the cost that
						// would still price out (metres, rounded up).
						mine = append(mine, overflowArc{p, lb - pi[p], float64(pi[p]-piV)/costScale + 1})
						continue
					}
					// The index measures like the straight-line metric.
					if rc := scaleCost(n.Meters) + piV - pi[p]; rc < 0 {
						mine = append(mine, overflowArc{p, rc, n.Meters})
					}
				}
				slices.SortFunc(mine, func(a, b overflowArc) int {
					if a.rc != b.rc {
						return cmp.Compare(a.rc, b.rc)
					}
					return cmp.Compare(a.pool, b.pool)
				})
				limit := overflowAdd
				if !straight {
					// Probes, measured below: all of them, since any one
					// left unmeasured could still price in and the round
					// that adds nothing is the proof of optimality.
					limit = len(mine)
				}
				for _, a := range mine[:min(len(mine), limit)] {
					if x := slices.IndexFunc(out, func(b overflowArc) bool { return b.pool == a.pool }); x >= 0 {
						out[x].cost = max(out[x].cost, a.cost) // the larger probe limit
					} else {
						out = append(out, a)
					}
				}
			}
			found[i] = out
		}
	})
	if !straight {
		// Measure the probes; keep those whose real cost still prices out
		// for some node of the group.
		var pairs []geo.Pair
		for i, fs := range found {
			for _, a := range fs {
				pairs = append(pairs, geo.Pair{Origin: int32(i), Dest: a.pool, Limit: a.cost})
			}
		}
		res, err := geo.MeasurePairs(ctx, metric, origins, dests, pairs)
		if err != nil {
			return 0, fmt.Errorf("overflow pricing: %w", err)
		}
		x := 0
		for i, fs := range found {
			keep := fs[:0]
			for _, a := range fs {
				c := res[x].Cost
				x++
				a.cost = c
				for side, v := range node[i] {
					if v >= 0 && !(pools[a.pool].migrant && side == 0) && !math.IsInf(c, 1) &&
						scaleCost(c)+potential(v)-pi[a.pool] < 0 {
						keep = append(keep, a)
						break
					}
				}
			}
			found[i] = keep
		}
	}
	return appendFound(found, rowDest, rowCost), nil
}

// closedPoolPrice keeps a pool out of a priced search (residents and
// purchased places): farther than any walk.
const closedPoolPrice = 1e9

// overflowArc is a group → pool arc found by overflow pricing.
type overflowArc struct {
	pool int32
	rc   int64   // reduced cost, or its lower bound while unmeasured
	cost float64 // metric cost, or the probe's limit while unmeasured
}

// appendFound appends the priced-in arcs found[i] of each group to its row
// and returns how many there were.
func appendFound(found [][]overflowArc, rowDest [][]int32, rowCost [][]float64) int {
	added := 0
	for i, fs := range found {
		for _, a := range fs {
			rowDest[i] = append(rowDest[i], a.pool)
			rowCost[i] = append(rowCost[i], a.cost)
			added++
		}
	}
	return added
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
