package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/api"
	"catchment/api/engine"
	"catchment/data"
	"catchment/data/store"
)

// Example stores a two-unit city, solves it and answers a parent look-up.
func Example() {
	dir, _ := os.MkdirTemp("", "engine-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "catchment.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	e := engine.New(st, nil)
	city := &data.Dataset{
		Schools: []data.School{{ID: "S1", Name: "实验小学", Loc: orb.Point{117.000, 35.000}, Seats: [2]int{100, 0}}},
		Units: []data.Unit{
			{ID: "U1", Name: "阳光小区", Loc: orb.Point{117.001, 35.000}, Pupils: [2]int{30, 0}},
			{ID: "U2", Name: "幸福花园", Loc: orb.Point{117.003, 35.000}, Pupils: [2]int{20, 0}},
		},
	}
	if err := e.Import(ctx, "example", city, nil, ""); err != nil {
		fmt.Println(err)
		return
	}
	snap, err := e.Solve(ctx, "example", allocation.DefaultPolicy(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var a api.Answer
	if err := snap.Locator.Lookup("wgs84", 117.0011, 35.0001, &a); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.UnitName, a.Stages[0].SchoolName, a.Stages[0].Placement)
	// Output: 阳光小区 实验小学 zone
}
