package allocation

import (
	"context"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/data/demo"
	"catchment/geo"
	"catchment/geo/roads"
	"catchment/geo/roads/roadstest"
)

// pairOnly hides geo.PricedMetric from a road network, so that the solver
// prices arcs by its straight-line scan and batched pair searches instead
// of the network's distance + price search.
type pairOnly struct{ geo.Metric }

func (m pairOnly) Pairs(ctx context.Context, origins, dests []orb.Point, pairs []geo.Pair) ([]geo.PairResult, error) {
	return m.Metric.(geo.PairMetric).Pairs(ctx, origins, dests, pairs)
}

// onePair hides every batch method: one Meters call per pair.
type onePair struct{ geo.Metric }

// TestWalkingBoundAgrees solves a demo city by walking distance three
// ways — the network's priced search, batched pair searches, one search
// per pair — and checks that the proven lower bounds agree (each is the
// relaxation's optimum over all schools, to the pricing tolerance) and
// that every plan respects the seats.
func TestWalkingBoundAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("demo city with streets skipped in -short mode")
	}
	c, nw := roadstest.DemoCity(t, demo.Config{Pupils: 9000, Seed: 5}, roads.Options{BarrierPenaltyMeters: 1000})
	pol := DefaultPolicy()
	pol.Solver.Candidates = 3 // short rows: pricing must bring the rest in
	var bounds [3][data.NumStages]float64
	for i, m := range []geo.Metric{nw, pairOnly{nw}, onePair{nw}} {
		plan, err := Solve(context.Background(), Input{Dataset: &c.Dataset, Policy: pol, Metric: m})
		if err != nil {
			t.Fatal(err)
		}
		for st := range data.NumStages {
			sp := &plan.Stages[st]
			bounds[i][st] = sp.LowerBound
			if sp.LowerBound <= 0 || sp.Objective < sp.LowerBound*(1-1e-9) {
				t.Errorf("metric %d, %s: objective %.0f, bound %.0f", i, data.Stage(st), sp.Objective, sp.LowerBound)
			}
			if r := plan.Report.Stages[data.Stage(st).String()]; r.PupilsOverCapacity != 0 {
				t.Errorf("metric %d, %s: %d pupils over capacity", i, data.Stage(st), r.PupilsOverCapacity)
			}
		}
	}
	for st := range data.NumStages {
		for i := 1; i < 3; i++ {
			if a, b := bounds[0][st], bounds[i][st]; math.Abs(a-b) > 2*certifyTolerance*b {
				t.Errorf("%s: bound %.1f with the priced search, %.1f with pricing path %d", data.Stage(st), a, b, i)
			}
		}
	}
}

// TestWalkingOverflowAgrees evaluates today's hand-drawn zoning of a demo
// city (over-full zones, so many pupils overflow) by walking distance three
// ways — the network's priced search, batched pair probes, one search per
// pair — and checks that the overflow placements cost the same: each is
// proven min-cost over every pool.
func TestWalkingOverflowAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("demo city with streets skipped in -short mode")
	}
	c, nw0 := roadstest.DemoCity(t, demo.Config{Pupils: 40000, Seed: 2}, roads.Options{})
	for _, pen := range []float64{0, 1000} {
		nw, err := roads.NewNetwork(nw0.Graph(), roads.Options{BarrierPenaltyMeters: pen})
		if err != nil {
			t.Fatal(err)
		}
		metrics := []geo.Metric{nw, pairOnly{nw}}
		if pen == 0 {
			// Meters is the walked distance only without penalties (with
			// them it is the cost, and the zone distances that rank who
			// overflows would differ).
			metrics = append(metrics, onePair{nw})
		}
		var obj [3][data.NumStages]float64
		var overflow int
		for i, m := range metrics {
			plan, err := FromZones(context.Background(), &c.Dataset, DefaultPolicy(), m, nil, CurrentZones(&c.Dataset))
			if err != nil {
				t.Fatal(err)
			}
			for st := range data.NumStages {
				obj[i][st] = plan.Stages[st].Objective
				if i == 0 {
					overflow += plan.Report.Stages[data.Stage(st).String()].OverflowCount
				}
			}
		}
		if overflow == 0 {
			t.Fatal("today's zoning overflows nobody: the test exercises no overflow placement")
		}
		for st := range data.NumStages {
			for i := 1; i < len(metrics); i++ {
				if a, b := obj[0][st], obj[i][st]; math.Abs(a-b) > 1e-6*b {
					t.Errorf("penalty %g, %s: objective %.1f with the priced search, %.1f with pricing path %d", pen, data.Stage(st), a, b, i)
				}
			}
		}
	}
}
