package sites

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/demo"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkSelectDemoCity is acceptance check 2: 5 primary sites among the
// ~2,000 candidates of the 1,000,000-pupil demo city. It reports wall and
// CPU seconds per selection and the relaxation's distance before and after.
// With CATCHMENT_SITES_FINISH=1 it also re-solves the zones before and
// after through the pipeline (cells, contiguity: as `catchment solve`) and
// logs the near-zone ratio and total distance of both plans.
//
//	go test ./allocation/sites -run '^$' -bench DemoCity -benchtime 1x
func BenchmarkSelectDemoCity(b *testing.B) {
	city, err := demo.Generate(demo.Config{Pupils: 1_000_000, NoStreets: true})
	if err != nil {
		b.Fatal(err)
	}
	ds := &city.Dataset
	b.Logf("schools %d, units %d, candidates %d", len(ds.Schools), len(ds.Units), len(ds.Candidates))
	ctx := context.Background()
	var res *Result
	b.ResetTimer()
	cpu0, wall0 := cpuSeconds(), time.Now()
	for b.Loop() {
		res, err = Select(ctx, ds, Options{K: 5, Stages: []data.Stage{data.Primary}, DefaultSeats: [2]int{1350, 1500}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric((cpuSeconds()-cpu0)/n, "cpu-s/op")
	b.ReportMetric(time.Since(wall0).Seconds()/n, "wall-s/op")
	b.ReportMetric(res.Baseline.Meters, "relax-m-before")
	b.ReportMetric(res.Objective.Meters, "relax-m-after")
	b.ReportMetric(float64(res.Evaluations), "evals")
	for _, c := range res.Chosen {
		b.Logf("chosen %s seats %v gain %+v", c.ID, c.Seats, c.Gain)
	}
	b.Logf("relaxation: unplaced %d → %d, distance %.0f → %.0f m; swaps %d",
		res.Baseline.Unplaced, res.Objective.Unplaced, res.Baseline.Meters, res.Objective.Meters, res.Swaps)
	if os.Getenv("CATCHMENT_SITES_FINISH") == "" {
		return
	}
	pol := allocation.DefaultPolicy()
	solve := func(ctx context.Context, d *data.Dataset) (*allocation.Plan, error) {
		prep, err := pipeline.Prepare(ctx, d, city.Boundary, nil)
		if err != nil {
			return nil, err
		}
		return prep.Solve(ctx, pol, nil)
	}
	if _, _, err := Finish(ctx, ds, res, solve); err != nil {
		b.Fatal(err)
	}
	bf, af := res.Before["primary"], res.After["primary"]
	b.Logf("re-solved primary: near-zone %.4f → %.4f, total distance %.0f → %.0f m, unplaced %d → %d, overflow %d → %d",
		bf.NearZoneRatio, af.NearZoneRatio, bf.TotalDistanceMeters, af.TotalDistanceMeters, bf.Unplaced, af.Unplaced, bf.Overflow, af.Overflow)
	for _, c := range res.Chosen {
		b.Logf("site %s: zone pupils %d, units %d", c.ID, c.ZonePupils["primary"], len(c.ZoneUnits["primary"]))
	}
}
