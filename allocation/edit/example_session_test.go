package edit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/data"
	"catchment/data/store"
)

// A planner's session: move a unit, see the figures, lose a race with a
// stale revision, undo.
func ExampleSession() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "edit-example")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "catchment.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	ds := &data.Dataset{Planar: true,
		Schools: []data.School{
			{ID: "S1", Name: "East", Loc: orb.Point{0, 0}, Seats: [data.NumStages]int{90, 0}},
			{ID: "S2", Name: "West", Loc: orb.Point{1000, 0}, Seats: [data.NumStages]int{90, 0}},
		},
		Units: []data.Unit{
			{ID: "U1", Name: "A", Loc: orb.Point{100, 0}, Pupils: [data.NumStages]int{60, 0}},
			{ID: "U2", Name: "B", Loc: orb.Point{500, 0}, Pupils: [data.NumStages]int{40, 0}},
			{ID: "U3", Name: "C", Loc: orb.Point{900, 0}, Pupils: [data.NumStages]int{50, 0}},
		},
	}
	if err := st.ImportScenario(ctx, "town", ds, store.ScenarioInfo{}); err != nil {
		fmt.Println(err)
		return
	}
	// Revision 1: the plan to edit (here written by hand).
	base := &store.PlanRecord{Scenario: "town", Author: "solver", Zones: []store.ZoneRow{
		{UnitID: "U1", Stage: data.Primary, SchoolID: "S1"},
		{UnitID: "U2", Stage: data.Primary, SchoolID: "S1"},
		{UnitID: "U3", Stage: data.Primary, SchoolID: "S2"},
	}}
	if _, err := st.SavePlan(ctx, base); err != nil {
		fmt.Println(err)
		return
	}
	adjacency := [][]int32{{1}, {0, 2}, {1}}
	s, err := edit.Open(ctx, st, "town", ds, allocation.DefaultPolicy(), nil, adjacency)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := s.Move(ctx, edit.Edit{Base: 1, Author: "li", Comment: "B is across the river"}, data.Primary, []string{"U2"}, "S2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revision", r.Revision, "over capacity", r.Indicators.Stages[data.Primary].PupilsOverCapacity)
	_, err = s.Move(ctx, edit.Edit{Base: 1, Author: "wang"}, data.Primary, []string{"U1"}, "S2")
	fmt.Println("stale:", errors.Is(err, edit.ErrStale))
	r, err = s.Undo(ctx, edit.Edit{Base: 2, Author: "li"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revision", r.Revision, "over capacity", r.Indicators.Stages[data.Primary].PupilsOverCapacity)
	for _, w := range r.Warnings {
		fmt.Println("warning:", w.Message)
	}
	// Output:
	// revision 2 over capacity 0
	// stale: true
	// revision 3 over capacity 10
	// warning: East zone has 100 pupils for 90 seats (10 over)
}
