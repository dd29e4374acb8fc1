package cells_test

import (
	"fmt"

	"catchment/data"
	"catchment/geo/cells"

	"github.com/paulmach/orb"
)

// Two compounds side by side and a village to the east, in planar metres:
//
//	100 +----+----+
//	    | c0 | c1 |      v (250, 50)
//	  0 +----+----+
//	    0   100  200
func example() []data.Unit {
	sq := func(x float64) orb.Polygon {
		return orb.Polygon{orb.Ring{{x, 0}, {x + 100, 0}, {x + 100, 100}, {x, 100}, {x, 0}}}
	}
	return []data.Unit{
		{ID: "c0", Loc: orb.Point{50, 50}, Geom: sq(0)},
		{ID: "c1", Loc: orb.Point{150, 50}, Geom: sq(100)},
		{ID: "v", Loc: orb.Point{250, 50}},
	}
}

func ExampleBuild() {
	study := orb.Polygon{orb.Ring{{0, 0}, {300, 0}, {300, 100}, {0, 100}, {0, 0}}}
	ts, err := cells.Build(example(), true, study, cells.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range ts.Len() {
		fmt.Println(i, ts.Cell(i))
	}
	fmt.Println(ts.Adjacency())
	// Output:
	// 0 [[[0 0] [100 0] [100 100] [0 100] [0 0]]]
	// 1 [[[100 0] [200 0] [200 100] [100 100] [100 0]]]
	// 2 [[[200 0] [300 0] [300 100] [200 100] [200 0]]]
	// [[1] [0 2] [1]]
}

func ExampleTessellation_Dissolve() {
	study := orb.Polygon{orb.Ring{{0, 0}, {300, 0}, {300, 100}, {0, 100}, {0, 0}}}
	ts, _ := cells.Build(example(), true, study, cells.Options{})
	// Zone 0 takes both compounds, zone 1 the village; zone 2 is empty.
	zones, err := ts.Dissolve([]int32{0, 0, 1}, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for z, g := range zones {
		fmt.Println(z, g)
	}
	// Output:
	// 0 [[[0 0] [200 0] [200 100] [0 100] [0 0]]]
	// 1 [[[200 0] [300 0] [300 100] [200 100] [200 0]]]
	// 2 <nil>
}

func ExampleTessellation_Locate() {
	study := orb.Polygon{orb.Ring{{0, 0}, {300, 0}, {300, 100}, {0, 100}, {0, 0}}}
	ts, _ := cells.Build(example(), true, study, cells.Options{})
	for _, p := range []orb.Point{{20, 20}, {100, 50}, {280, 90}, {400, 50}} {
		u, ok := ts.Locate(p)
		fmt.Println(p, u, ok)
	}
	// Output:
	// [20 20] 0 true
	// [100 50] 0 true
	// [280 90] 2 true
	// [400 50] -1 false
}
