package store_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"catchment/data"
	"catchment/data/store"

	"github.com/paulmach/orb"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "catchment-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := store.Open(ctx, filepath.Join(dir, "city.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	d := &data.Dataset{
		Schools: []data.School{{ID: "S1", Name: "实验小学", Loc: orb.Point{116.30, 39.90}, Seats: [data.NumStages]int{90, 0}}},
		Units: []data.Unit{
			{ID: "U1", Name: "阳光小区", Loc: orb.Point{116.301, 39.901}, Pupils: [data.NumStages]int{40, 0}},
			{ID: "U2", Name: "河畔小区", Loc: orb.Point{116.302, 39.899}, Pupils: [data.NumStages]int{35, 0}},
		},
	}
	if err := s.ImportScenario(ctx, "2026", d, store.ScenarioInfo{CRS: "wgs84", Note: "spring survey"}); err != nil {
		log.Fatal(err)
	}

	plan := &store.PlanRecord{
		Scenario: "2026",
		Author:   "planner",
		Zones: []store.ZoneRow{
			{UnitID: "U1", Stage: data.Primary, SchoolID: "S1"},
			{UnitID: "U2", Stage: data.Primary, SchoolID: "S1"},
		},
	}
	if _, err := s.SavePlan(ctx, plan); err != nil {
		log.Fatal(err)
	}

	list, err := s.Scenarios(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, sc := range list {
		fmt.Printf("%s: %d schools, %d units (%s, %s)\n", sc.Name, sc.Schools, sc.Units, sc.CRS, sc.Note)
	}
	latest, err := s.LatestPlan(ctx, "2026")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("latest plan: revision %d by %s, %d zone rows\n", latest.Revision, latest.Author, len(latest.Zones))

	loaded, _, err := s.LoadScenario(ctx, "2026")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first unit:", loaded.Units[0].Name)
	// Output:
	// 2026: 1 schools, 2 units (wgs84, spring survey)
	// latest plan: revision 1 by planner, 2 zone rows
	// first unit: 阳光小区
}
