package cells

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// grid3 is a 3×3 tiling of 100 m squares (planar metres):
//
//	300 +---+---+---+
//	    | 2 | 5 | 8 |
//	200 +---+---+---+
//	    | 1 | 4 | 7 |
//	100 +---+---+---+
//	    | 0 | 3 | 6 |
//	  0 +---+---+---+
//	    0  100 200 300
func grid3() []data.Unit {
	var us []data.Unit
	for i := range 3 {
		for j := range 3 {
			us = append(us, sqUnit(fmt.Sprint(i*3+j), float64(i)*100, float64(j)*100, 100))
		}
	}
	return us
}

// lShape is a non-convex study boundary:
//
//	200 +-------+
//	    |       |   x (150,150): a unit outside the boundary
//	100 |       +-------+
//	    |               |
//	  0 +---------------+
//	    0      100     200
var lShape = orb.Polygon{orb.Ring{{0, 0}, {200, 0}, {200, 100}, {100, 100}, {100, 200}, {0, 200}, {0, 0}}}

type scenario struct {
	name     string
	units    []data.Unit
	boundary orb.Geometry
	// cellArea, when set, is every cell's expected area (NaN: not checked).
	cellArea []float64
	// adj, when set, is the expected adjacency.
	adj [][]int32
	// total, when > 0, is the expected area of all cells together.
	total float64
	// locate lists points and the unit Locate must give (−1: not located).
	locate []locCase
}

type locCase struct {
	p    orb.Point
	want int
}

