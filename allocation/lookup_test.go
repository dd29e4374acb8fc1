package allocation

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

var updateLookup = flag.Bool("update", false, "rewrite the golden files under testdata/")

// noLocator locates no point (the tests ask Lookup.Unit and Outside).
type noLocator struct{}

func (noLocator) Locate(orb.Point) (int, bool) { return -1, false }

// lookupTown is riverStreets' town (a river along y = 0, one bridge at
// x = 2000 m) with a primary school on each bank near x = 100 and one on the
// north bank by the bridge:
//
//	N1 (150,110)  A (100,110)  B (300,110) …………… C (1800,110) N2 (1900,150)
//	~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ river ~~~~~~~~~~~~~~~~~~~~~~~~║ bridge
//	S (100,-150)  D (150,-110)
//
// N1 has few seats, so A's and B's pupils do not all fit there.
func lookupTown() *data.Dataset {
	ds := &data.Dataset{
		Schools: []data.School{
			{ID: "N1", Name: "North Primary", Loc: local(150, 130), Seats: [2]int{60, 0}},
			{ID: "S", Name: "South Primary", Loc: local(100, -150), Seats: [2]int{400, 0}},
			{ID: "N2", Name: "Bridge Primary", Loc: local(1900, 150), Seats: [2]int{400, 0}},
		},
	}
	for _, u := range []struct {
		id     string
		x, y   float64
		pupils int
	}{{"A", 100, 110, 40}, {"B", 300, 110, 40}, {"C", 1800, 110, 30}, {"D", 150, -110, 30}, {"E", 1000, 120, 0}} {
		ds.Units = append(ds.Units, data.Unit{ID: u.id, Name: "Compound " + u.id, Loc: local(u.x, u.y), Pupils: [2]int{u.pupils, 0}})
	}
	return ds
}

// TestLookupExplanations: golden look-up answers for straight-line and
// walking plans of the same zones, and of zones that only a walking plan
// draws. Straight-line plans explain by straight-line nearness; walking
// plans speak of distances on foot, name the school nearer on the map
// without calling it nearer, and say when the walk crosses a barrier.
func TestLookupExplanations(t *testing.T) {
	if testing.Short() {
		t.Skip("road network test skipped in -short mode")
	}
	ctx := context.Background()
	nw := riverStreets(t)
	ds := lookupTown()
	pol := DefaultPolicy()
	// Zones by straight line: A and B to N1 (across the street), C to N2,
	// D to S; by walking, the same (the river keeps A and B off S).
	// "across": A and B zoned to S, over the river, as a straight-line
	// zoning would if N1 were not there.
	zonesOf := func(z ...int32) [data.NumStages][]int32 { return [data.NumStages][]int32{z, nil} }
	near := zonesOf(0, 0, 2, 1, -1)
	across := zonesOf(1, 1, 2, 1, -1)
	for _, tc := range []struct {
		name   string
		metric geo.Metric
		zones  [data.NumStages][]int32
	}{
		{"straight", geo.Geodesic{}, near},
		{"straight_across", geo.Geodesic{}, across},
		{"walking", nw, near},
		{"walking_across", nw, across},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := FromZones(ctx, ds, pol, tc.metric, nil, tc.zones)
			if err != nil {
				t.Fatal(err)
			}
			lk := NewLookup(plan, noLocator{})
			var got []Answer
			for u := range ds.Units {
				got = append(got, lk.Unit(u))
			}
			got = append(got, lk.At(local(100, 5000)))
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			path := filepath.Join("testdata", "lookup_"+tc.name+".golden")
			if *updateLookup {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("answers differ from %s (run with -update after checking):\n%s", path, b)
			}
			onFoot := tc.metric.Name() == "walking"
			for _, a := range got {
				for _, s := range a.Stages {
					if s.SchoolID == "" {
						continue
					}
					if onFoot != strings.Contains(s.Explanation, "on foot") {
						t.Errorf("%s plan, unit %s: explanation %q", tc.metric.Name(), a.UnitID, s.Explanation)
					}
					if onFoot && strings.Contains(s.Explanation, "is the nearest school") {
						t.Errorf("walking plan, unit %s claims straight-line nearness: %q", a.UnitID, s.Explanation)
					}
				}
			}
		})
	}
}

// TestWalkingWhy: the walking explanation of one unit, case by case.
func TestWalkingWhy(t *testing.T) {
	ds := &data.Dataset{Schools: []data.School{{ID: "s0", Name: "Zone School"}, {ID: "s1"}}}
	for _, tc := range []struct {
		name      string
		meters    float64
		barriers  []int32
		crossings []int32
		kinds     []uint8
		nearest   int32
		want      []string // substrings, in order
		notWant   string
	}{
		{"plain", 1234, nil, nil, nil, 0, []string{"Zone School is 1.2 km away on foot, along the streets."}, "nearer"},
		{"unknown crossings", 800, []int32{-1}, []int32{-1}, []uint8{0}, -1, []string{"800 m away on foot"}, "crosses"},
		{"barrier of unknown kind and one major road", 800, []int32{1}, []int32{1}, nil, 0,
			[]string{"800 m away on foot", "The walk crosses a river, a railway or a motorway", "It crosses a major road at street level."}, "nearer"},
		{"river", 800, []int32{1}, []int32{0}, []uint8{uint8(geo.BarrierWater)}, 0,
			[]string{"The walk crosses a river or canal, on a bridge or in a tunnel."}, "railway"},
		{"railway and motorway", 800, []int32{2}, nil, []uint8{uint8(geo.BarrierRailway | geo.BarrierMotorway)}, 0,
			[]string{"The walk crosses a railway and a motorway, on a bridge, in a tunnel or at a level crossing."}, "river"},
		{"all three", 800, []int32{3}, nil, []uint8{uint8(geo.AllBarrierKinds)}, 0,
			[]string{"The walk crosses a river or canal, a railway and a motorway, on a bridge"}, "major"},
		{"two major roads", 800, []int32{0}, []int32{2}, []uint8{0}, 0, []string{"It crosses 2 major roads at street level."}, "river"},
		{"nearer on the map", 2500, nil, nil, nil, 1, []string{"2.5 km away on foot", "s1 looks nearer on the map (300 m in a straight line), but distances here are measured on foot"}, "is the nearest"},
		{"unreachable", math.MaxFloat32, nil, nil, nil, 1, []string{"Zone School cannot be reached on foot"}, "km"},
		{"not a number", math.NaN(), nil, nil, nil, 1, []string{"cannot be reached on foot"}, "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := &StagePlan{ZoneMeters: []float64{tc.meters}, ZoneBarriers: tc.barriers, ZoneCrossings: tc.crossings, ZoneBarrierKinds: tc.kinds}
			got := walkingWhy(ds, sp, 0, 0, tc.nearest, 300)
			rest := got
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q lacks %q (in order)", got, w)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, tc.notWant) {
				t.Errorf("%q says %q", got, tc.notWant)
			}
		})
	}
}
