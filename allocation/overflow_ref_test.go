package allocation

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"catchment/allocation/mcf"
	"catchment/data"
	"catchment/geo"
)

// placeOverflowRef is the placement as it was before certified pricing
// (rows of the 32 nearest pools, widened ×4 only while pupils stay
// unplaced), kept as a reference for TestPlaceOverflowAgainstReference.
// It places overflow groups at free seats by min-cost flow:
// residents at zoneable schools with free seats, migrant children also at
// purchased places. used[s] is the number of seats already taken at each
// dataset school. It returns the placements (Overflow and Unplaced).
//
// Placement.Meters is the length of the route (walked metres on a road
// network); cost is Σ pupils × the metric's cost of their placements, the
// quantity the optimiser minimises.
func placeOverflowRef(ctx context.Context, ds *data.Dataset, st data.Stage, metric geo.Metric, groups []overflowGroup, used []int64) (out []Placement, cost float64, err error) {
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