func scenarios() []scenario {
	nan := math.NaN()
	return []scenario{
		{
			name:     "grid of squares",
			units:    grid3(),
			cellArea: []float64{1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4, 1e4},
			// Rook contiguity: corners do not count.
			adj: [][]int32{{1, 3}, {0, 2, 4}, {1, 5}, {0, 4, 6}, {1, 3, 5, 7}, {2, 4, 8}, {3, 7}, {4, 6, 8}, {5, 7}},
			locate: []locCase{
				{orb.Point{50, 50}, 0}, {orb.Point{250, 150}, 7},
				{orb.Point{100, 150}, 1}, // on the edge 1|4: lowest index
				{orb.Point{100, 100}, 0}, // corner of 0, 1, 3, 4
				{orb.Point{301, 150}, -1}, {orb.Point{-1, -1}, -1},
			},
		},
		{
			// Point units on a line inside a box:
			//
			//	 200 +-----------------------------+
			//	     |    |    |    |    |         |
			//	   0 |  0 |  1 |  2 |  3 |  4      |   cells are vertical strips
			//	     |    |    |    |    |         |
			//	-200 +-----------------------------+
			//	   -100   50  150  250  350       500
			name: "collinear points",
			units: []data.Unit{ptUnit("a", 0, 0), ptUnit("b", 100, 0), ptUnit("c", 200, 0),
				ptUnit("d", 300, 0), ptUnit("e", 400, 0)},
			boundary: orb.Polygon{orb.Ring{{-100, -200}, {500, -200}, {500, 200}, {-100, 200}, {-100, -200}}},
			cellArea: []float64{6e4, 4e4, 4e4, 4e4, 6e4},
			adj:      [][]int32{{1}, {0, 2}, {1, 3}, {2, 4}, {3}},
			total:    600 * 400,
			locate: []locCase{
				{orb.Point{120, 150}, 1}, {orb.Point{470, 0}, 4}, {orb.Point{600, 0}, -1},
				{orb.Point{50, 0}, 0}, // on the bisector of 0 and 1
			},
		},
		{
			// Unit 2 sits exactly on unit 0:
			//
			//	100  3
			//	  0  0=2   1
			//	     0    100
			name:     "duplicate points",
			units:    []data.Unit{ptUnit("a", 0, 0), ptUnit("b", 100, 0), ptUnit("a2", 0, 0), ptUnit("c", 0, 100)},
			boundary: orb.Polygon{orb.Ring{{-100, -100}, {200, -100}, {200, 200}, {-100, 200}, {-100, -100}}},
			cellArea: []float64{nan, nan, 0, nan},
			// The duplicate has no cell; it neighbours its twin and the
			// twin's Delaunay neighbours.
			adj:    [][]int32{{1, 2, 3}, {0, 2, 3}, {0, 1, 3}, {0, 1, 2}},
			total:  300 * 300,
			locate: []locCase{{orb.Point{1, 1}, 0}, {orb.Point{-50, 150}, 3}},
		},
		{
			// A compound among four villages:
			//
			//	 200      4
			//	 100   +-----+
			//	  50 1 |  0  | 2
			//	   0   +-----+
			//	-100      3
			//	     -100 0 100 200
			name: "mixed polygon and points",
			units: []data.Unit{sqUnit("0", 0, 0, 100), ptUnit("W", -100, 50), ptUnit("E", 200, 50),
				ptUnit("S", 50, -100), ptUnit("N", 50, 200)},
			boundary: orb.Polygon{orb.Ring{{-200, -200}, {300, -200}, {300, 300}, {-200, 300}, {-200, -200}}},
			cellArea: []float64{1e4, nan, nan, nan, nan},
			adj:      [][]int32{{1, 2, 3, 4}, {0, 3, 4}, {0, 3, 4}, {0, 1, 2}, {0, 1, 2}},
			total:    500 * 500,
			locate: []locCase{
				{orb.Point{50, 50}, 0}, {orb.Point{-150, 50}, 1}, {orb.Point{250, 250}, 2},
				{orb.Point{-150, -150}, 1}, // on the W/S bisector y = x: lower index
				{orb.Point{350, 0}, -1},
			},
		},
		{
			name: "non-convex boundary",
			units: []data.Unit{ptUnit("a", 20, 20), ptUnit("b", 150, 50), ptUnit("c", 50, 150),
				ptUnit("d", 80, 80), ptUnit("out", 150, 150)},
			boundary: lShape,
			cellArea: []float64{nan, nan, nan, nan, nan},
			total:    30000,
			locate:   []locCase{{orb.Point{150, 150}, -1}, {orb.Point{190, 10}, 1}, {orb.Point{10, 190}, 2}},
		},
		{
			// A unit digitised as two overlapping squares, and a study area
			// in two parts:
			//
			//	150 +---------------------------+       +------+
			//	100 | +--+--+--+                |       |      |
			//	    | |m |mm| m|       p        |       |  p   |
			//	  0 | +--+--+--+                |       +------+
			//	-50 +---------------------------+
			//	   -50 0  50 100 150    300     400     500    600
			name: "overlapping parts and a two-part boundary",
			units: []data.Unit{
				{ID: "m", Loc: orb.Point{75, 50}, Geom: orb.MultiPolygon{
					sqUnit("", 0, 0, 100).Geom.(orb.Polygon), sqUnit("", 50, 0, 100).Geom.(orb.Polygon)}},
				ptUnit("p", 300, 50),
			},
			boundary: orb.MultiPolygon{
				{orb.Ring{{-50, -50}, {400, -50}, {400, 150}, {-50, 150}, {-50, -50}}},
				{orb.Ring{{500, 0}, {600, 0}, {600, 100}, {500, 100}, {500, 0}}},
			},
			cellArea: []float64{15000, 100000 - 15000},
			adj:      [][]int32{{1}, {0}},
			total:    100000,
			locate:   []locCase{{orb.Point{75, 50}, 0}, {orb.Point{550, 50}, 1}, {orb.Point{450, 50}, -1}},
		},
		{
			// A compound with a courtyard holding another compound, and a
			// compound overlapping the first one (the overlap stays with
			// the lower index):
			//
			//	300 +-----------+
			//	    |  0        |
			//	200 |   +---+   +-----+
			//	    |   | 1 |   |  2  |   2 overlaps 0 in [250,300]×[100,200]
			//	100 |   +---+   +-----+
			//	    |           |
			//	  0 +-----------+
			//	    0  100 200 300   400
			name: "courtyard and overlap",
			units: []data.Unit{
				{ID: "0", Loc: orb.Point{150, 150}, Geom: orb.Polygon{
					orb.Ring{{0, 0}, {300, 0}, {300, 300}, {0, 300}, {0, 0}},
					orb.Ring{{100, 100}, {100, 200}, {200, 200}, {200, 100}, {100, 100}},
				}},
				sqUnit("1", 100, 100, 100),
				{ID: "2", Loc: orb.Point{325, 150}, Geom: orb.Polygon{orb.Ring{{250, 100}, {400, 100}, {400, 200}, {250, 200}, {250, 100}}}},
			},
			cellArea: []float64{8e4, 1e4, 1e4},
			adj:      [][]int32{{1, 2}, {0}, {0}},
			total:    10e4,
			locate:   []locCase{{orb.Point{150, 150}, 1}, {orb.Point{275, 150}, 0}, {orb.Point{350, 150}, 2}, {orb.Point{350, 250}, -1}},
		},
	}
}

