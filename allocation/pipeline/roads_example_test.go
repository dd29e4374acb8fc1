package pipeline_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo/roads"
)

// A scenario imported with its road network is solved by walking distance
// without re-reading the OpenStreetMap file: the graph is cached in the
// store, and PrepareWalking reports any unit that cannot walk to a school.
func ExampleStoredRoads() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example-roads-")
	defer os.RemoveAll(dir)
	city, err := demo.Generate(demo.Config{Pupils: 2000, Seed: 3})
	if err != nil {
		panic(err)
	}
	osm := filepath.Join(dir, "streets.osm")
	f, _ := os.Create(osm)
	w := bufio.NewWriter(f)
	city.Streets.WriteOSM(w)
	w.Flush()
	f.Close()

	// catchment import --roads streets.osm …
	st, err := store.Open(ctx, filepath.Join(dir, "city.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	if err := st.ImportScenario(ctx, "city", &city.Dataset, store.ScenarioInfo{CRS: "wgs84"}); err != nil {
		panic(err)
	}
	g, err := pipeline.ReadRoads(ctx, osm, roads.Options{})
	if err != nil {
		panic(err)
	}
	if err := pipeline.StoreRoads(ctx, st, "city", g); err != nil {
		panic(err)
	}

	// catchment solve --db city.db --scenario city …
	ds, _, err := st.LoadScenario(ctx, "city")
	if err != nil {
		panic(err)
	}
	nw, err := pipeline.StoredRoads(ctx, st, "city", roads.Options{})
	if err != nil {
		panic(err)
	}
	p, check, err := pipeline.PrepareWalking(ctx, ds, city.Boundary, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	plan, err := p.Solve(ctx, allocation.DefaultPolicy(), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("metric:", plan.Metric)
	fmt.Println("every unit can walk to a school:", check.OK())
	// Output:
	// metric: walking
	// every unit can walk to a school: true
}
