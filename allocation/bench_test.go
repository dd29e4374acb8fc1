package allocation_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/demo"
	"catchment/geo/cells"
)

// Benchmarks on the demo city (seed 7, as in BENCHMARKS.md). Run briefly:
//
//	go test -run '^$' -bench . -benchtime 1x ./allocation
//
// Besides ns/op they report the process CPU seconds per op (the machine is
// shared, so wall time alone says little), and the solve benchmarks the
// optimality gap of each stage.

// benchCity is a demo city prepared by allocation/pipeline.Prepare (cells
// on the city boundary, adjacency), as `catchment solve` and the server
// prepare it, and its plan once some benchmark has solved it.
type benchCity struct {
	city *demo.City
	tess *cells.Tessellation
	adj  [][]int32

	planOnce sync.Once
	plan     *allocation.Plan
	planErr  error
}

var (
	benchMu     sync.Mutex
	benchCities = map[int]*benchCity{}
)

// cityOf returns the prepared demo city of the given size, built once per
// process and shared by the benchmarks.
func cityOf(b *testing.B, pupils int) *benchCity {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if c, ok := benchCities[pupils]; ok {
		return c
	}
	city, err := demo.Generate(demo.Config{Pupils: pupils, Seed: 7, NoStreets: true})
	if err != nil {
		b.Fatal(err)
	}
	prep, err := pipeline.Prepare(context.Background(), &city.Dataset, city.Boundary, nil)
	if err != nil {
		b.Fatal(err)
	}
	c := &benchCity{city: city, tess: prep.Cells, adj: prep.Adjacency}
	benchCities[pupils] = c
	return c
}

// solved returns the city's plan under the default policy.
func (c *benchCity) solved(b *testing.B) *allocation.Plan {
	b.Helper()
	c.planOnce.Do(func() {
		c.plan, c.planErr = allocation.Solve(context.Background(), allocation.Input{Dataset: &c.city.Dataset,
			Policy: allocation.DefaultPolicy(), Adjacency: c.adj})
	})
	if c.planErr != nil {
		b.Fatal(c.planErr)
	}
	return c.plan
}

// cpuSeconds is the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkSolve solves both stages of the demo city with the default
// policy (contiguity on) at several sizes; 1,000,000 pupils is the issue's
// acceptance size (≤ 10 s wall on 2 cores, gap ≤ 1%).
func BenchmarkSolve(b *testing.B) {
	for _, pupils := range []int{20_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pupils=%d", pupils), func(b *testing.B) {
			c := cityOf(b, pupils)
			in := allocation.Input{Dataset: &c.city.Dataset, Policy: allocation.DefaultPolicy(), Adjacency: c.adj}
			var plan *allocation.Plan
			cpu0 := cpuSeconds()
			n := 0
			for b.Loop() {
				var err error
				if plan, err = allocation.Solve(context.Background(), in); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric((cpuSeconds()-cpu0)/float64(n), "cpu-s/op")
			for _, st := range data.Stages {
				r := plan.Report.Stages[st.String()]
				b.ReportMetric(100*r.OptimalityGap, "gap-"+st.String()+"-%")
				if r.PupilsOverCapacity != 0 {
					b.Errorf("%s: %d pupils over capacity", st, r.PupilsOverCapacity)
				}
			}
		})
	}
}

// BenchmarkPrepareCells runs pipeline.Prepare on the 1,000,000-pupil demo
// city: the unit cells (Voronoi cells of point units, compound polygons,
// clipped to the study boundary) and their adjacency, the first half of
// building zone polygons.
func BenchmarkPrepareCells(b *testing.B) {
	city, err := demo.Generate(demo.Config{Pupils: 1_000_000, Seed: 7, NoStreets: true})
	if err != nil {
		b.Fatal(err)
	}
	cpu0 := cpuSeconds()
	n := 0
	for b.Loop() {
		if _, err := pipeline.Prepare(context.Background(), &city.Dataset, city.Boundary, nil); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(n), "cpu-s/op")
}

// BenchmarkZonePolygons dissolves the cells of the solved 1,000,000-pupil
// demo city into the zone polygons of both stages (GeoJSON features, as
// zones.geojson holds them): the second half of building zone polygons.
func BenchmarkZonePolygons(b *testing.B) {
	c := cityOf(b, 1_000_000)
	plan := c.solved(b)
	cpu0 := cpuSeconds()
	n, features := 0, 0
	for b.Loop() {
		features = 0
		for _, st := range data.Stages {
			fc, err := allocation.ZoneFeatures(plan, c.tess, st)
			if err != nil {
				b.Fatal(err)
			}
			features += len(fc.Features)
		}
		n++
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(n), "cpu-s/op")
	b.ReportMetric(float64(features), "zones")
}

// BenchmarkLookup answers parent look-ups (point → unit → zone schools)
// from the solved 1,000,000-pupil demo city's allocation.Lookup at random
// points of the units' extent, on one goroutine. The issue asks for
// ≥ 200,000 look-ups per second on one core.
func BenchmarkLookup(b *testing.B) {
	c := cityOf(b, 1_000_000)
	lk := allocation.NewLookup(c.solved(b), c.tess)
	units := c.city.Dataset.Units
	box := orb.Bound{Min: units[0].Loc, Max: units[0].Loc}
	for i := range units {
		box = box.Extend(units[i].Loc)
	}
	r := rand.New(rand.NewPCG(7, 4))
	pts := make([]orb.Point, 1<<14)
	for i := range pts {
		pts[i] = orb.Point{box.Min[0] + r.Float64()*(box.Max[0]-box.Min[0]), box.Min[1] + r.Float64()*(box.Max[1]-box.Min[1])}
	}
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	start := time.Now()
	i, inside := 0, 0
	for b.Loop() {
		if lk.At(pts[i&(len(pts)-1)]).Inside {
			inside++
		}
		i++
	}
	elapsed := time.Since(start).Seconds()
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(i)/cpu, "lookups/cpu-s")
	}
	b.ReportMetric(float64(i)/elapsed, "lookups/s")
	if inside == 0 {
		b.Fatal("no random point fell inside a unit")
	}
}