func TestScenarios(t *testing.T) {
	// Geometry sets for one batched shapely check at the end.
	type check struct {
		name  string
		set   []orb.Geometry
		total float64
	}
	var checks []check
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			ts := mustBuild(t, sc.units, true, sc.boundary, Options{})
			n := len(sc.units)
			total := 0.0
			var cells []orb.Geometry
			for i := range n {
				c := ts.Cell(i)
				checkShape(t, fmt.Sprintf("cell %d", i), c)
				a := area(c)
				total += a
				if sc.cellArea != nil && !math.IsNaN(sc.cellArea[i]) && math.Abs(a-sc.cellArea[i]) > 1e-6 {
					t.Errorf("cell %d area %g, want %g", i, a, sc.cellArea[i])
				}
				cells = append(cells, c)
			}
			if sc.total > 0 && math.Abs(total-sc.total) > 1e-6*sc.total {
				t.Errorf("cells cover %g, want %g", total, sc.total)
			}
			if sc.adj != nil {
				if got := ts.Adjacency(); !slices.EqualFunc(got, sc.adj, slices.Equal) {
					t.Errorf("adjacency\n got %v\nwant %v", got, sc.adj)
				}
			}
			for _, lc := range sc.locate {
				u, ok := ts.Locate(lc.p)
				if !ok {
					u = -1
				}
				if u != lc.want {
					t.Errorf("Locate(%v) = %d, %v; want %d", lc.p, u, ok, lc.want)
				}
			}
			checkSubdivision(t, ts)
			checkLocateInterior(t, ts)
			// Dissolves: each unit alone, everything together, random.
			ident := make([]int32, n)
			one := make([]int32, n)
			for i := range ident {
				ident[i] = int32(i)
			}
			zones := checkTiling(t, ts, ident, n)
			all := checkTiling(t, ts, one, 1)
			if math.Abs(area(all[0])-total) > 1e-6*total {
				t.Errorf("union area %g, cells add up to %g", area(all[0]), total)
			}
			r := rand.New(rand.NewPCG(uint64(n), 1))
			for range 5 {
				labels := make([]int32, n)
				for i := range labels {
					labels[i] = int32(r.IntN(3)) - 1
				}
				checkTiling(t, ts, labels, 2)
			}
			checks = append(checks, check{sc.name + " cells", cells, total}, check{sc.name + " zones", zones, total})
		})
	}
	// Cells (and the identical one-unit zones) are valid and do not
	// overlap; their union has their total area.
	sets := make([][]orb.Geometry, len(checks))
	for i, c := range checks {
		sets[i] = c.set
	}
	for i, rep := range shapely(t, sets...) {
		c := checks[i]
		if len(rep.Invalid) > 0 {
			t.Errorf("%s: shapely: invalid geometries %v", c.name, rep.Invalid)
		}
		if rep.Overlap > 1e-9*c.total {
			t.Errorf("%s: shapely: overlap %g", c.name, rep.Overlap)
		}
		if math.Abs(rep.Union-c.total) > 1e-6*c.total {
			t.Errorf("%s: shapely: union area %g, want %g", c.name, rep.Union, c.total)
		}
	}
}

