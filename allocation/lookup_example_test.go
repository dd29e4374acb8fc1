package allocation_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/geo"
)

// nearestUnit locates a point in the unit whose point is nearest (a
// stand-in for geo/cells' tessellation).
type nearestUnit []data.Unit

func (us nearestUnit) Locate(p orb.Point) (int, bool) {
	best, bestD := -1, 0.0
	for i, u := range us {
		if d := (geo.Euclidean{}).Meters(p, u.Loc); best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best, best >= 0
}

// A parent's look-up on a straight-line plan of a planar town: the
// compound east of the river is zoned to the school next to it.
func ExampleLookup() {
	ds := &data.Dataset{
		Planar: true,
		Schools: []data.School{
			{ID: "W", Name: "West Primary", Loc: orb.Point{0, 0}, Seats: [2]int{100, 0}},
			{ID: "E", Name: "East Primary", Loc: orb.Point{2000, 0}, Seats: [2]int{100, 0}},
		},
		Units: []data.Unit{
			{ID: "u1", Name: "Riverside", Loc: orb.Point{300, 400}, Pupils: [2]int{30, 0}},
			{ID: "u2", Name: "Hillview", Loc: orb.Point{1800, 0}, Pupils: [2]int{20, 0}},
		},
	}
	zones := [data.NumStages][]int32{{0, 1}, nil}
	plan, err := allocation.FromZones(context.Background(), ds, allocation.DefaultPolicy(), geo.Euclidean{}, nil, zones)
	if err != nil {
		fmt.Println(err)
		return
	}
	lk := allocation.NewLookup(plan, nearestUnit(ds.Units))
	a := lk.At(orb.Point{1750, 50})
	s := a.Stages[data.Primary]
	fmt.Println(a.UnitName, "→", s.SchoolName, s.Placement)
	fmt.Println(s.Explanation)
	// Output:
	// Hillview → East Primary zone
	// East Primary is the nearest school for this stage (200 m).
}
