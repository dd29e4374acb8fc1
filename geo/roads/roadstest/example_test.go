package roadstest_test

import (
	"fmt"
	"testing"

	"catchment/data/demo"
	"catchment/geo/roads"
	"catchment/geo/roads/roadstest"
)

// TestDemoCity: the network covers the city — every school and unit snaps.
func TestDemoCity(t *testing.T) {
	c, nw := roadstest.DemoCity(t, demo.Config{Pupils: 3000, Seed: 1}, roads.Options{BarrierPenaltyMeters: 500})
	if got := nw.Options().BarrierPenaltyMeters; got != 500 {
		t.Errorf("options not applied: barrier penalty %v", got)
	}
	for _, s := range c.Dataset.Schools {
		if _, ok := nw.Snap(s.Loc); !ok {
			t.Errorf("school %s does not snap to the demo streets", s.ID)
		}
	}
	for _, u := range c.Dataset.Units {
		if _, ok := nw.Snap(u.Loc); !ok {
			t.Errorf("unit %s does not snap to the demo streets", u.ID)
		}
	}
}

// The walking network of a small demo city's streets.
func ExampleNetwork() {
	c, err := demo.Generate(demo.Config{Pupils: 3000, Seed: 1})
	if err != nil {
		panic(err)
	}
	nw, err := roadstest.Network(c, roads.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(c.Dataset.Schools) > 0, nw.Name(), nw.Graph().NumNodes() > 1000)
	// Output: true walking true
}
