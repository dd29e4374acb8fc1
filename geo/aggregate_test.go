package geo

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

// sketchUnits is the planar layout (metres) used by the aggregation tests:
//
//	y
//	20 +-------+-------+
//	   |   A   |   B   |      A  unit 0, square
//	10 +-------+-------+      B  unit 1, square (clockwise ring)
//	   |   C  +---+    |      C  unit 2, with a hole [8,12]×[2,6]
//	   |      | D |    |      D  unit 3, the island filling that hole
//	 0 +------+---+----+      E  unit 4, a point unit at (50, 50), no outline
//	   0      8  12   20      F  unit 5, MultiPolygon of two squares
//	                             [30,32]×[0,2] and [36,38]×[0,2]
//
// Pupils given on the units are ignored once households are supplied.
func sketchUnits() []data.Unit {
	b := square(10, 10, 20, 20)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return []data.Unit{
		{ID: "A", Loc: orb.Point{5, 15}, Geom: orb.Polygon{square(0, 10, 10, 20)}, Pupils: [2]int{100, 100}},
		{ID: "B", Loc: orb.Point{15, 15}, Geom: orb.Polygon{b}},
		{ID: "C", Loc: orb.Point{4, 5}, Geom: orb.Polygon{square(0, 0, 20, 10), square(8, 2, 12, 6)}, Migrants: [2]int{3, 3}, Households: 9},
		{ID: "D", Loc: orb.Point{10, 4}, Geom: orb.Polygon{square(8, 2, 12, 6)}},
		{ID: "E", Loc: orb.Point{50, 50}, Pupils: [2]int{7, 7}},
		{ID: "F", Loc: orb.Point{31, 1}, Geom: orb.MultiPolygon{{square(30, 0, 32, 2)}, {square(36, 0, 38, 2)}}},
	}
}

