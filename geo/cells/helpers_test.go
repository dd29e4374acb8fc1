package cells

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// sq returns the planar unit square [x, x+s]×[y, y+s] as a polygon unit.
func sqUnit(id string, x, y, s float64) data.Unit {
	return data.Unit{ID: id, Loc: orb.Point{x + s/2, y + s/2},
		Geom: orb.Polygon{orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}}}
}

func ptUnit(id string, x, y float64) data.Unit {
	return data.Unit{ID: id, Loc: orb.Point{x, y}}
}

func mustBuild(t testing.TB, units []data.Unit, planarCoords bool, boundary orb.Geometry, opt Options) *Tessellation {
	t.Helper()
	ts, err := Build(units, planarCoords, boundary, opt)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return ts
}

// checkShape checks the RFC 7946 / OGC shape of a cell or zone: closed
// rings of ≥ 4 positions, shells counter-clockwise, holes clockwise.
func checkShape(t testing.TB, what string, g orb.Geometry) {
	t.Helper()
	var polys []orb.Polygon
	switch v := g.(type) {
	case nil:
		return
	case orb.Polygon:
		polys = []orb.Polygon{v}
	case orb.MultiPolygon:
		if len(v) < 2 {
			t.Errorf("%s: MultiPolygon with %d parts", what, len(v))
		}
		polys = v
	default:
		t.Fatalf("%s: unexpected %T", what, g)
	}
	for _, p := range polys {
		for ri, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Errorf("%s: ring %d not closed or too short: %v", what, ri, r)
				continue
			}
			want := orb.CCW
			if ri > 0 {
				want = orb.CW
			}
			if o := r.Orientation(); o != want {
				t.Errorf("%s: ring %d orientation %v, want %v", what, ri, o, want)
			}
		}
	}
}

// interiorPoint returns a point strictly inside a polygonal geometry: the
// middle of the widest inside run of a horizontal line halfway between two
// consecutive vertex heights of the first polygon (so it meets no vertex
// and no horizontal edge).
func interiorPoint(g orb.Geometry) (orb.Point, bool) {
	var polys []orb.Polygon
	switch v := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{v}
	case orb.MultiPolygon:
		polys = v
	default:
		return orb.Point{}, false
	}
	p := polys[0]
	var ys []float64
	for _, r := range p {
		for _, pt := range r {
			ys = append(ys, pt[1])
		}
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	best, bx, by := 0.0, 0.0, 0.0
	for k := 0; k+1 < len(ys); k++ {
		y := (ys[k] + ys[k+1]) / 2
		var xs []float64
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				a, c := r[i], r[i+1]
				if (a[1] > y) != (c[1] > y) {
					xs = append(xs, a[0]+(y-a[1])*(c[0]-a[0])/(c[1]-a[1]))
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			// Weigh by the band height too, to stay away from edges.
			if w := math.Min(xs[i+1]-xs[i], ys[k+1]-ys[k]); w > best {
				best, bx, by = w, (xs[i]+xs[i+1])/2, y
			}
		}
	}
	return orb.Point{bx, by}, best > 0
}

func area(g orb.Geometry) float64 {
	if g == nil {
		return 0
	}
	return planar.Area(g)
}

// checkTiling checks, for a labelling, that zone areas add up to the area
// of their cells and that the union of all zones has the area of all cells
// (so zones neither overlap nor leave slivers).
func checkTiling(t testing.TB, ts *Tessellation, labels []int32, nz int) []orb.Geometry {
	t.Helper()
	zones, err := ts.Dissolve(labels, nz)
	if err != nil {
		t.Fatalf("Dissolve: %v", err)
	}
	want := make([]float64, nz)
	for u, z := range labels {
		if z >= 0 {
			want[z] += area(ts.Cell(u))
		}
	}
	for z, g := range zones {
		checkShape(t, "zone", g)
		if got := area(g); math.Abs(got-want[z]) > 1e-6*math.Max(want[z], 1e-12) {
			t.Errorf("zone %d: area %g, cells add up to %g", z, got, want[z])
		}
		if (g == nil) != (want[z] == 0) {
			t.Errorf("zone %d: geometry %v for cell area %g", z, g, want[z])
		}
	}
	return zones
}

// shapelyReport is what the independent Python check returns.
type shapelyReport struct {
	Invalid [][2]any  `json:"invalid"`
	Areas   []float64 `json:"areas"`
	Union   float64   `json:"union"`
	Overlap float64   `json:"overlap"`
}

const shapelyScript = `
import json, sys, warnings
warnings.simplefilter("ignore")
from shapely.geometry import shape
from shapely.ops import unary_union
from shapely.strtree import STRtree
from shapely.validation import explain_validity
reports = []
for gj in json.load(open(sys.argv[1])):
    gs = [shape(g) for g in gj]
    out = {"invalid": [[i, explain_validity(g)] for i, g in enumerate(gs) if not g.is_valid]}
    out["areas"] = [g.area for g in gs]
    out["union"] = unary_union(gs).area if gs else 0.0
    ov = 0.0
    if gs:
        tree = STRtree(gs)
        index = {id(g): i for i, g in enumerate(gs)}
        for i, g in enumerate(gs):
            for r in tree.query(g):
                j = int(r) if not hasattr(r, "geom_type") else index[id(r)]
                if j > i:
                    ov += g.intersection(gs[j]).area
    out["overlap"] = ov
    reports.append(out)
print(json.dumps(reports))
`

// shapely validates sets of geometries with Python's shapely (GEOS),
// independently of this package, in one Python process. Nil geometries are
// left out. It skips the test when /usr/bin/python3 lacks shapely.
func shapely(t testing.TB, sets ...[]orb.Geometry) []shapelyReport {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("skipping: /usr/bin/python3 not installed (Debian package python3-shapely)")
	}
	if err := exec.Command(py, "-c", "import shapely").Run(); err != nil {
		t.Skip("skipping: shapely not importable by /usr/bin/python3 (install python3-shapely)")
	}
	all := make([][]json.RawMessage, 0, len(sets))
	for _, geoms := range sets {
		list := []json.RawMessage{}
		for _, g := range geoms {
			if g == nil {
				continue
			}
			b, err := json.Marshal(geojson.NewGeometry(g))
			if err != nil {
				t.Fatal(err)
			}
			list = append(list, b)
		}
		all = append(all, list)
	}
	f := filepath.Join(t.TempDir(), "zones.json")
	b, _ := json.Marshal(all)
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", shapelyScript, f).Output()
	if err != nil {
		t.Fatalf("shapely check failed: %v", err)
	}
	var reps []shapelyReport
	if err := json.Unmarshal(out, &reps); err != nil || len(reps) != len(sets) {
		t.Fatalf("shapely output %q: %v", out, err)
	}
	return reps
}