// checkSubdivision checks that the cells form a planar subdivision with
// shared edges: every directed edge occurs in at most one cell ring, and a
// vertex of one cell never lies inside an edge of another.
func checkSubdivision(t testing.TB, ts *Tessellation) {
	t.Helper()
	type edge struct{ a, b orb.Point }
	seen := map[edge]int{}
	var verts []orb.Point
	var edges []edge
	for i := range ts.Len() {
		var polys []orb.Polygon
		switch c := ts.Cell(i).(type) {
		case orb.Polygon:
			polys = []orb.Polygon{c}
		case orb.MultiPolygon:
			polys = c
		}
		for _, p := range polys {
			for _, r := range p {
				for k := 0; k+1 < len(r); k++ {
					e := edge{r[k], r[k+1]}
					if j, dup := seen[e]; dup {
						t.Errorf("edge %v in cells %d and %d", e, j, i)
					}
					seen[e] = i
					edges = append(edges, e)
					verts = append(verts, r[k])
				}
			}
		}
	}
	if len(edges) > 3000 {
		return // quadratic check only for small cases
	}
	for _, e := range edges {
		for _, v := range verts {
			if v == e.a || v == e.b {
				continue
			}
			cr := (e.b[0]-e.a[0])*(v[1]-e.a[1]) - (e.b[1]-e.a[1])*(v[0]-e.a[0])
			if cr == 0 && v[0] >= math.Min(e.a[0], e.b[0]) && v[0] <= math.Max(e.a[0], e.b[0]) &&
				v[1] >= math.Min(e.a[1], e.b[1]) && v[1] <= math.Max(e.a[1], e.b[1]) {
				t.Errorf("vertex %v inside edge %v (not noded)", v, e)
				return
			}
		}
	}
}

// checkLocateInterior checks that an interior point of every cell locates
// to its unit.
func checkLocateInterior(t testing.TB, ts *Tessellation) {
	t.Helper()
	for i := range ts.Len() {
		c := ts.Cell(i)
		if c == nil {
			continue
		}
		p, ok := interiorPoint(c)
		if !ok {
			t.Errorf("cell %d: no interior point", i)
			continue
		}
		if u, ok := ts.Locate(p); !ok || u != i {
			if !ts.isPoint[i] || ok {
				t.Errorf("Locate(interior of cell %d = %v) = %d, %v", i, p, u, ok)
			}
		}
	}
}

