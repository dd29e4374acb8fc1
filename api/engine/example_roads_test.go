package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"catchment/allocation"
	"catchment/api"
	"catchment/api/engine"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo/roads"
)

// ExampleEngine_ImportWithRoads stores the smallest demo city with the
// walking graph of its streets: the scenario is zoned by walking distance,
// and a parent's look-up gives the walking distance to the zone school.
// (SetRoads gives a network to scenarios stored without one.)
func ExampleEngine_ImportWithRoads() {
	dir, _ := os.MkdirTemp("", "engine-roads-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "catchment.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	city, err := demo.Generate(demo.Config{Pupils: demo.MinPupils, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	var osm bytes.Buffer
	if err := city.Streets.WriteOSM(&osm); err != nil {
		fmt.Println(err)
		return
	}
	streets, err := roads.Read(ctx, &osm, roads.FormatXML, roads.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := engine.New(st, nil)
	if err := e.ImportWithRoads(ctx, "city", &city.Dataset, city.Boundary, streets, "demo city on foot"); err != nil {
		fmt.Println(err)
		return
	}
	snap, err := e.Solve(ctx, "city", allocation.DefaultPolicy(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("metric:", snap.Plan.Metric)
	u := city.Dataset.Units[0]
	var a api.Answer
	if err := snap.Locator.Lookup("", u.Loc[0], u.Loc[1], &a); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("the answer has a walking distance:", len(a.Stages) > 0 && a.Stages[0].Meters > 0)
	// Output:
	// metric: walking
	// the answer has a walking distance: true
}
