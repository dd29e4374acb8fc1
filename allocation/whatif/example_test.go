package whatif_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/whatif"
	"catchment/data"
)

func Example() {
	parent := &data.Dataset{Planar: true,
		Schools: []data.School{
			{ID: "east", Loc: orb.Point{1000, 0}, Seats: [2]int{100, 0}},
			{ID: "west", Loc: orb.Point{-1000, 0}, Seats: [2]int{100, 0}},
		},
		Units: []data.Unit{
			{ID: "u1", Loc: orb.Point{900, 0}, Pupils: [2]int{60, 0}},
			{ID: "u2", Loc: orb.Point{-900, 0}, Pupils: [2]int{60, 0}},
		},
	}
	// 先建后撤: closing "east" would leave 20 pupils without a seat.
	child := whatif.Clone(parent)
	_, err := whatif.CloseSchool(child, "east", false)
	var refused *whatif.ClosureRefused
	fmt.Println(errors.As(err, &refused), refused.Missing[data.Primary])

	// Build first: 40 more seats at "west", then the closure is accepted.
	if err := whatif.SetSeats(child, "west", data.Primary, 140); err != nil {
		fmt.Println(err)
	}
	if _, err := whatif.CloseSchool(child, "east", false); err != nil {
		fmt.Println(err)
	}
	pol := allocation.DefaultPolicy()
	pol.Solver.Contiguity = false
	a, _ := allocation.Solve(context.Background(), allocation.Input{Dataset: parent, Policy: pol})
	b, _ := allocation.Solve(context.Background(), allocation.Input{Dataset: child, Policy: pol})
	c, _ := whatif.Compare("today", "east closed", a, b)
	for _, ch := range c.Changes {
		fmt.Println(ch.UnitID, ch.From, "→", ch.To, ch.Pupils)
	}
	// Output:
	// true 20
	// u1 east → west 60
}
