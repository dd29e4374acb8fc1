package edit_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/data"
)

// A planner moves a compound out of an over-full zone: the evaluator
// updates the indicators at once.
func ExampleEvaluator() {
	ds := &data.Dataset{Planar: true,
		Schools: []data.School{
			{ID: "S1", Name: "East", Loc: orb.Point{0, 0}, Seats: [data.NumStages]int{90, 0}},
			{ID: "S2", Name: "West", Loc: orb.Point{1000, 0}, Seats: [data.NumStages]int{90, 0}},
		},
		Units: []data.Unit{
			{ID: "U1", Loc: orb.Point{100, 0}, Pupils: [data.NumStages]int{60, 0}},
			{ID: "U2", Loc: orb.Point{500, 0}, Pupils: [data.NumStages]int{40, 0}},
			{ID: "U3", Loc: orb.Point{900, 0}, Pupils: [data.NumStages]int{50, 0}},
		},
	}
	adjacency := [][]int32{{1}, {0, 2}, {1}}
	zones := [data.NumStages][]int32{{0, 0, 1}, nil}
	e, err := edit.NewEvaluator(ds, allocation.DefaultPolicy(), nil, adjacency, zones)
	if err != nil {
		fmt.Println(err)
		return
	}
	show := func() {
		p := e.Snapshot().Stages[data.Primary]
		fmt.Printf("in zone %d of %d, over capacity %d, near-zone %.3f\n", p.PlacedInZone, p.Pupils, p.PupilsOverCapacity, p.NearZoneRatio)
	}
	show()
	touched, _ := e.Move(data.Primary, []int32{1}, 1) // U2 to West
	fmt.Println("touched schools:", touched)
	show()
	// Output:
	// in zone 140 of 150, over capacity 10, near-zone 0.933
	// touched schools: [0 1]
	// in zone 150 of 150, over capacity 0, near-zone 1.000
}