func TestDissolveShapes(t *testing.T) {
	ts := mustBuild(t, grid3(), true, nil, Options{})
	tests := []struct {
		name   string
		labels []int32
		nz     int
		// parts and holes per zone.
		parts, holes []int
	}{
		{"ring around the centre", []int32{0, 0, 0, 0, 1, 0, 0, 0, 0}, 2, []int{1, 1}, []int{1, 0}},
		{"checkerboard pinches", []int32{0, 1, 0, 1, 0, 1, 0, 1, 0}, 2, []int{5, 4}, []int{0, 0}},
		{"columns", []int32{0, 0, 0, 1, 1, 1, 2, 2, 2}, 3, []int{1, 1, 1}, []int{0, 0, 0}},
		{"unzoned centre", []int32{0, 0, 0, 0, -1, 0, 0, 0, 0}, 1, []int{1}, []int{1}},
		{"empty zone", []int32{0, 0, 0, 0, 0, 0, 0, 0, 0}, 2, []int{1, 0}, []int{0, 0}},
		{"diagonal pair", []int32{0, -1, -1, -1, 0, -1, -1, -1, -1}, 1, []int{2}, []int{0}},
		// Zone 0 surrounds the centre but not corner 0, so its boundary
		// touches itself at (100,100): a shell and a hole meeting there.
		{"C with touching tips", []int32{-1, 0, 0, 0, 1, 0, 0, 0, 0}, 2, []int{1, 1}, []int{1, 0}},
	}
	var sets [][]orb.Geometry
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			zones := checkTiling(t, ts, tc.labels, tc.nz)
			sets = append(sets, zones)
			for z, g := range zones {
				parts, holes := 0, 0
				switch v := g.(type) {
				case orb.Polygon:
					parts, holes = 1, len(v)-1
				case orb.MultiPolygon:
					parts = len(v)
					for _, p := range v {
						holes += len(p) - 1
					}
				}
				if parts != tc.parts[z] || holes != tc.holes[z] {
					t.Errorf("zone %d: %d parts, %d holes; want %d, %d: %v", z, parts, holes, tc.parts[z], tc.holes[z], g)
				}
			}
		})
	}
	for i, rep := range shapely(t, sets...) {
		if len(rep.Invalid) > 0 {
			t.Errorf("%s: shapely: invalid %v", tests[i].name, rep.Invalid)
		}
		if rep.Overlap > 1e-9 {
			t.Errorf("%s: shapely: zones overlap by %g", tests[i].name, rep.Overlap)
		}
	}
}

func TestDissolveGolden(t *testing.T) {
	ts := mustBuild(t, grid3(), true, nil, Options{})
	zones, err := ts.Dissolve([]int32{0, 0, 0, 0, 1, 0, 2, 2, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	fc := geojson.NewFeatureCollection()
	for z, g := range zones {
		f := geojson.NewFeature(g)
		f.Properties["zone"] = z
		fc.Append(f)
	}
	got, err := fc.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "grid3_zones.geojson")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("zones differ from %s (rerun with -update if intended)\n got %s\nwant %s", path, got, want)
	}
}

