package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"catchment/allocation"
	"catchment/api"
)

// fakeEngine is an in-memory Engine for testing the HTTP layer on a tiny
// hand-made city: a 2×2 grid of square units, one primary and one junior
// school. Solving "zones" every unit to the nearest school of each stage
// with no capacities — enough to exercise the service, not a solver.
type fakeEngine struct {
	mu        sync.Mutex
	scenarios map[string]api.ScenarioInfo
	uploads   map[string]map[string]string // scenario → role → file content
	plans     map[int64]*api.Snapshot
	nextID    int64
	published int64
	// solveDelay makes Solve wait (to test cancellation); block gates it.
	solveDelay time.Duration
	pingErr    error
}

func newFakeEngine() *fakeEngine {
	f := &fakeEngine{
		scenarios: map[string]api.ScenarioInfo{},
		uploads:   map[string]map[string]string{},
		plans:     map[int64]*api.Snapshot{},
	}
	f.scenarios["demo"] = api.ScenarioInfo{Name: "demo", CRS: "wgs84", Schools: 2, Units: 4, Created: time.Unix(0, 0).UTC()}
	return f
}

func (f *fakeEngine) Ping(context.Context) error { return f.pingErr }

func (f *fakeEngine) Scenarios(context.Context) ([]api.ScenarioInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.ScenarioInfo
	for _, s := range f.scenarios {
		out = append(out, s)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}

func (f *fakeEngine) CreateScenario(_ context.Context, name string, files api.UploadFiles, crs string) (api.ScenarioInfo, error) {
	got := map[string]string{}
	for role, p := range map[string]string{"schools": files.Schools, "units": files.Units, "households": files.Households, "current": files.Current, "candidates": files.Candidates, "boundary": files.Boundary} {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return api.ScenarioInfo{}, err
		}
		got[role] = string(b)
	}
	if strings.Contains(got["schools"], "bad") {
		return api.ScenarioInfo{}, fmt.Errorf("%w: schools.csv:2: column lon: invalid number \"bad\"", api.ErrInvalid)
	}
	info := api.ScenarioInfo{Name: name, CRS: crs, Created: time.Now().UTC()}
	f.mu.Lock()
	f.scenarios[name] = info
	f.uploads[name] = got
	f.mu.Unlock()
	return info, nil
}

func (f *fakeEngine) DeleteScenario(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.scenarios[name]; !ok {
		return fmt.Errorf("scenario %q: %w", name, api.ErrNotFound)
	}
	delete(f.scenarios, name)
	return nil
}

