package engine

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/allocation/pipeline"
	"catchment/api"
	"catchment/data"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/roads"
)

var (
	walkOnce  sync.Once
	walkCity  *demo.City
	walkGraph *roads.Graph
	walkErr   error
)

// walkingCity is the smallest demo city (2,000 pupils) with the walking
// graph of its streets (with its river, railway and bridges), built once
// per test binary. Tests must not modify them.
func walkingCity(t *testing.T) (*demo.City, *roads.Graph) {
	t.Helper()
	walkOnce.Do(func() {
		walkCity, walkErr = demo.Generate(demo.Config{Pupils: demo.MinPupils, Seed: 3})
		if walkErr != nil {
			return
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(walkCity.Streets.WriteOSM(pw)) }()
		walkGraph, walkErr = roads.Read(context.Background(), pr, roads.FormatXML, roads.Options{})
		pr.Close()
	})
	if walkErr != nil {
		t.Fatal(walkErr)
	}
	return walkCity, walkGraph
}

func walkingNetwork(t *testing.T, g *roads.Graph) *roads.Network {
	t.Helper()
	nw, err := roads.NewNetwork(g, roads.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return nw
}

func TestWalkingMetricName(t *testing.T) {
	_, g := walkingCity(t)
	if got := walkingNetwork(t, g).Name(); got != walkingMetric {
		t.Fatalf("roads.Network.Name() = %q, the engine expects %q", got, walkingMetric)
	}
}

// TestScenarioMetric: a scenario is zoned by walking distance when it has
// a stored road network or the engine a fallback one, else by straight
// line; look-ups then give walking distances (never shorter than the
// straight line), and the stored plan is rebuilt, by a new engine over the
// same database (a restart), with the metric it was solved with.
func TestScenarioMetric(t *testing.T) {
	city, g := walkingCity(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		stored   bool // the scenario is imported with its road network
		fallback bool // the engine has a fallback network (serve --roads)
		want     string
	}{
		{"stored road network", true, false, "walking"},
		{"serve --roads", false, true, "walking"},
		{"stored network wins over the fallback", true, true, "walking"},
		{"no road network", false, false, "geodesic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "w.db")
			st, err := store.Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			open := func() *Engine {
				e := New(st, nil)
				if tc.fallback {
					e.SetRoads(walkingNetwork(t, g), roads.Options{})
				}
				return e
			}
			e := open()
			var sg *roads.Graph
			if tc.stored {
				sg = g
			}
			if err := e.ImportWithRoads(ctx, "city", &city.Dataset, city.Boundary, sg, "test"); err != nil {
				t.Fatal(err)
			}
			snap, err := e.Solve(ctx, "city", allocation.DefaultPolicy(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Plan.Metric != tc.want {
				t.Fatalf("plan metric %q, want %q", snap.Plan.Metric, tc.want)
			}
			rec, err := st.Plan(ctx, snap.Plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m := recordedMetric(rec.Meta); m != tc.want {
				t.Errorf("stored metric %q, want %q", m, tc.want)
			}
			checkLookups(t, snap, &city.Dataset, tc.want == "walking")

			// Restart: a new engine rebuilds the stored plan with its
			// metric, with the very rows that were stored.
			e2 := open()
			cur, err := e2.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Plan.ID != snap.Plan.ID || cur.Plan.Metric != tc.want {
				t.Fatalf("after a restart: plan %d metric %q, want %d %q", cur.Plan.ID, cur.Plan.Metric, snap.Plan.ID, tc.want)
			}
			geom, err := e2.geom(ctx, "city")
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := e2.planOf(ctx, geom, rec)
			if err != nil {
				t.Fatal(err)
			}
			rec2, err := pipeline.Record(p, "city", "solver", "")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rec.Zones, rec2.Zones) || !samePlacements(rec.Placements, rec2.Placements) {
				t.Errorf("the plan rebuilt after a restart differs from the stored rows")
			}
			checkLookups(t, cur, &city.Dataset, tc.want == "walking")

			// A planner's edit revision is evaluated with its lineage's
			// metric (edit revisions record none of their own).
			s, err := e2.EditSession(ctx, "city")
			if err != nil {
				t.Fatal(err)
			}
			if es := e2.edits["city"]; es.metric != tc.want {
				t.Errorf("edit session metric %q, want %q", es.metric, tc.want)
			}
			u, to := movableUnit(t, p)
			head, _ := s.Head()
			res, err := s.Move(ctx, edit.Edit{Base: head, Author: "planner"}, data.Primary, []string{u}, to)
			if err != nil {
				t.Fatal(err)
			}
			draft, err := e2.Snapshot(ctx, res.PlanID)
			if err != nil {
				t.Fatal(err)
			}
			if draft.Plan.Metric != tc.want {
				t.Errorf("edit revision metric %q, want %q", draft.Plan.Metric, tc.want)
			}
			checkLookups(t, draft, &city.Dataset, tc.want == "walking")
		})
	}
}

// samePlacements reports whether a and b are equal but for rounding in
// the last bits of distances (the solver's one-to-many searches and the
// rebuild's pair searches add the same edges in another order).
func samePlacements(a, b []store.PlacementRow) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.Abs(x.Meters-y.Meters) > 1e-9*math.Max(1, x.Meters) {
			return false
		}
		x.Meters, y.Meters = 0, 0
		if x != y {
			return false
		}
	}
	return true
}

