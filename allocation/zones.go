package allocation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/paulmach/orb"

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
	stageAdj, err := walkingAdjacency(ctx, ds, metric, adjacency)
	if err != nil {
		return nil, fmt.Errorf("from zones: %w", err)
	}
	plan := &Plan{Dataset: ds, Policy: pol, Metric: metric.Name(), Adjacency: adjacency}
	// The stages are independent: evaluate them concurrently.
	var errs [data.NumStages]error
	var wg sync.WaitGroup
	for st := range data.NumStages {
		wg.Add(1)
		go func(st data.Stage) {
			defer wg.Done()
			sp, err := fromStageZones(ctx, ds, &pol, metric, stageAdj[st], st, zones[st])
			if err != nil {
				errs[st] = err
				return
			}
			plan.Stages[st] = *sp
		}(st)
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	plan.Report = Evaluate(plan, CurrentZones(ds))
	return plan, nil
}

// fromStageZones evaluates stage st of FromZones: given[u] is unit u's
// zone school or -1 (nil: no unit is zoned), adj the stage's adjacency.
func fromStageZones(ctx context.Context, ds *data.Dataset, pol *Policy, metric geo.Metric, adj [][]int32, st data.Stage, given []int32) (*StagePlan, error) {
	zone := make([]int32, len(ds.Units))
	meters := make([]float64, len(ds.Units))
	for u := range zone {
		zone[u] = -1
		if given == nil {
			continue
		}
		s := given[u]
		if s < 0 {
			continue
		}
		if int(s) >= len(ds.Schools) || !ds.Schools[s].Offers(st) {
			return nil, fmt.Errorf("from zones: unit %q zoned to school %d, which does not offer %s",
				ds.Units[u].ID, s, st)
		}
		zone[u] = s
	}
	routes, err := measureZones(ctx, ds, metric, zone, nil)
	if err != nil {
		return nil, fmt.Errorf("from zones: %s: %w", st, err)
	}
	for u, s := range zone {
		if s >= 0 {
			meters[u] = routes.meters[u]
			if math.IsInf(meters[u], 1) {
				meters[u], routes.cost[u] = math.MaxFloat32, math.MaxFloat32
			}
		}
	}
	if given != nil {
		// Units without pupils and without a given zone take their
		// neighbours' zone, as in Solve, so the zones cover the area.
		fillEmpty(ds, st, zone, meters, adj)
	}
	sp, byTier, err := assemble(ctx, ds, pol, st, metric, zone, meters, routes.cost)
	if err != nil {
		return nil, fmt.Errorf("from zones: %s: %w", st, err)
	}
	sp.OverflowByTier = byTier
	sp.Adjacency = adj
	sp.ZoneCrossings, sp.ZoneBarriers, sp.ZoneBarrierKinds = routes.crossings, routes.barriers, routes.barrierKinds
	return sp, nil
}

// zoneRoutes are the measured routes from units to their zone schools,
// indexed by dataset unit.
type zoneRoutes struct {
	// meters and cost are +Inf for units not measured (no zone, filtered
	// out, or unreachable); cost includes the metric's penalties.
	meters, cost []float64
	// crossings and barriers count major-road and barrier crossings (-1
	// unknown); nil when the metric knows neither.
	crossings, barriers []int32
	// barrierKinds is the geo.BarrierKind set of the barriers counted in
	// barriers (0 when none or unknown); nil exactly when barriers is.
	barrierKinds []uint8
}

// measureZones measures in one batch (geo.MeasurePairs) the route of every
// unit u with zone[u] ≥ 0 for which want(u) holds (every zoned unit when
// want is nil).
func measureZones(ctx context.Context, ds *data.Dataset, metric geo.Metric, zone []int32, want func(u int) bool) (*zoneRoutes, error) {
	n := len(zone)
	r := &zoneRoutes{meters: make([]float64, n), cost: make([]float64, n)}
	units := make([]orb.Point, n)
	for u := range zone {
		units[u] = ds.Units[u].Loc
		r.meters[u], r.cost[u] = math.Inf(1), math.Inf(1)
	}
	schools := make([]orb.Point, len(ds.Schools))
	for i := range ds.Schools {
		schools[i] = ds.Schools[i].Loc
	}
	var pairs []geo.Pair
	for u, s := range zone {
		if s >= 0 && (want == nil || want(u)) {
			pairs = append(pairs, geo.Pair{Origin: int32(u), Dest: s, Limit: math.Inf(1)})
		}
	}
	t0 := time.Now()
	res, err := geo.MeasurePairs(ctx, metric, units, schools, pairs)
	if err != nil {
		return nil, err
	}
	if debugSolve {
		fmt.Printf("zone routes: %d pairs measured in %v\n", len(pairs), time.Since(t0))
	}
	var knowC, knowB bool
	for _, x := range res {
		knowC = knowC || x.Crossings >= 0
		knowB = knowB || x.Barriers >= 0
	}
	unknown := func() []int32 {
		a := make([]int32, n)
		for i := range a {
			a[i] = -1
		}
		return a
	}
	if knowC {
		r.crossings = unknown()
	}
	if knowB {
		r.barriers = unknown()
		r.barrierKinds = make([]uint8, n)
	}
	for i, pr := range pairs {
		u := pr.Origin
		r.meters[u], r.cost[u] = res[i].Meters, res[i].Cost
		if knowC {
			r.crossings[u] = res[i].Crossings
		}
		if knowB {
			r.barriers[u] = res[i].Barriers
			if res[i].Barriers > 0 {
				r.barrierKinds[u] = uint8(res[i].BarrierKinds)
			}
		}
	}
	return r, nil
}
