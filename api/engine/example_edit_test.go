package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/api/engine"
	"catchment/data"
	"catchment/data/store"
)

// ExampleEngine_EditSession solves a two-school city, moves a compound to
// the other zone as a planner's edit, and shows that the edit revision is
// a draft: the served plan stays the solve until it is published.
func ExampleEngine_EditSession() {
	dir, _ := os.MkdirTemp("", "engine-edit-example")
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
		Schools: []data.School{
			{ID: "S1", Name: "实验小学", Loc: orb.Point{117.000, 35.000}, Seats: [2]int{100, 0}},
			{ID: "S2", Name: "东关小学", Loc: orb.Point{117.010, 35.000}, Seats: [2]int{100, 0}},
		},
		Units: []data.Unit{
			{ID: "U1", Name: "阳光小区", Loc: orb.Point{117.001, 35.000}, Pupils: [2]int{30, 0}},
			{ID: "U2", Name: "幸福花园", Loc: orb.Point{117.004, 35.000}, Pupils: [2]int{20, 0}},
			{ID: "U3", Name: "东关新村", Loc: orb.Point{117.009, 35.000}, Pupils: [2]int{25, 0}},
		},
	}
	if err := e.Import(ctx, "example", city, nil, ""); err != nil {
		fmt.Println(err)
		return
	}
	solved, err := e.Solve(ctx, "example", allocation.DefaultPolicy(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := e.EditSession(ctx, "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	rev, _ := s.Head()
	res, err := s.Move(ctx, edit.Edit{Base: rev, Author: "planner", Comment: "across the road"}, data.Primary, []string{"U2"}, "S2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("revision %d → %d, %d unit moved\n", rev, res.Revision, res.Moved)
	draft, err := e.Snapshot(ctx, res.PlanID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("draft revision", draft.Plan.Revision, "parent is the solve:", draft.Plan.Parent == solved.Plan.ID)
	cur, err := e.Current(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("served plan is still the solve:", cur.Plan.ID == solved.Plan.ID)
	// Output:
	// revision 1 → 2, 1 unit moved
	// draft revision 2 parent is the solve: true
	// served plan is still the solve: true
}
