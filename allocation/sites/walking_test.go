package sites

import (
	"context"
	"math"
	"testing"
	"time"

	"catchment/data/demo"
	"catchment/geo"
	"catchment/geo/roads"
	"catchment/geo/roads/roadstest"
)

// plainMetric hides a metric's batch methods (geo.PairMetric,
// geo.PricedMetric), so that site selection takes its one-pair-at-a-time
// path: the reference the batched path must agree with.
type plainMetric struct{ geo.Metric }

// TestSelectWalkingBatchedAgrees: on a demo city zoned by walking
// distance, site selection with the road network's batched pricing
// (Network.NearestPriced, Pairs) reaches the same baseline and objective as
// pricing every arc with Meters.
func TestSelectWalkingBatchedAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("demo city with streets skipped in -short mode")
	}
	c, nw := roadstest.DemoCity(t, demo.Config{Pupils: 8000, Seed: 3}, roads.Options{BarrierPenaltyMeters: 2000})
	ds := &c.Dataset
	// Offer few arcs and price the rest even on this small city.
	defer func(v int) { smallArcs = v }(smallArcs)
	smallArcs = 0
	run := func(m geo.Metric) *Result {
		// Few arcs first offered, so that pricing has work to do.
		res, err := Select(context.Background(), ds, Options{K: 2, Metric: m, Price: true, NearestSchools: 2, NearestSites: 1})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t0 := time.Now()
	batched := run(nw)
	t1 := time.Now()
	plain := run(plainMetric{nw})
	t.Logf("batched %v, one pair at a time %v", t1.Sub(t0), time.Since(t1))
	for _, c := range []struct {
		what string
		a, b Objective
	}{{"baseline", batched.Baseline, plain.Baseline}, {"objective", batched.Objective, plain.Objective}} {
		if c.a.Unplaced != c.b.Unplaced || math.Abs(c.a.Meters-c.b.Meters) > 1e-6*math.Max(1, c.b.Meters) {
			t.Errorf("%s: batched %+v, one pair at a time %+v", c.what, c.a, c.b)
		}
	}
	if len(batched.Chosen) == 0 {
		t.Errorf("no site chosen")
	}
}
