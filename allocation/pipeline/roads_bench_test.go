package pipeline

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/demo"
	"catchment/geo/roads"
)

var (
	benchPupils = flag.Int("walk-pupils", demo.DefaultPupils, "pupils of the demo city BenchmarkWalkingCity runs on")
	benchSeed   = flag.Int64("walk-seed", 7, "seed of the demo city BenchmarkWalkingCity runs on")
)

// BenchmarkWalkingCity is issue 7's acceptance check 3: the demo city
// (default 1,000,000 pupils, seed 7 — the city `catchment demo --out DIR
// --seed 7` writes, with its ~1M-node streets.osm) zoned by walking
// distance. Sub-benchmarks time each phase separately:
//
//	import      roads.ReadFile of streets.osm (once per city, at import)
//	blob        the cached graph: UnmarshalBinary + NewNetwork (what solve
//	            does for a scenario imported with --roads)
//	check       CheckRoads: one k = 1 search per stage
//	candidates  the distance candidates the solver asks for: Nearest with
//	            k = Policy.Solver.Candidates for each stage's units and
//	            zoneable schools (the acceptance's "≤ 30 s")
//	solve       Prepare (cells, adjacency) + Solve with the walking metric,
//	            both stages (the acceptance's "whole solve ≤ 45 s")
//
// Each reports cpu-s/op (user+system CPU of the process) besides wall time,
// since the machine is shared. Run with -benchtime=1x; it needs ~3 GB.
func BenchmarkWalkingCity(b *testing.B) {
	if testing.Short() {
		b.Skip("city-scale benchmark skipped in -short mode")
	}
	ctx := context.Background()
	t0 := time.Now()
	c, err := demo.Generate(demo.Config{Pupils: *benchPupils, Seed: *benchSeed})
	if err != nil {
		b.Fatal(err)
	}
	osm := filepath.Join(b.TempDir(), "streets.osm")
	if err := writeOSM(c.Streets, osm); err != nil {
		b.Fatal(err)
	}
	ds := &c.Dataset
	b.Logf("demo city: %d pupils, %d schools, %d units, generated and written in %.1fs",
		*benchPupils, len(ds.Schools), len(ds.Units), time.Since(t0).Seconds())

	var g *roads.Graph
	var blob []byte
	measure := func(b *testing.B, fn func(b *testing.B)) {
		cpu0 := cpuSeconds()
		for b.Loop() {
			fn(b)
		}
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	}
	b.Run("import", func(b *testing.B) {
		measure(b, func(b *testing.B) {
			if g, err = ReadRoads(ctx, osm, roads.Options{}); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(g.NumNodes()), "graph-nodes")
		b.ReportMetric(float64(g.NumEdges()), "graph-edges")
		if fi, err := os.Stat(osm); err == nil {
			b.ReportMetric(float64(fi.Size())/1e6, "osm-MB")
		}
	})
	if g == nil {
		b.Fatal("import did not run")
	}
	if blob, err = g.MarshalBinary(); err != nil {
		b.Fatal(err)
	}
	var nw *roads.Network
	b.Run("blob", func(b *testing.B) {
		measure(b, func(b *testing.B) {
			var h roads.Graph
			if err := h.UnmarshalBinary(blob); err != nil {
				b.Fatal(err)
			}
			if nw, err = roads.NewNetwork(&h, DefaultRoadOptions()); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(len(blob))/1e6, "blob-MB")
	})
	b.Run("check", func(b *testing.B) {
		var check *RoadCheck
		measure(b, func(b *testing.B) {
			if check, err = CheckRoads(ctx, ds, nw); err != nil {
				b.Fatal(err)
			}
		})
		b.ReportMetric(float64(len(check.Units)), "unreachable-units")
	})
	pol := allocation.DefaultPolicy()
	b.Run("candidates", func(b *testing.B) {
		var rows int
		measure(b, func(b *testing.B) {
			rows = 0
			for st := range data.NumStages {
				var units, schools []orb.Point
				for i := range ds.Units {
					if ds.Units[i].Pupils[st] > 0 {
						units = append(units, ds.Units[i].Loc)
					}
				}
				for i := range ds.Schools {
					if ds.Schools[i].Zoneable(data.Stage(st)) {
						schools = append(schools, ds.Schools[i].Loc)
					}
				}
				cand, err := nw.Nearest(ctx, units, schools, pol.Solver.Candidates)
				if err != nil {
					b.Fatal(err)
				}
				rows += cand.Len()
			}
		})
		b.ReportMetric(float64(rows), "rows")
		b.ReportMetric(float64(pol.Solver.Candidates), "k")
	})
	b.Run("solve", func(b *testing.B) {
		var plan *allocation.Plan
		measure(b, func(b *testing.B) {
			p, err := Prepare(ctx, ds, c.Boundary, nw)
			if err != nil {
				b.Fatal(err)
			}
			if plan, err = p.Solve(ctx, pol, nil); err != nil {
				b.Fatal(err)
			}
		})
		if r := plan.Report.Stages["primary"]; r != nil {
			b.ReportMetric(float64(r.RoadDetourPupils), "primary-detour-pupils")
			b.ReportMetric(float64(r.MajorCrossingPupils), "primary-crossing-pupils")
			b.ReportMetric(100*r.NearZoneRatio, "primary-near-%")
		}
		// The demo's river: primary pupils zoned to a school on its
		// other bank (issue 7, acceptance 2, at city scale).
		r := newRiver(b, c.Streets, ds.Units[0].Loc[1])
		b.ReportMetric(float64(acrossRiver(ds, plan, data.Primary, r).Pupils), "primary-across-river")
		b.ReportMetric(float64(plan.Report.Stages["primary"].BarrierCrossingPupils), "primary-barrier-pupils")
		for _, st := range []string{"primary", "junior"} {
			if r := plan.Report.Stages[st]; r != nil {
				b.ReportMetric(float64(r.PupilsOverCapacity), st+"-over-capacity")
				b.ReportMetric(100*r.OptimalityGap, st+"-gap-%")
				b.ReportMetric(float64(r.ZonesNoncontiguous), st+"-noncontiguous-zones")
			}
		}
	})
}
