package allocation

import (
	"context"
	"errors"
	"fmt"
	"math"

	"catchment/data"
	"catchment/geo"
)

// CurrentZones returns today's zoning (Dataset.Current) as per-stage arrays
// of school indices by unit, -1 where a unit has no zone today. A stage with
// no rows at all is nil.
func CurrentZones(ds *data.Dataset) [data.NumStages][]int32 {
	var out [data.NumStages][]int32
	if len(ds.Current) == 0 {
		return out
	}
	ui, si := ds.UnitIndex(), ds.SchoolIndex()
	for _, c := range ds.Current {
		u, okU := ui[c.UnitID]
		s, okS := si[c.SchoolID]
		if !okU || !okS || c.Stage < 0 || c.Stage >= data.NumStages {
			continue
		}
		if out[c.Stage] == nil {
			out[c.Stage] = make([]int32, len(ds.Units))
			for i := range out[c.Stage] {
				out[c.Stage][i] = -1
			}
		}
		out[c.Stage][u] = int32(s)
	}
	return out
}

// FromZones builds the plan that a given zoning implies — for instance
// today's hand-drawn zones, or a planner's edited revision — with the same
// overflow rules as Solve, and evaluates it. Given zones of units without
// pupils are kept; such units without a given zone take a neighbour's. zones[st][u] is a school index
// or -1; a nil stage means no unit is zoned in that stage. The zoning may
// put more pupils in a zone than the school has seats: those pupils
// overflow, and the report counts the over-capacity zones.
func FromZones(ctx context.Context, ds *data.Dataset, pol Policy, metric geo.Metric, adjacency [][]int32, zones [data.NumStages][]int32) (*Plan, error) {
	if ds == nil {
		return nil, errors.New("from zones: no dataset")
	}
	if metric == nil {
		metric = geo.StraightLine(ds.Planar)
	}
	plan := &Plan{Dataset: ds, Policy: pol, Metric: metric.Name(), Adjacency: adjacency}
	for st := range data.NumStages {
		zone := make([]int32, len(ds.Units))
		meters := make([]float64, len(ds.Units))
		for u := range zone {
			zone[u] = -1
			if zones[st] == nil {
				continue
			}
			s := zones[st][u]
			if s < 0 {
				continue
			}
			if int(s) >= len(ds.Schools) || !ds.Schools[s].Offers(data.Stage(st)) {
				return nil, fmt.Errorf("from zones: unit %q zoned to school %d, which does not offer %s",
					ds.Units[u].ID, s, data.Stage(st))
			}
			zone[u] = s
			meters[u] = metric.Meters(ds.Units[u].Loc, ds.Schools[s].Loc)
			if math.IsInf(meters[u], 1) {
				meters[u] = math.MaxFloat32
			}
		}
		if zones[st] != nil {
			// Units without pupils and without a given zone take their
			// neighbours' zone, as in Solve, so the zones cover the area.
			fillEmpty(ds, data.Stage(st), zone, meters, adjacency)
		}
		sp, byTier, err := assemble(ctx, ds, &pol, data.Stage(st), metric, zone, meters)
		if err != nil {
			return nil, fmt.Errorf("from zones: %s: %w", data.Stage(st), err)
		}
		sp.OverflowByTier = byTier
		plan.Stages[st] = *sp
	}
	plan.Report = Evaluate(plan, CurrentZones(ds))
	return plan, nil
}
