package allocation

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

// Neighbours on foot. Unit adjacency comes from the map (touching cells,
// gaps up to a street's width); with a road network two units only count
// as neighbours for zone contiguity when one can walk to the other without
// a long detour — else a zone would be "contiguous" across a river or a
// railway with no crossing nearby, and the contiguity repair would move a
// compound across it to join a zone. A bridge or level crossing close by
// keeps them neighbours, except for primary zones across water: primary
// pupils should not cross such barriers (POLICY.md §B4), so a primary zone
// spanning a river is judged to be in two pieces.

const (
	// footDetourFactor and footDetourSlackMeters bound the walk between two
	// neighbours: at most footDetourFactor × the straight line plus
	// footDetourSlackMeters, in metres walked.
	footDetourFactor      = 3
	footDetourSlackMeters = 500
	// footSearchSlackMeters is added to the search's cost limit so that a
	// metric's crossing penalties (which are not walked) do not cut the
	// search short of a short walk over a bridge.
	footSearchSlackMeters = 5000
)

// walkingAdjacency returns, per stage, adj without the pairs of units the
// metric separates (see above: a walk longer than footDetourFactor × the
// straight line + footDetourSlackMeters, or none; for primary also a walk
// across water); adj itself for both stages for metrics that measure no
// routes (straight-line) or when adj is nil. Results are symmetric when
// adj is. Units the metric cannot place on the network keep their map
// neighbours.
func walkingAdjacency(ctx context.Context, ds *data.Dataset, metric geo.Metric, adj [][]int32) ([data.NumStages][][]int32, error) {
	var out [data.NumStages][][]int32
	for st := range out {
		out[st] = adj
	}
	if adj == nil {
		return out, nil
	}
	if _, ok := metric.(geo.PairMetric); !ok {
		return out, nil
	}
	line := geo.StraightLine(ds.Planar)
	locs := make([]orb.Point, len(ds.Units))
	for u := range ds.Units {
		locs[u] = ds.Units[u].Loc
	}
	var pairs []geo.Pair
	for u, nb := range adj {
		for _, v := range nb {
			if int32(u) < v {
				d := line.Meters(locs[u], locs[v])
				pairs = append(pairs, geo.Pair{Origin: int32(u), Dest: v, Limit: footDetourFactor*d + footDetourSlackMeters + footSearchSlackMeters})
			}
		}
	}
	// Which units are on the network at all: a unit's walk to itself is
	// finite exactly when it snaps.
	self := make([]geo.Pair, len(ds.Units))
	for u := range self {
		self[u] = geo.Pair{Origin: int32(u), Dest: int32(u), Limit: math.Inf(1)}
	}
	t0 := time.Now()
	on, err := geo.MeasurePairs(ctx, metric, locs, locs, self)
	if err != nil {
		return out, fmt.Errorf("neighbours on foot: %w", err)
	}
	res, err := geo.MeasurePairs(ctx, metric, locs, locs, pairs)
	if err != nil {
		return out, fmt.Errorf("neighbours on foot: %w", err)
	}
	if debugSolve {
		fmt.Printf("neighbours on foot: %d unit pairs measured in %v\n", len(pairs), time.Since(t0))
	}
	// drop[pair]: 1 apart for every stage, 2 apart for primary only.
	drop := map[[2]int32]uint8{}
	for i, p := range pairs {
		if math.IsInf(on[p.Origin].Cost, 1) || math.IsInf(on[p.Dest].Cost, 1) {
			continue // off the network: the map is all we know
		}
		d := line.Meters(locs[p.Origin], locs[p.Dest])
		switch r := res[i]; {
		case math.IsInf(r.Cost, 1) || r.Meters > footDetourFactor*d+footDetourSlackMeters:
			drop[[2]int32{p.Origin, p.Dest}] = 1
		case r.BarrierKinds&geo.BarrierWater != 0:
			drop[[2]int32{p.Origin, p.Dest}] = 2
		}
	}
	if len(drop) == 0 {
		return out, nil
	}
	keep := func(primary bool) [][]int32 {
		k := make([][]int32, len(adj))
		for u, nb := range adj {
			for _, v := range nb {
				a, b := int32(u), v
				if a > b {
					a, b = b, a
				}
				if why := drop[[2]int32{a, b}]; why == 0 || (why == 2 && !primary) {
					k[u] = append(k[u], v)
				}
			}
		}
		return k
	}
	for st := range out {
		out[st] = keep(data.Stage(st) == data.Primary)
	}
	return out, nil
}
