package geo

import (
	"math"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
)

// FuzzParseCRS: no input panics, and every accepted spelling names a CRS
// whose String parses back to itself.
func FuzzParseCRS(f *testing.F) {
	for _, s := range []string{"wgs84", "GCJ02", " bd09 ", "xy", "cgcs2000", "", "bd09mc", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCRS(s)
		if err != nil {
			return
		}
		back, err := ParseCRS(c.String())
		if err != nil || back != c {
			t.Fatalf("ParseCRS(%q) = %v, but %q parses to %v, %v", s, c, c.String(), back, err)
		}
	})
}

// FuzzGeodesic: no panic; for finite input the distance is finite, ≥ 0,
// symmetric to rounding, 0 for equal points, and never below the index's
// lower bound.
func FuzzGeodesic(f *testing.F) {
	f.Add(116.4, 39.9, 116.5, 40.0)
	f.Add(0.0, 0.0, 180.0, 0.0)
	f.Add(179.9, 89.9, -179.9, -89.9)
	f.Add(math.NaN(), 0.0, 1.0, 1.0)
	f.Fuzz(func(t *testing.T, lon1, lat1, lon2, lat2 float64) {
		a, b := orb.Point{lon1, lat1}, orb.Point{lon2, lat2}
		d := geodesicMeters(a, b)
		if !finitePoint(a) || !finitePoint(b) || math.Abs(lat1) > 90 || math.Abs(lat2) > 90 || math.Abs(lon1) > 1e6 || math.Abs(lon2) > 1e6 {
			return
		}
		if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 || d > halfMeridian*(1+1e-9) {
			t.Fatalf("Geodesic(%v, %v) = %v", a, b, d)
		}
		if e := geodesicMeters(b, a); math.Abs(e-d) > 1e-6*d+1e-9 {
			t.Fatalf("asymmetric: %v vs %v", d, e)
		}
		if geodesicMeters(a, a) != 0 {
			t.Fatalf("Geodesic(%v, %v) != 0", a, a)
		}
	})
}

// FuzzAggregatorAdd: no household panics the aggregator, and whatever is
// accepted keeps every unit valid (0 ≤ migrants ≤ pupils).
func FuzzAggregatorAdd(f *testing.F) {
	f.Add(5.0, 15.0, 2, 1, true, "")
	f.Add(10.0, 10.0, 0, 0, false, "")
	f.Add(math.NaN(), 1.0, 1, 1, false, "E")
	f.Add(1e308, -1e308, 3, 0, true, "")
	f.Add(-3.0, 4.0, -1, 2, false, "nope")
	f.Fuzz(func(t *testing.T, x, y float64, primary, junior int, migrant bool, unitID string) {
		for _, planar := range []bool{true, false} {
			a := NewAggregator(sketchUnits(), planar, 250)
			_ = a.Add(data.Household{Loc: orb.Point{x, y}, Primary: primary, Junior: junior, Migrant: migrant, UnitID: unitID})
			for _, u := range a.Units() {
				for st := range data.NumStages {
					if u.Pupils[st] < 0 || u.Migrants[st] < 0 || u.Migrants[st] > u.Pupils[st] {
						t.Fatalf("unit %s: pupils %v migrants %v", u.ID, u.Pupils, u.Migrants)
					}
				}
			}
		}
	})
}