// movableUnit returns a unit with primary pupils and another primary
// school than its zone's.
func movableUnit(t *testing.T, p *allocation.Plan) (unit, school string) {
	t.Helper()
	ds := p.Dataset
	for u, z := range p.Stages[data.Primary].Zone {
		if z < 0 || ds.Units[u].Pupils[data.Primary] == 0 {
			continue
		}
		for s := range ds.Schools {
			if int32(s) != z && ds.Schools[s].Zoneable(data.Primary) {
				return ds.Units[u].ID, ds.Schools[s].ID
			}
		}
	}
	t.Fatal("no unit to move")
	return "", ""
}

// checkLookups looks up every unit's location: the distance to its zone
// school is never shorter than the straight line, and with walking it is
// longer for most units (streets are not straight lines).
func checkLookups(t *testing.T, snap *api.Snapshot, ds *data.Dataset, walking bool) {
	t.Helper()
	straight := geo.StraightLine(ds.Planar)
	si := ds.SchoolIndex()
	n, longer := 0, 0
	for u := range ds.Units {
		un := &ds.Units[u]
		if un.Pupils[data.Primary] == 0 {
			continue
		}
		var a api.Answer
		if err := snap.Locator.Lookup("", un.Loc[0], un.Loc[1], &a); err != nil {
			t.Fatal(err)
		}
		if !a.Inside || a.UnitID != un.ID {
			continue // a point unit's location may fall in a neighbour's cell
		}
		for _, s := range a.Stages {
			if s.Stage != data.Primary.String() || s.SchoolID == "" {
				continue
			}
			line := straight.Meters(un.Loc, ds.Schools[si[s.SchoolID]].Loc)
			if s.Meters < line*(1-1e-9)-1e-6 {
				t.Fatalf("unit %s: %.1f m to %s, shorter than the straight line %.1f m", un.ID, s.Meters, s.SchoolID, line)
			}
			if !walking && math.Abs(s.Meters-line) > 1e-6*line+1e-6 {
				t.Fatalf("unit %s: straight-line plan says %.1f m, the straight line is %.1f m", un.ID, s.Meters, line)
			}
			n++
			if s.Meters > line*1.01 {
				longer++
			}
		}
	}
	if n == 0 {
		t.Fatal("no unit looked up")
	}
	if walking && longer < n/2 {
		t.Errorf("walking plan: only %d of %d look-ups are longer than the straight line", longer, n)
	}
}

// TestWalkingPlanWithoutRoads: a plan solved by walking distance whose
// scenario has no road network when it is loaded (the server restarted
// without --roads) is not re-evaluated by straight line: loading it fails,
// saying how to fix it, and a new solve zones by straight line.
func TestWalkingPlanWithoutRoads(t *testing.T) {
	city, g := walkingCity(t)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := New(st, nil)
	e.SetRoads(walkingNetwork(t, g), roads.Options{})
	if err := e.Import(ctx, "city", &city.Dataset, city.Boundary, ""); err != nil {
		t.Fatal(err)
	}
	walked, err := e.Solve(ctx, "city", allocation.DefaultPolicy(), nil)
	if err != nil || walked.Plan.Metric != "walking" {
		t.Fatalf("solve with the fallback network: %v %v", walked, err)
	}

	e2 := New(st, nil) // restarted without --roads
	_, err = e2.Current(ctx)
	if !errors.Is(err, ErrNoRoads) || !errors.Is(err, api.ErrConflict) || !strings.Contains(err.Error(), "--roads") {
		t.Fatalf("loading a walking plan without roads: %v, want ErrNoRoads and api.ErrConflict naming --roads", err)
	}
	if _, err := e2.EditSession(ctx, "city"); !errors.Is(err, ErrNoRoads) {
		t.Fatalf("editing a walking plan without roads: %v, want ErrNoRoads", err)
	}
	straight, err := e2.Solve(ctx, "city", allocation.DefaultPolicy(), nil)
	if err != nil || straight.Plan.Metric != "geodesic" {
		t.Fatalf("solve without roads: %v %v", straight, err)
	}
	cur, err := e2.Current(ctx)
	if err != nil || cur.Plan.ID != straight.Plan.ID {
		t.Fatalf("current after the straight-line solve: %v %v", cur, err)
	}
	// The walking engine still serves the older walking plan as walking,
	// and the straight-line one as straight-line.
	if s, err := e.Snapshot(ctx, walked.Plan.ID); err != nil || s.Plan.Metric != "walking" {
		t.Fatalf("walking plan with roads: %v %v", s, err)
	}
	if s, err := e.Snapshot(ctx, straight.Plan.ID); err != nil || s.Plan.Metric != "geodesic" {
		t.Fatalf("straight-line plan on an engine with roads: %v %v", s, err)
	}
}

func TestImportWithRoadsRejectsPlanar(t *testing.T) {
	_, g := walkingCity(t)
	e, _ := newEngine(t)
	ds := tinyCity()
	ds.Planar = true
	if err := e.ImportWithRoads(context.Background(), "flat", ds, nil, g, ""); !errors.Is(err, api.ErrInvalid) {
		t.Fatalf("planar data with a road network: %v, want api.ErrInvalid", err)
	}
}