func TestAggregatorPlacement(t *testing.T) {
	tests := []struct {
		name string
		at   orb.Point
		id   string // UnitID on the household
		want string // unit that receives it
	}{
		{"inside A", orb.Point{5, 15}, "", "A"},
		{"inside clockwise B", orb.Point{15, 15}, "", "B"},
		{"shared edge A|B goes to lower index A", orb.Point{10, 15}, "", "A"},
		{"shared edge A|C goes to A", orb.Point{5, 10}, "", "A"},
		{"corner of A, B and C goes to A", orb.Point{10, 10}, "", "A"},
		{"inside C", orb.Point{2, 2}, "", "C"},
		{"inside the hole: island D", orb.Point{10, 4}, "", "D"},
		{"hole edge belongs to C and D: C", orb.Point{8, 4}, "", "C"},
		{"hole corner: C", orb.Point{12, 6}, "", "C"},
		{"outer vertex of A", orb.Point{0, 20}, "", "A"},
		{"first part of F", orb.Point{31, 1}, "", "F"},
		{"second part of F", orb.Point{37, 1.5}, "", "F"},
		{"between F's parts: grid", orb.Point{34, 1}, "", "cell_0_0"},
		{"point unit E is never matched by location", orb.Point{50, 50}, "", "cell_0_0"},
		{"unit_id wins over location", orb.Point{5, 15}, "E", "E"},
		{"unit_id with no location", orb.Point{math.NaN(), math.NaN()}, "D", "D"},
		{"south-west of the origin", orb.Point{-1, -1}, "", "cell_-1_-1"},
		{"far east", orb.Point{600, 10}, "", "cell_2_0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(sketchUnits(), true, 250)
			if err := a.Add(data.Household{Loc: tt.at, Primary: 2, Junior: 1, UnitID: tt.id}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range a.Units() {
				if u.Households > 0 {
					got = append(got, u.ID)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("household at %v (unit_id %q) went to %v, want %s", tt.at, tt.id, got, tt.want)
			}
		})
	}
}

func TestAggregatorCounts(t *testing.T) {
	a := NewAggregator(sketchUnits(), true, 0)
	hh := []data.Household{
		{Loc: orb.Point{5, 15}, Primary: 2, Junior: 1, Migrant: true},
		{Loc: orb.Point{6, 16}, Primary: 1},
		{Loc: orb.Point{7, 17}, Junior: 3, Migrant: true},
		{Loc: orb.Point{7, 17}}, // no children: counts as a household only
		{Loc: orb.Point{300, 300}, Primary: 1, Migrant: true},
		{Loc: orb.Point{400, 400}, Junior: 2},
	}
	for _, h := range hh {
		if err := a.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	units := a.Units()
	byID := map[string]data.Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	tests := []struct {
		id                 string
		pupils, migrants   [2]int
		households         int
		loc                orb.Point
		checkLoc, wantUnit bool
	}{
		{"A", [2]int{3, 4}, [2]int{2, 4}, 4, orb.Point{5, 15}, true, true},
		{"C", [2]int{}, [2]int{}, 0, orb.Point{}, false, true}, // given migrants and households reset
		{"E", [2]int{}, [2]int{}, 0, orb.Point{}, false, true}, // given pupils reset
		// 250 m cells: (300,300) and (400,400) share cell 1,1; its Loc is their mean.
		{"cell_1_1", [2]int{1, 2}, [2]int{1, 0}, 2, orb.Point{350, 350}, true, true},
	}
	for _, tt := range tests {
		u, ok := byID[tt.id]
		if !ok {
			t.Fatalf("no unit %q in %v", tt.id, units)
		}
		if u.Pupils != tt.pupils || u.Migrants != tt.migrants || u.Households != tt.households {
			t.Errorf("%s: pupils %v migrants %v households %d; want %v %v %d", tt.id, u.Pupils, u.Migrants, u.Households, tt.pupils, tt.migrants, tt.households)
		}
		if tt.checkLoc && u.Loc != tt.loc {
			t.Errorf("%s: Loc %v, want %v", tt.id, u.Loc, tt.loc)
		}
		if err := u.Validate(); err != nil {
			t.Errorf("%s: %v", tt.id, err)
		}
	}
	if len(units) != len(sketchUnits())+1 {
		t.Errorf("%d units, want %d", len(units), len(sketchUnits())+1)
	}
	if got, want := a.Stats(), (AggregateStats{ByPolygon: 4, ByCell: 2, Cells: 1}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func TestAggregatorErrors(t *testing.T) {
	tests := []struct {
		name string
		h    data.Household
		want string
	}{
		{"unknown unit", data.Household{Loc: orb.Point{1, 1}, Primary: 1, UnitID: "Z"}, `unknown unit_id "Z"`},
		{"negative children", data.Household{Loc: orb.Point{1, 1}, Junior: -1}, "negative children"},
		{"no location", data.Household{Loc: orb.Point{math.Inf(1), 0}, Primary: 1}, "not a finite number"},
		{"overflow in a unit", data.Household{Loc: orb.Point{5, 15}, Primary: math.MaxInt}, "overflow"},
		{"overflow in a cell", data.Household{Loc: orb.Point{100, 100}, Primary: math.MaxInt}, "overflow"},
		{"too far for the grid", data.Household{Loc: orb.Point{1e300, 0}, Primary: 1}, "too far"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(sketchUnits(), true, 250)
			// One child already in A and in the cell, so an overflow is possible.
			for _, h := range []data.Household{{Loc: orb.Point{5, 15}, Primary: 1}, {Loc: orb.Point{100, 100}, Primary: 1}} {
				if err := a.Add(h); err != nil {
					t.Fatal(err)
				}
			}
			before := a.Units()
			err := a.Add(tt.h)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add(%+v) = %v, want error containing %q", tt.h, err, tt.want)
			}
			after := a.Units()
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("failed Add changed the units:\n%v\n%v", before, after)
			}
		})
	}
}

// TestAggregatorGeographicCells checks the grid on WGS-84 data: with no
// units the grid is centred on the first household, so households 100 m
// and 300 m east of it fall into cells 0 and 1 of 250 m.
func TestAggregatorGeographicCells(t *testing.T) {
	a := NewAggregator(nil, false, 250)
	origin := orb.Point{116.4, 39.9}
	lp := NewLocalProjection(origin, false)
	at := func(x, y float64) orb.Point { return lp.Inverse(orb.Point{x, y}) }
	for _, h := range []data.Household{
		{Loc: origin, Primary: 1},
		{Loc: at(100, 100), Primary: 1},
		{Loc: at(300, 10), Junior: 1},
		{Loc: at(-10, -10), Junior: 1},
	} {
		if err := a.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]data.Unit{}
	for _, u := range a.Units() {
		got[u.ID] = u
	}
	want := map[string]orb.Point{
		"cell_0_0":   at(50, 50),
		"cell_1_0":   at(300, 10),
		"cell_-1_-1": at(-10, -10),
	}
	if len(got) != len(want) {
		t.Fatalf("units %v, want %v", got, want)
	}
	for id, loc := range want {
		u, ok := got[id]
		if !ok {
			t.Fatalf("no %s in %v", id, got)
		}
		if d := (Geodesic{}).Meters(u.Loc, loc); d > 0.01 {
			t.Errorf("%s: Loc %v is %.3f m from the households' mean %v", id, u.Loc, d, loc)
		}
		if u.Area != data.Urban || u.Geom != nil {
			t.Errorf("%s: Area %v Geom %v, want an urban point unit", id, u.Area, u.Geom)
		}
	}
	if p, ok := a.Projection(); !ok || p.Center() != origin {
		t.Errorf("Projection() = %v, %v; want centred on the first household", p.Center(), ok)
	}
}

func TestAggregatorCellIDCollision(t *testing.T) {
	a := NewAggregator([]data.Unit{{ID: "cell_0_0", Loc: orb.Point{1e6, 1e6}}}, true, 250)
	if err := a.Add(data.Household{Loc: orb.Point{1e6 + 10, 1e6 + 10}, Primary: 1}); err != nil {
		t.Fatal(err)
	}
	units := a.Units()
	if len(units) != 2 || units[1].ID == units[0].ID {
		t.Fatalf("cell id collides with a given unit: %v", units)
	}
}

// TestAggregatorGolden writes the aggregated sketch as text and compares it
// with testdata/aggregate.golden (go test -run Golden -update rewrites it).
func TestAggregatorGolden(t *testing.T) {
	a := NewAggregator(sketchUnits(), true, 250)
	// A deterministic scatter over and around the sketch.
	for i := range 400 {
		x := float64((i*37)%90) - 20.5
		y := float64((i*53)%70) - 15.25
		h := data.Household{Loc: orb.Point{x * 8, y * 8}, Primary: i % 3, Junior: (i / 3) % 2, Migrant: i%5 == 0}
		if i%9 == 0 {
			h.Loc = orb.Point{x / 3, y / 3}
		}
		if i%41 == 0 {
			h.UnitID = "E"
		}
		if err := a.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	var sb strings.Builder
	sb.WriteString("id,name,x,y,primary,junior,primary_migrants,junior_migrants,households\n")
	for _, u := range a.Units() {
		fmt.Fprintf(&sb, "%s,%s,%.3f,%.3f,%d,%d,%d,%d,%d\n", u.ID, u.Name, u.Loc[0], u.Loc[1],
			u.Pupils[0], u.Pupils[1], u.Migrants[0], u.Migrants[1], u.Households)
	}
	fmt.Fprintf(&sb, "stats,%+v\n", a.Stats())
	const golden = "testdata/aggregate.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if sb.String() != string(want) {
		t.Errorf("aggregation differs from %s:\n%s", golden, sb.String())
	}
}

// TestAggregatorSharedSlantedEdge: two compounds share a slanted edge whose
// points are rarely representable exactly, so the exact on-edge test
// mostly misses them; the crossing test must then still give every point
// on or near the edge to one of the two, never to a grid cell.
//
//	(116.3713, 39.9377) +--------+ (116.3791, 39.9377)
//	                    | P   .' |
//	                    |   .'   |     P = unit 0, Q = unit 1, sharing
//	                    | .'  Q  |     the diagonal (in opposite
//	(116.3713, 39.9311) +--------+     directions)
func TestAggregatorSharedSlantedEdge(t *testing.T) {
	sw, ne := orb.Point{116.3713, 39.9311}, orb.Point{116.3791, 39.9377}
	nw, se := orb.Point{sw[0], ne[1]}, orb.Point{ne[0], sw[1]}
	units := []data.Unit{
		{ID: "P", Loc: nw, Geom: orb.Polygon{{sw, ne, nw, sw}}},
		{ID: "Q", Loc: se, Geom: orb.Polygon{{sw, se, ne, sw}}},
	}
	a := NewAggregator(units, false, 250)
	for i := 1; i < 10000; i++ { // interior of the edge: its ends are corners
		f := float64(i) / 10000
		p := orb.Point{sw[0] + f*(ne[0]-sw[0]), sw[1] + f*(ne[1]-sw[1])}
		// The interpolated point and its neighbours 1 to 3 ulps east and west.
		lon := p[0]
		for range 3 {
			lon = math.Nextafter(lon, math.Inf(-1))
		}
		for range 7 {
			if err := a.Add(data.Household{Loc: orb.Point{lon, p[1]}, Primary: 1}); err != nil {
				t.Fatal(err)
			}
			lon = math.Nextafter(lon, math.Inf(1))
		}
	}
	st := a.Stats()
	if st.ByCell != 0 {
		t.Errorf("%d of %d households on the shared edge fell into grid cells", st.ByCell, st.ByCell+st.ByPolygon)
	}
	t.Logf("stats %+v", st)
}

// TestSharedEdgePartition probes the points where floating-point rounding
// makes a slanted edge's crossing abscissa depend on its direction: two
// triangles P and Q share the diagonal of a random box (in opposite
// directions), and every probe next to the diagonal must be claimed by
// exactly one of them, or by both only when it lies exactly on the edge.
//
//	nw +-----+ ne
//	   | P .' |
//	   | .' Q |
//	sw +-----+ se
func TestSharedEdgePartition(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	probes := 0
	for range 20000 {
		sw := orb.Point{116 + r.Float64(), 39 + r.Float64()}
		ne := orb.Point{sw[0] + r.Float64() + 1e-6, sw[1] + r.Float64() + 1e-6}
		nw, se := orb.Point{sw[0], ne[1]}, orb.Point{ne[0], sw[1]}
		P := orb.Polygon{{sw, ne, nw, sw}}
		Q := orb.Polygon{{sw, se, ne, sw}}
		y := sw[1] + r.Float64()*(ne[1]-sw[1])
		x1 := sw[0] + (y-sw[1])*(ne[0]-sw[0])/(ne[1]-sw[1])
		x2 := ne[0] + (y-ne[1])*(sw[0]-ne[0])/(sw[1]-ne[1])
		if x1 == x2 {
			continue
		}
		for _, x := range []float64{x1, x2, math.Nextafter(x1, x2), math.Nextafter(x2, x1)} {
			p := orb.Point{x, y}
			probes++
			inP, inQ := polygonContains(P, p), polygonContains(Q, p)
			_, onP := ringContains(P[0], p)
			if !inP && !inQ {
				t.Fatalf("%v next to the shared edge of %v and %v is in neither", p, P, Q)
			}
			if inP && inQ && !onP {
				t.Fatalf("%v, not on the shared edge, is in both %v and %v", p, P, Q)
			}
		}
	}
	if probes == 0 {
		t.Fatal("no probe where the two directions round differently; the test checks nothing")
	}
	t.Logf("%d probes", probes)
}
