package cells

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

func TestSmoke(t *testing.T) {
	var units []data.Unit
	for i := range 3 {
		for j := range 3 {
			x, y := float64(i)*100, float64(j)*100
			sq := orb.Polygon{orb.Ring{{x, y}, {x + 100, y}, {x + 100, y + 100}, {x, y + 100}, {x, y}}}
			units = append(units, data.Unit{ID: fmt.Sprint(i, j), Loc: orb.Point{x + 50, y + 50}, Geom: sq})
		}
	}
	ts, err := Build(units, true, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range units {
		t.Log(i, ts.Cell(i), planar.Area(ts.Cell(i)))
	}
	t.Log(ts.Adjacency())
	r := rand.New(rand.NewPCG(1, 2))
	var pts []data.Unit
	for i := range 50 {
		pts = append(pts, data.Unit{ID: fmt.Sprint(i), Loc: orb.Point{r.Float64() * 1000, r.Float64() * 1000}})
	}
	ts, err = Build(pts, true, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tot := 0.0
	for i := range pts {
		tot += planar.Area(ts.Cell(i))
	}
	t.Log(tot)
}