func TestDissolveErrors(t *testing.T) {
	ts := mustBuild(t, grid3(), true, nil, Options{})
	tests := []struct {
		name   string
		labels []int32
		nz     int
	}{
		{"too few labels", []int32{0}, 1},
		{"label too large", []int32{0, 0, 0, 0, 3, 0, 0, 0, 0}, 3},
		{"label below -1", []int32{0, 0, 0, 0, -2, 0, 0, 0, 0}, 3},
		{"negative zone count", make([]int32, 9), -1},
	}
	for _, tc := range tests {
		if _, err := ts.Dissolve(tc.labels, tc.nz); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	bad := orb.Polygon{orb.Ring{{0, 0}, {1, 0}, {0, 0}}}
	tests := []struct {
		name     string
		units    []data.Unit
		boundary orb.Geometry
	}{
		{"no units", nil, nil},
		{"NaN location", []data.Unit{ptUnit("a", math.NaN(), 0)}, nil},
		{"short ring", []data.Unit{{ID: "a", Geom: bad}}, nil},
		{"line boundary", []data.Unit{ptUnit("a", 0, 0)}, orb.LineString{{0, 0}, {1, 1}}},
		{"huge extent", []data.Unit{ptUnit("a", 0, 0), ptUnit("b", 5e6, 0)}, nil},
	}
	for _, tc := range tests {
		if _, err := Build(tc.units, true, tc.boundary, Options{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := BuildContext(ctx, grid3(), true, nil, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: err = %v", err)
	}
}

// A single point unit owns the whole study area.
func TestSinglePoint(t *testing.T) {
	ts := mustBuild(t, []data.Unit{ptUnit("a", 0, 0)}, true, nil, Options{HullBufferMeters: 100})
	a := area(ts.Cell(0))
	// A 16-gon circumscribing a circle of radius 100.
	want := 16 * 100 * 100 * math.Tan(math.Pi/16)
	if math.Abs(a-want) > 1e-3*want {
		t.Errorf("area %g, want %g", a, want)
	}
	if u, ok := ts.Locate(orb.Point{50, 50}); !ok || u != 0 {
		t.Errorf("Locate = %d, %v", u, ok)
	}
	if _, ok := ts.Locate(orb.Point{150, 0}); ok {
		t.Errorf("located outside the buffered hull")
	}
}

// MaxLocateMeters bounds how far from its point a point unit is located.
func TestMaxLocate(t *testing.T) {
	units := []data.Unit{ptUnit("a", 0, 0), ptUnit("b", 10000, 0)}
	ts := mustBuild(t, units, true, nil, Options{MaxLocateMeters: 2000})
	tests := []locCase{{orb.Point{1999, 0}, 0}, {orb.Point{2001, 0}, -1}, {orb.Point{9000, 0}, 1}, {orb.Point{5000, 100}, -1}}
	for _, lc := range tests {
		u, ok := ts.Locate(lc.p)
		if !ok {
			u = -1
		}
		if u != lc.want {
			t.Errorf("Locate(%v) = %d, want %d", lc.p, u, lc.want)
		}
	}
	if _, ok := ts.Locate(orb.Point{math.NaN(), 0}); ok {
		t.Error("located NaN")
	}
}

// A hole that touches its shell in the middle of a straight hole edge: the
// edge midpoint, where holes are tested for containment, lies on the shell.
// The picture is drawn with x and y swapped (so that the hole's first edge,
// from its lowest-leftmost vertex, is the one through P):
//
//	300 +----+---------+----+
//	    |    |    A    |    |
//	200 | A  +---------+ A  |
//	    |    |    B    |    |
//	100 |    +----P----+    |      P = (200, 100) before the swap
//	    |    |A  / \  A|    |      T2 (zone C) has its apex at P
//	  0 +----+--+-C-+--+----+
//	    0   100 150 250 300  400
func TestHoleTouchesShellMidEdge(t *testing.T) {
	poly := func(id string, pts ...orb.Point) data.Unit {
		for i := range pts {
			pts[i][0], pts[i][1] = pts[i][1], pts[i][0]
		}
		r := append(orb.Ring(pts), pts[0])
		var c orb.Point
		for _, p := range pts {
			c[0] += p[0] / float64(len(pts))
			c[1] += p[1] / float64(len(pts))
		}
		return data.Unit{ID: id, Loc: c, Geom: orb.Polygon{r}}
	}
	P := orb.Point{200, 100}
	units := []data.Unit{
		poly("left", orb.Point{0, 0}, orb.Point{100, 0}, orb.Point{100, 300}, orb.Point{0, 300}),
		poly("top", orb.Point{100, 200}, orb.Point{300, 200}, orb.Point{300, 300}, orb.Point{100, 300}),
		poly("right", orb.Point{300, 0}, orb.Point{400, 0}, orb.Point{400, 300}, orb.Point{300, 300}),
		poly("B", orb.Point{100, 100}, orb.Point{300, 100}, orb.Point{300, 200}, orb.Point{100, 200}),
		poly("T1", orb.Point{100, 0}, orb.Point{150, 0}, P, orb.Point{100, 100}),
		poly("T2", orb.Point{150, 0}, orb.Point{250, 0}, P),
		poly("T3", orb.Point{250, 0}, orb.Point{300, 0}, orb.Point{300, 100}, P),
	}
	ts := mustBuild(t, units, true, nil, Options{})
	zones := checkTiling(t, ts, []int32{0, 0, 0, 1, 0, 2, 0}, 3)
	a, ok := zones[0].(orb.Polygon)
	if !ok || len(a) != 2 {
		t.Fatalf("zone A = %v, want a polygon with one hole", zones[0])
	}
	rep := shapely(t, zones)[0]
	if len(rep.Invalid) > 0 || rep.Overlap > 0 {
		t.Errorf("shapely: invalid %v, overlap %g", rep.Invalid, rep.Overlap)
	}
}
