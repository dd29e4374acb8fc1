package roads

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestLowerBoundUnderGeodesic: the A* heuristic of pair never exceeds the
// geodesic distance between points of the graph's latitude band, from the
// equator to the far north, at street and city distances — the condition
// for Meters and Route to stay exact.
func TestLowerBoundUnderGeodesic(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lat, span  float64 // band centre and half-height, degrees
		maxDegrees float64 // largest offset between the two points
	}{
		{"equator, streets", 0, 0.2, 0.01},
		{"Andorra, city", 42.5, 0.3, 0.5},
		{"Beijing, city", 39.9, 0.5, 1},
		{"Harbin, long", 45.8, 1, 3},
		{"southern hemisphere", -33.9, 0.5, 1},
		{"far north", 69.6, 0.5, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.lat*1000+1e6)))
			band := []orb.Point{{0, tc.lat - tc.span}, {0, tc.lat + tc.span}}
			nw := &Network{g: &Graph{coords: band}}
			nw.initLowerBound()
			for range 20000 {
				a := orb.Point{116 + rng.Float64(), tc.lat + (2*rng.Float64()-1)*tc.span}
				d := tc.maxDegrees * rng.Float64()
				b := orb.Point{a[0] + (2*rng.Float64()-1)*d, a[1] + (2*rng.Float64()-1)*d}
				if b[1] > tc.lat+tc.span || b[1] < tc.lat-tc.span {
					continue
				}
				if lb, gd := nw.lowerBound(a, b), geodesic(a, b); lb > gd {
					t.Fatalf("lowerBound(%v, %v) = %.6f m > geodesic %.6f m", a, b, lb, gd)
				}
			}
		})
	}
}
