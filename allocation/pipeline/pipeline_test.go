package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/demo"
	"catchment/geo"
	"catchment/geo/ingest"
)

// solveDemo prepares and solves a small demo city (compound polygons in
// the core, village points outside).
func solveDemo(t *testing.T, pupils int) (*Prepared, *allocation.Plan, *demo.City) {
	t.Helper()
	city, err := demo.Generate(demo.Config{Pupils: pupils, Seed: 3, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	prep, err := Prepare(context.Background(), &city.Dataset, city.Boundary, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := prep.Solve(context.Background(), allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return prep, plan, city
}

// checkEveryUnitLooksUp asserts that looking up every unit's representative
// point answers with that unit and, per stage, its zone school.
func checkEveryUnitLooksUp(t *testing.T, prep *Prepared, plan *allocation.Plan) {
	t.Helper()
	lk := allocation.NewLookup(plan, prep.Cells)
	ds := prep.Dataset
	bad := 0
	for u := range ds.Units {
		a := lk.At(ds.Units[u].Loc)
		if !a.Inside || a.UnitID != ds.Units[u].ID {
			bad++
			if bad <= 5 {
				t.Errorf("unit %s at %v looks up to %q (inside %v)", ds.Units[u].ID, ds.Units[u].Loc, a.UnitID, a.Inside)
			}
			continue
		}
		for st := range data.NumStages {
			want := ""
			if s := plan.Stages[st].Zone[u]; s >= 0 {
				want = ds.Schools[s].ID
			}
			if got := a.Stages[st].SchoolID; got != want {
				bad++
				t.Errorf("unit %s %s: lookup says %q, plan says %q", ds.Units[u].ID, data.Stage(st), got, want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d units do not look up to their zone school", bad, len(ds.Units))
	}
}

func TestEveryUnitLooksUpToItsSchool(t *testing.T) {
	prep, plan, _ := solveDemo(t, 30000)
	checkEveryUnitLooksUp(t, prep, plan)
}

// TestEveryPolygonUnitLooksUpToItsSchool uses a planar city made only of
// square compounds (a 20×20 block grid, 150 m blocks).
func TestEveryPolygonUnitLooksUpToItsSchool(t *testing.T) {
	ds := &data.Dataset{Planar: true}
	const n, side = 20, 150.0
	for i := range n {
		for j := range n {
			x, y := float64(i)*side, float64(j)*side
			ring := orb.Ring{{x, y}, {x + side, y}, {x + side, y + side}, {x, y + side}, {x, y}}
			u := data.Unit{ID: fmt.Sprintf("c%d_%d", i, j), Geom: orb.Polygon{ring},
				Loc: orb.Point{x + side/2, y + side/2}}
			u.Pupils = [2]int{10 + (i*7+j*3)%20, 5 + (i+j)%10}
			ds.Units = append(ds.Units, u)
		}
	}
	for k := range 9 {
		x, y := 300+float64(k%3)*1000, 300+float64(k/3)*1000
		ds.Schools = append(ds.Schools, data.School{ID: fmt.Sprintf("s%d", k), Loc: orb.Point{x, y}, Seats: [2]int{1200, 700}})
	}
	prep, err := Prepare(context.Background(), ds, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := prep.Solve(context.Background(), allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkEveryUnitLooksUp(t, prep, plan)
	if r := plan.Report.Stages["primary"]; r.ZonesNoncontiguous > 0 || r.PupilsOverCapacity > 0 {
		t.Errorf("block grid with spare seats: %d split zones, %d pupils over capacity", r.ZonesNoncontiguous, r.PupilsOverCapacity)
	}
}

// TestGCJ02InputGivesSameZones writes a demo city in GCJ-02 (as a planner
// who picked points on an Amap map would have it), loads it back with
// --crs gcj02, and solves: the zones equal those of the WGS-84 original.
func TestGCJ02InputGivesSameZones(t *testing.T) {
	city, err := demo.Generate(demo.Config{Pupils: 20000, Seed: 5, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, crs geo.CRS) ingest.Files {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		ds := city.Dataset
		ds.Schools = append([]data.School(nil), ds.Schools...)
		ds.Units = append([]data.Unit(nil), ds.Units...)
		for i := range ds.Schools {
			ds.Schools[i].Loc = crs.FromWGS84(ds.Schools[i].Loc)
		}
		for i := range ds.Units {
			u := &ds.Units[i]
			u.Loc = crs.FromWGS84(u.Loc)
			if u.Geom != nil {
				g := orb.Clone(u.Geom)
				convertAll(g, crs.FromWGS84)
				u.Geom = g
			}
		}
		f := ingest.Files{Schools: filepath.Join(d, "schools.csv"), Units: filepath.Join(d, "units.geojson")}
		mustWrite(t, f.Schools, func(w *os.File) error { return data.WriteSchoolsCSV(w, ds.Schools, false) })
		mustWrite(t, f.Units, func(w *os.File) error { return data.WriteUnitsGeoJSON(w, ds.Units, false) })
		return f
	}
	solve := func(f ingest.Files, crs geo.CRS) *allocation.Plan {
		ds, err := ingest.Load(context.Background(), f, ingest.Options{CRS: crs})
		if err != nil {
			t.Fatal(err)
		}
		prep, err := Prepare(context.Background(), ds, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := prep.Solve(context.Background(), allocation.DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	a := solve(write("wgs84", geo.WGS84), geo.WGS84)
	b := solve(write("gcj02", geo.GCJ02), geo.GCJ02)
	for st := range data.NumStages {
		diff := 0
		for u := range a.Stages[st].Zone {
			if a.Stages[st].Zone[u] != b.Stages[st].Zone[u] {
				diff++
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d of %d units zoned differently from GCJ-02 input", data.Stage(st), diff, len(a.Stages[st].Zone))
		}
	}
}

func convertAll(g orb.Geometry, f func(orb.Point) orb.Point) {
	switch t := g.(type) {
	case orb.Polygon:
		for _, r := range t {
			for i := range r {
				r[i] = f(r[i])
			}
		}
	case orb.MultiPolygon:
		for _, p := range t {
			convertAll(p, f)
		}
	}
}

func mustWrite(t *testing.T, path string, fn func(*os.File) error) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
