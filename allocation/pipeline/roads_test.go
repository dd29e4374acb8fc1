package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/roads"
)

// riverCity is the small demo city of the river acceptance test, generated
// once per test binary, with its streets in OpenStreetMap XML.
var riverCity = sync.OnceValues(func() (*cityFiles, error) {
	c, err := demo.Generate(demo.Config{Pupils: 60000, Seed: 1})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := c.Streets.WriteOSM(&buf); err != nil {
		return nil, err
	}
	return &cityFiles{city: c, osm: buf.Bytes()}, nil
})

type cityFiles struct {
	city *demo.City
	osm  []byte // streets.osm
}

func writeOSM(s *demo.Streets, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := s.WriteOSM(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func testCity(t testing.TB) *cityFiles {
	t.Helper()
	if testing.Short() {
		t.Skip("demo city with streets skipped in -short mode")
	}
	cf, err := riverCity()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// river is the demo river's centre line in local metres around a
// reference latitude, for telling its banks apart.
type river struct {
	lat0 float64
	pts  []orb.Point // local metres, in order along the river
}

const metersPerDegree = 111_320.0

func (r *river) local(p orb.Point) orb.Point {
	return orb.Point{p[0] * metersPerDegree * math.Cos(r.lat0*math.Pi/180), p[1] * metersPerDegree}
}

// newRiver joins the city's waterway=river ways (written in order along the
// river, consecutive ways sharing their end node) into one line.
func newRiver(t testing.TB, s *demo.Streets, lat0 float64) *river {
	t.Helper()
	r := &river{lat0: lat0}
	last := int32(-1)
	for i, w := range s.Ways {
		if w.Kind != demo.River {
			continue
		}
		nodes := s.WayNodes(i)
		if last >= 0 && nodes[0] != last {
			t.Fatalf("river way %d does not continue the previous one (node %d, want %d)", i, nodes[0], last)
		}
		for j, n := range nodes {
			if j == 0 && last >= 0 {
				continue
			}
			r.pts = append(r.pts, r.local(s.Nodes[n]))
		}
		last = nodes[len(nodes)-1]
	}
	if len(r.pts) < 2 {
		t.Fatal("the demo city has no river")
	}
	return r
}

// bank returns +1 or -1: the side of the river p lies on, by the sign of
// the cross product with the river segment nearest to p. The river runs
// across the whole study area, so two points are on opposite banks — and
// every walking route between them crosses the river on a bridge — exactly
// when their banks differ.
func (r *river) bank(p orb.Point) int {
	q := r.local(p)
	best, side := math.Inf(1), 0
	for i := 1; i < len(r.pts); i++ {
		a, b := r.pts[i-1], r.pts[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		t := ((q[0]-a[0])*dx + (q[1]-a[1])*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		ex, ey := q[0]-(a[0]+t*dx), q[1]-(a[1]+t*dy)
		if d := ex*ex + ey*ey; d < best {
			best = d
			if dx*(q[1]-a[1])-dy*(q[0]-a[0]) >= 0 {
				side = 1
			} else {
				side = -1
			}
		}
	}
	return side
}

// riverCount is how many pupils of a stage a plan zones across the river.
type riverCount struct {
	// Pupils (Units) are zoned to a school on the other bank: every route
	// between them crosses the river on a bridge.
	Pupils, Units int
	// DetourPupils (DetourUnits) are those of them whose walk is more than
	// the report's detour factor (1.5) times the straight line: the river
	// lies between them and the school away from any bridge, so the only
	// route goes round by a bridge. This is issue 7's "zone whose only
	// route crosses the river".
	DetourPupils, DetourUnits int
}

// acrossRiver counts the pupils of stage st zoned across the river in
// plan, whose ZoneMeters must be walking distances.
func acrossRiver(ds *data.Dataset, plan *allocation.Plan, st data.Stage, r *river) riverCount {
	var c riverCount
	sp := plan.Stages[st]
	for u, s := range sp.Zone {
		n := ds.Units[u].Pupils[st]
		if s < 0 || n == 0 || r.bank(ds.Units[u].Loc) == r.bank(ds.Schools[s].Loc) {
			continue
		}
		c.Pupils += n
		c.Units++
		if sp.ZoneMeters[u] > 1.5*(geo.Geodesic{}).Meters(ds.Units[u].Loc, ds.Schools[s].Loc) {
			c.DetourPupils += n
			c.DetourUnits++
		}
	}
	return c
}

// TestRiverAcceptance is issue 7's acceptance check 2 on the 60,000-pupil
// demo city (seed 1). "Crosses the river" is decided by the demo's river
// centre line: the unit and its zone school lie on opposite banks, so
// every route between them crosses the river on a bridge. Such a crossing
// is a river detour when the walk is more than 1.5 × the straight line
// (the report's road_detour_factor): the river lies between them away
// from any bridge.
//
// The straight-line plan, measured on foot, puts hundreds of primary pupils
// across the river, many of them on long detours round by a bridge. The
// walking plan, with the default barrier penalty (LoadRoads), puts none:
// each bank has enough primary seats, so no pupil needs to cross. The
// report's barrier_crossing_pupils and road_detour_pupils fall with it, and
// the report itself tells the river apart: barrier_crossing_pupils_by_kind
// ["water"] is 0 for the walking plan and counts at least every pupil the
// straight-line zones put across the river (omitted for the straight-line
// plan, whose metric knows no barriers).
func TestRiverAcceptance(t *testing.T) {
	cf := testCity(t)
	ctx := context.Background()
	ds := &cf.city.Dataset
	r := newRiver(t, cf.city.Streets, ds.Units[0].Loc[1])

	osm := filepath.Join(t.TempDir(), "streets.osm")
	if err := os.WriteFile(osm, cf.osm, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := LoadRoads(ctx, osm)
	if err != nil {
		t.Fatal(err)
	}
	check, err := CheckRoads(ctx, ds, m)
	if err != nil {
		t.Fatal(err)
	}
	if !check.OK() {
		t.Errorf("demo city: %d units and %d schools unreachable on foot, want none", len(check.Units), len(check.Schools))
	}

	pol := allocation.DefaultPolicy()
	walkPrep, err := Prepare(ctx, ds, cf.city.Boundary, m)
	if err != nil {
		t.Fatal(err)
	}
	walk, err := walkPrep.Solve(ctx, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	linePrep, err := Prepare(ctx, ds, cf.city.Boundary, nil)
	if err != nil {
		t.Fatal(err)
	}
	line, err := linePrep.Solve(ctx, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if walk.Metric != "walking" || line.Metric == "walking" {
		t.Fatalf("metrics %q and %q", line.Metric, walk.Metric)
	}
	if r := line.Report.Stages["primary"]; r.RoadDetourPupils != 0 {
		t.Errorf("straight-line report: road_detour_pupils = %d, want 0 (no road metric)", r.RoadDetourPupils)
	}
	// The straight-line zones measured on foot.
	lineWalked, err := allocation.FromZones(ctx, ds, pol, m, walkPrep.Adjacency, zonesOf(line))
	if err != nil {
		t.Fatal(err)
	}
	lc := acrossRiver(ds, lineWalked, data.Primary, r)
	wc := acrossRiver(ds, walk, data.Primary, r)
	lr, wr := lineWalked.Report.Stages["primary"], walk.Report.Stages["primary"]
	t.Logf("primary pupils across the river: straight-line plan %d (%d units), walking plan %d (%d units)", lc.Pupils, lc.Units, wc.Pupils, wc.Units)
	t.Logf("  of them on a river detour > 1.5x: straight-line plan %d (%d units), walking plan %d (%d units)", lc.DetourPupils, lc.DetourUnits, wc.DetourPupils, wc.DetourUnits)
	t.Logf("primary road_detour_pupils: straight-line plan %d, walking plan %d; major_crossing_pupils %d, %d; barrier_crossing_pupils %d, %d",
		lr.RoadDetourPupils, wr.RoadDetourPupils, lr.MajorCrossingPupils, wr.MajorCrossingPupils, lr.BarrierCrossingPupils, wr.BarrierCrossingPupils)
	if lc.DetourPupils == 0 {
		t.Fatalf("the straight-line plan puts no primary pupil on a river detour: the test city does not show the difference")
	}
	if wc.Pupils != 0 {
		t.Errorf("walking plan: %d primary pupils (%d units) zoned across the river, want none", wc.Pupils, wc.Units)
	}
	if lr.BarrierCrossingPupils <= wr.BarrierCrossingPupils {
		t.Errorf("barrier_crossing_pupils: walking plan %d, straight-line plan %d; want fewer for the walking plan", wr.BarrierCrossingPupils, lr.BarrierCrossingPupils)
	}
	if wr.RoadDetourPupils >= lr.RoadDetourPupils {
		t.Errorf("road_detour_pupils: walking plan %d, straight-line plan %d; want fewer for the walking plan", wr.RoadDetourPupils, lr.RoadDetourPupils)
	}
	// What the walking plan minimised — metres walked plus the barrier
	// penalties — is no more than the straight-line zones' on foot.
	if wr.ObjectiveMeters > lr.ObjectiveMeters {
		t.Errorf("objective on foot: walking plan %.0f > straight-line plan %.0f", wr.ObjectiveMeters, lr.ObjectiveMeters)
	}
	if walk.Stages[data.Primary].ZoneCrossings == nil {
		t.Errorf("walking plan: no ZoneCrossings (the walking metric's Candidates.Crossings did not reach the plan)")
	}

	// The report by kind of barrier.
	t.Logf("primary barrier_crossing_pupils_by_kind: straight-line zones on foot %v, walking plan %v",
		lr.BarrierCrossingPupilsByKind, wr.BarrierCrossingPupilsByKind)
	if k := line.Report.Stages["primary"].BarrierCrossingPupilsByKind; k != nil {
		t.Errorf("straight-line report: barrier_crossing_pupils_by_kind = %v, want it omitted", k)
	}
	for name, sr := range map[string]*allocation.StageReport{"walking plan": wr, "straight-line zones on foot": lr} {
		byKind, sum := sr.BarrierCrossingPupilsByKind, 0
		for _, k := range geo.BarrierKinds {
			n, ok := byKind[k.Name()]
			if !ok || n < 0 || n > sr.BarrierCrossingPupils {
				t.Errorf("%s: barrier_crossing_pupils_by_kind[%q] = %d (present %v), want 0..%d", name, k.Name(), n, ok, sr.BarrierCrossingPupils)
			}
			sum += n
		}
		if len(byKind) != len(geo.BarrierKinds) || sum < sr.BarrierCrossingPupils {
			t.Errorf("%s: barrier_crossing_pupils_by_kind %v: want the %d kinds summing to at least barrier_crossing_pupils %d",
				name, byKind, len(geo.BarrierKinds), sr.BarrierCrossingPupils)
		}
	}
	if n := wr.BarrierCrossingPupilsByKind["water"]; n != 0 {
		t.Errorf("walking plan: barrier_crossing_pupils_by_kind[water] = %d, want 0", n)
	}
	// Every pupil zoned across the river crosses water on foot.
	if n := lr.BarrierCrossingPupilsByKind["water"]; n == 0 || n < lc.Pupils {
		t.Errorf("straight-line zones on foot: barrier_crossing_pupils_by_kind[water] = %d, want ≥ the %d pupils zoned across the river", n, lc.Pupils)
	}
}

func zonesOf(p *allocation.Plan) [data.NumStages][]int32 {
	var z [data.NumStages][]int32
	for st := range data.NumStages {
		z[st] = p.Stages[st].Zone
	}
	return z
}

// smallCity writes a 2,000-pupil demo city's streets to a temporary
// file: small enough for every test run.
func smallCity(t testing.TB) (*demo.City, string) {
	t.Helper()
	c, err := demo.Generate(demo.Config{Pupils: 2000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	osm := filepath.Join(t.TempDir(), "streets.osm")
	if err := writeOSM(c.Streets, osm); err != nil {
		t.Fatal(err)
	}
	return c, osm
}

// TestStoredRoads: the graph cached with a scenario gives the same
// distances and crossings as the file it came from; a scenario without one
// says so with store.ErrNotFound; a corrupt blob is an error.
func TestStoredRoads(t *testing.T) {
	ctx := context.Background()
	c, osm := smallCity(t)
	ds := &c.Dataset
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.ImportScenario(ctx, "city", ds, store.ScenarioInfo{CRS: "wgs84"}); err != nil {
		t.Fatal(err)
	}
	if _, err := StoredRoads(ctx, st, "city", roads.Options{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("StoredRoads without a blob: err = %v, want store.ErrNotFound", err)
	}
	g, err := ReadRoads(ctx, osm, roads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := StoreRoads(ctx, st, "city", g); err != nil {
		t.Fatal(err)
	}
	fromFile, err := LoadRoads(ctx, osm)
	if err != nil {
		t.Fatal(err)
	}
	cached, err := StoredRoads(ctx, st, "city", DefaultRoadOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cached.Graph().NumNodes() != g.NumNodes() || cached.Graph().NumEdges() != g.NumEdges() {
		t.Errorf("cached graph %s, file graph %s", cached.Graph(), g)
	}
	units, schools := make([]orb.Point, len(ds.Units)), make([]orb.Point, len(ds.Schools))
	for i := range ds.Units {
		units[i] = ds.Units[i].Loc
	}
	for i := range ds.Schools {
		schools[i] = ds.Schools[i].Loc
	}
	a, err := fromFile.Nearest(ctx, units, schools, 4)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cached.Nearest(ctx, units, schools, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Off, b.Off) || !slices.Equal(a.Dest, b.Dest) || !slices.Equal(a.Meters, b.Meters) || !slices.Equal(a.Crossings, b.Crossings) {
		t.Errorf("candidates from the cached graph differ from those of the file")
	}
	if len(a.Crossings) != len(a.Dest) {
		t.Errorf("Candidates.Crossings has %d entries for %d candidates", len(a.Crossings), len(a.Dest))
	}
	if err := st.PutBlob(ctx, "city", RoadsBlob, []byte("not a graph")); err != nil {
		t.Fatal(err)
	}
	if _, err := StoredRoads(ctx, st, "city", roads.Options{}); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("corrupt blob: err = %v, want a decoding error", err)
	}
}

// TestCheckRoads: units and schools that cannot be reached on foot are
// listed with their reason and pupils, never silently given the straight
// line; a straight-line metric reaches everything.
func TestCheckRoads(t *testing.T) {
	ctx := context.Background()
	c, osm := smallCity(t)
	m, err := LoadRoads(ctx, osm)
	if err != nil {
		t.Fatal(err)
	}
	base := c.Dataset
	far := orb.Point{base.Units[0].Loc[0] + 0.5, base.Units[0].Loc[1]} // ~50 km east: off the network
	for _, tc := range []struct {
		name        string
		edit        func(ds *data.Dataset)
		metric      geo.Metric
		units       []string // unreachable unit ids (any stage)
		schools     []string
		reason      string
		wantPrimary int
	}{
		{name: "demo city reaches everything", edit: func(*data.Dataset) {}, metric: m},
		{name: "unit off the network", metric: m, edit: func(ds *data.Dataset) { ds.Units[0].Loc = far },
			units: []string{base.Units[0].ID}, reason: roads.TooFarFromNetwork.String(), wantPrimary: base.Units[0].Pupils[data.Primary]},
		{name: "school off the network", metric: m, edit: func(ds *data.Dataset) {
			for i := range ds.Schools {
				if ds.Schools[i].Zoneable(data.Primary) {
					ds.Schools[i].Loc = far
					return
				}
			}
		}, schools: []string{"?"}, reason: roads.TooFarFromNetwork.String()},
		{name: "straight line reaches everything", metric: geo.Geodesic{}, edit: func(ds *data.Dataset) { ds.Units[0].Loc = far }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := base
			ds.Units = slices.Clone(base.Units)
			ds.Schools = slices.Clone(base.Schools)
			tc.edit(&ds)
			check, err := CheckRoads(ctx, &ds, tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, u := range check.Units {
				ids[u.ID] = true
				if u.Reason != tc.reason || u.Pupils != ds.Units[u.Unit].Pupils[u.Stage] || ds.Units[u.Unit].ID != u.ID {
					t.Errorf("unit %+v: want reason %q and its pupils", u, tc.reason)
				}
			}
			if len(ids) != len(tc.units) {
				t.Errorf("unreachable units %v, want %v", ids, tc.units)
			}
			for _, id := range tc.units {
				if !ids[id] {
					t.Errorf("unit %s not reported", id)
				}
			}
			if len(check.Schools) != len(tc.schools) {
				t.Errorf("unreachable schools %+v, want %d", check.Schools, len(tc.schools))
			}
			for _, s := range check.Schools {
				if s.Reason != tc.reason || ds.Schools[s.School].Loc != far {
					t.Errorf("school %+v", s)
				}
			}
			if check.Pupils[data.Primary] != tc.wantPrimary {
				t.Errorf("unreachable primary pupils %d, want %d", check.Pupils[data.Primary], tc.wantPrimary)
			}
			if check.OK() != (len(tc.units) == 0 && len(tc.schools) == 0) {
				t.Errorf("OK() = %v", check.OK())
			}
		})
	}
}

// TestPrepareWalking: the prepared dataset uses the walking metric, an
// unreachable unit is logged, and planar data is refused.
func TestPrepareWalking(t *testing.T) {
	ctx := context.Background()
	c, osm := smallCity(t)
	nw, err := LoadRoadsWith(ctx, osm, roads.Options{MajorCrossingPenaltyMeters: 200})
	if err != nil {
		t.Fatal(err)
	}
	ds := c.Dataset
	ds.Units = slices.Clone(c.Dataset.Units)
	ds.Units[0].Loc[0] += 0.5
	var logged strings.Builder
	p, check, err := PrepareWalking(ctx, &ds, c.Boundary, nw, slog.New(slog.NewTextHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Metric.Name() != "walking" || check.OK() {
		t.Errorf("metric %q, check OK %v", p.Metric.Name(), check.OK())
	}
	if !strings.Contains(logged.String(), "unit="+ds.Units[0].ID) || !strings.Contains(logged.String(), "no straight-line fallback") {
		t.Errorf("log does not name the unreachable unit:\n%s", logged.String())
	}
	planar := ds
	planar.Planar = true
	if _, _, err := PrepareWalking(ctx, &planar, nil, nw, nil); err == nil {
		t.Errorf("planar data with a road network: no error")
	}
	if _, _, err := PrepareWalking(ctx, &ds, nil, nil, nil); err == nil {
		t.Errorf("nil network: no error")
	}
}

// TestLoadRoadsErrors: a missing or empty extract is an error that names
// the file.
func TestLoadRoadsErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.osm")
	if err := os.WriteFile(empty, []byte(`<?xml version="1.0"?><osm version="0.6"></osm>`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.osm"), empty} {
		if _, err := LoadRoads(ctx, path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadRoads(%s): err = %v, want one naming the file", path, err)
		}
	}
}

// TestUnreachableUnitIsNotZonedByStraightLine: a unit that cannot walk to
// any school gets no zone and its pupils are unplaced (and reported by
// CheckRoads), rather than being zoned by a straight-line distance.
func TestUnreachableUnitIsNotZonedByStraightLine(t *testing.T) {
	ctx := context.Background()
	c, osm := smallCity(t)
	nw, err := LoadRoadsWith(ctx, osm, roads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds := c.Dataset
	ds.Units = slices.Clone(c.Dataset.Units)
	u := slices.IndexFunc(ds.Units, func(x data.Unit) bool { return x.Pupils[data.Primary] > 0 })
	ds.Units[u].Loc[0] += 0.5 // ~50 km east, off the network
	p, check, err := PrepareWalking(ctx, &ds, nil, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(check.Units) == 0 || check.Units[0].Unit != u {
		t.Fatalf("check %+v does not report unit %d", check.Units, u)
	}
	plan, err := p.Solve(ctx, allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for st := range data.NumStages {
		sp := plan.Stages[st]
		if ds.Units[u].Pupils[st] == 0 {
			continue
		}
		if sp.Zone[u] >= 0 {
			t.Errorf("%s: unreachable unit zoned to school %s at %.0f m", data.Stage(st), ds.Schools[sp.Zone[u]].ID, sp.ZoneMeters[u])
		}
		placed := 0
		for _, pl := range sp.Placements {
			if int(pl.Unit) != u {
				continue
			}
			placed += int(pl.Pupils)
			if pl.School >= 0 {
				t.Errorf("%s: unreachable unit's pupils placed at school %s (%.0f m)", data.Stage(st), ds.Schools[pl.School].ID, pl.Meters)
			}
		}
		if placed != ds.Units[u].Pupils[st] {
			t.Errorf("%s: %d of the unit's %d pupils in placements", data.Stage(st), placed, ds.Units[u].Pupils[st])
		}
	}
}
