package engine

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"catchment/allocation"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo/roads"
)

// BenchmarkRestart measures what a server restart costs before it serves
// the stored plan of the default 100,000-pupil demo city: a new engine
// prepares the scenario (cells, adjacency and, for walking, the stored
// road network and the reachability check) and rebuilds the plan from its
// rows with the metric it was solved with, then builds the snapshot.
func BenchmarkRestart(b *testing.B) {
	ctx := context.Background()
	city, err := demo.Generate(demo.Config{Pupils: 100_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var osm bytes.Buffer
	if err := city.Streets.WriteOSM(&osm); err != nil {
		b.Fatal(err)
	}
	streets, err := roads.Read(ctx, &osm, roads.FormatXML, roads.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		streets *roads.Graph
	}{{"straight-line", nil}, {"walking", streets}} {
		b.Run(bc.name, func(b *testing.B) {
			st, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if err := New(st, nil).ImportWithRoads(ctx, "demo", &city.Dataset, city.Boundary, bc.streets, ""); err != nil {
				b.Fatal(err)
			}
			solved, err := New(st, nil).Solve(ctx, "demo", allocation.DefaultPolicy(), nil)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				snap, err := New(st, nil).Current(ctx)
				if err != nil || snap.Plan.ID != solved.Plan.ID {
					b.Fatalf("current %v %v", snap, err)
				}
			}
		})
	}
}
