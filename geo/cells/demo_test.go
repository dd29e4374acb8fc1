package cells

import (
	"math"
	"testing"

	"catchment/data"
	"catchment/data/demo"

	"github.com/paulmach/orb"
)

// TestDemoCity tessellates a demo city (polygon compounds in the core and
// towns, point villages in the countryside, WGS-84) and checks today's
// zoning of both stages with shapely: every zone valid, no overlaps, union
// equal to the sum. This is the data shape that caught rings touching
// themselves at a vertex.
func TestDemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the demo city in -short mode")
	}
	c, err := demo.Generate(demo.Config{Pupils: 200000, Seed: 3, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	d := &c.Dataset
	ts := mustBuild(t, d.Units, d.Planar, nil, Options{})
	ui, si := d.UnitIndex(), d.SchoolIndex()
	var sets [][]orb.Geometry
	for _, st := range data.Stages {
		labels := make([]int32, len(d.Units))
		for i := range labels {
			labels[i] = -1
		}
		for _, cz := range d.Current {
			if cz.Stage == st {
				labels[ui[cz.UnitID]] = int32(si[cz.SchoolID])
			}
		}
		sets = append(sets, checkTiling(t, ts, labels, len(d.Schools)))
	}
	checkLocateInterior(t, ts)
	for k, rep := range shapely(t, sets...) {
		if len(rep.Invalid) > 0 {
			t.Errorf("stage %d: %d invalid zones, e.g. %v", k, len(rep.Invalid), rep.Invalid[0])
		}
		sum := 0.0
		for _, a := range rep.Areas {
			sum += a
		}
		if math.Abs(rep.Union-sum) > 1e-6*sum || rep.Overlap > 1e-9*sum {
			t.Errorf("stage %d: union %g, sum %g, overlap %g", k, rep.Union, sum, rep.Overlap)
		}
	}
}