func (f *fakeEngine) Solve(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (*api.Snapshot, error) {
	if progress != nil {
		progress(api.Progress{Stage: "primary", Step: "zoning", Fraction: 0.5})
	}
	if f.solveDelay > 0 {
		select {
		case <-time.After(f.solveDelay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.scenarios[scenario]; !ok {
		return nil, fmt.Errorf("scenario %q: %w", scenario, api.ErrNotFound)
	}
	f.nextID++
	s := fakeSnapshot(f.nextID, scenario)
	f.plans[f.nextID] = s
	return s, nil
}

func (f *fakeEngine) Plans(_ context.Context, scenario string) ([]api.PlanInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.PlanInfo
	for _, p := range f.plans {
		if scenario == "" || p.Plan.Scenario == scenario {
			out = append(out, p.Plan)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID > out[b].ID })
	return out, nil
}

func (f *fakeEngine) Snapshot(_ context.Context, id int64) (*api.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.plans[id]
	if !ok {
		return nil, fmt.Errorf("plan %d: %w", id, api.ErrNotFound)
	}
	return s, nil
}

func (f *fakeEngine) Publish(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.plans[id]; !ok {
		return fmt.Errorf("plan %d: %w", id, api.ErrNotFound)
	}
	f.published = id
	return nil
}

func (f *fakeEngine) Current(context.Context) (*api.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.plans[f.published]; ok {
		return s, nil
	}
	return nil, api.ErrNotFound
}

// The tiny city: units are 0.01° squares with corners at 117.00–117.02 E,
// 35.00–35.02 N; school P1 (primary) at the west, J1 (junior) at the east.
var (
	fakeSchools = []struct {
		id, name, stage string
		loc             orb.Point
		seats           int
	}{
		{"P1", "第一小学", "primary", orb.Point{117.005, 35.01}, 500},
		{"J1", "第一中学", "junior", orb.Point{117.015, 35.01}, 400},
	}
	fakeUnits = []struct {
		id, name string
		sq       orb.Polygon
	}{
		{"U1", "阳光小区", square(117.00, 35.00)},
		{"U2", "幸福花园", square(117.01, 35.00)},
		{"U3", "阳光新村", square(117.00, 35.01)},
		{"U4", "Riverside <&> \"Court\"", square(117.01, 35.01)},
	}
)

func square(x, y float64) orb.Polygon {
	return orb.Polygon{{{x, y}, {x + 0.01, y}, {x + 0.01, y + 0.01}, {x, y + 0.01}, {x, y}}}
}

// fakeSnapshot builds a plan whose identity shows in every answer: school
// names carry the plan id, so a test can catch a half-swapped plan.
func fakeSnapshot(id int64, scenario string) *api.Snapshot {
	s := &api.Snapshot{
		Plan:   api.PlanInfo{ID: id, Scenario: scenario, Revision: 1, Created: time.Unix(1700000000, 0).UTC(), Metric: "geodesic"},
		Report: json.RawMessage(fmt.Sprintf(`{"stages":{"primary":{"pupils":40,"near_zone_ratio":1,"near_zone_target":1,"near_zone_met":true}},"plan":%d}`, id)),
	}
	s.Publication = json.RawMessage(`[{"school_id":"P1","stage":"primary","units":["阳光小区","幸福花园","阳光新村","Riverside"]}]`)
	s.Comparison = json.RawMessage(`{"stages":{"primary":{"units_changed":1,"pupils_changed":10}}}`)
	for st, sc := range fakeSchools {
		fc := geojson.NewFeatureCollection()
		mp := orb.MultiPolygon{}
		for _, u := range fakeUnits {
			mp = append(mp, u.sq)
		}
		f := geojson.NewFeature(mp)
		f.Properties = geojson.Properties{"school_id": sc.id, "school_name": fmt.Sprintf("%s (plan %d)", sc.name, id), "stage": sc.stage, "pupils": 40, "seats": sc.seats, "utilization": 40.0 / float64(sc.seats), "units": 4}
		fc.Append(f)
		s.Zones[st] = fc
	}
	s.Schools = geojson.NewFeatureCollection()
	for _, sc := range fakeSchools {
		f := geojson.NewFeature(sc.loc)
		f.Properties = geojson.Properties{"id": sc.id, "name": sc.name, sc.stage + "_seats": sc.seats}
		s.Schools.Append(f)
	}
	s.Changes = geojson.NewFeatureCollection()
	cf := geojson.NewFeature(fakeUnits[1].sq)
	cf.Properties = geojson.Properties{"unit_id": "U2", "stage": "primary", "from": "P0", "to": "P1", "pupils": 10}
	s.Changes.Append(cf)
	for _, u := range fakeUnits {
		s.Units = append(s.Units, api.UnitRef{ID: u.id, Name: u.name, Loc: u.sq.Bound().Center()})
	}
	s.WriteAssignments = func(w io.Writer) error {
		_, err := io.WriteString(w, "unit_id,stage,school_id,pupils,migrants,distance_m,placement\nU1,primary,P1,10,0,500.0,zone\n")
		return err
	}
	s.Locator = fakeLocator{id: id}
	return s
}

type fakeLocator struct{ id int64 }

func (l fakeLocator) Lookup(crs string, x, y float64, dst *api.Answer) error {
	switch crs {
	case "", "wgs84":
	default:
		return fmt.Errorf("%w: unknown crs %q", api.ErrInvalid, crs)
	}
	p := orb.Point{x, y}
	dst.Lon, dst.Lat = x, y
	for _, u := range fakeUnits {
		if planar.PolygonContains(u.sq, p) {
			dst.Inside, dst.UnitID, dst.UnitName = true, u.id, u.name
			for _, sc := range fakeSchools {
				dst.Stages = append(dst.Stages, api.StageAnswer{
					Stage: sc.stage, SchoolID: sc.id, SchoolName: fmt.Sprintf("%s (plan %d)", sc.name, l.id),
					Meters: 123.456, Placement: "zone", Explanation: "the unit is in this school's zone",
				})
			}
			return nil
		}
	}
	for _, sc := range fakeSchools {
		dst.Nearest = append(dst.Nearest, api.NearSchool{SchoolID: sc.id, Name: sc.name, Stage: sc.stage, Meters: 9999})
	}
	return nil
}
