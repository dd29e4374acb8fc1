package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/api"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

// tinyCity is a 4×4 grid of point units (100 m apart around 117.0 E,
// 35.0 N) with two primary and one junior school, and today's zoning.
func tinyCity() *data.Dataset {
	ds := &data.Dataset{}
	ds.Schools = []data.School{
		{ID: "P1", Name: "西小学", Loc: orb.Point{117.0000, 35.0010}, Seats: [2]int{90, 0}},
		{ID: "P2", Name: "东小学", Loc: orb.Point{117.0035, 35.0010}, Seats: [2]int{90, 0}},
		{ID: "J1", Name: "中学", Loc: orb.Point{117.0015, 35.0015}, Seats: [2]int{0, 200}},
	}
	for i := range 4 {
		for j := range 4 {
			id := fmt.Sprintf("U%d%d", i, j)
			ds.Units = append(ds.Units, data.Unit{ID: id, Name: "小区" + id,
				Loc: orb.Point{117.0 + float64(i)*0.0011, 35.0 + float64(j)*0.0009}, Pupils: [2]int{10, 6}, Migrants: [2]int{1, 0}})
			school := "P1"
			if i >= 2 {
				school = "P2"
			}
			ds.Current = append(ds.Current, data.CurrentZone{UnitID: id, Stage: data.Primary, SchoolID: school})
		}
	}
	return ds
}

func newEngine(t *testing.T) (*Engine, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := New(st, nil)
	if err := e.Import(context.Background(), "tiny", tinyCity(), nil, "test"); err != nil {
		t.Fatal(err)
	}
	return e, st
}

// TestPlanRecordRoundTrip: a solved plan stored and rebuilt from its rows
// has the same zones, placements and assignments.
func TestPlanRecordRoundTrip(t *testing.T) {
	e, st := newEngine(t)
	ctx := context.Background()
	snap, err := e.Solve(ctx, "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.Plan(ctx, snap.Plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.geom(ctx, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	p, prep, err := e.planOf(ctx, g, rec)
	if err != nil {
		t.Fatal(err)
	}
	if prep != g.straight || p.Metric != "geodesic" || snap.Plan.Metric != "geodesic" {
		t.Errorf("a scenario without roads: prepared %p (straight %p), plan metric %q, snapshot metric %q", prep, g.straight, p.Metric, snap.Plan.Metric)
	}
	rec2, err := planRecord(p, "tiny", allocation.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Zones, rec2.Zones) || !reflect.DeepEqual(rec.Placements, rec2.Placements) {
		t.Fatalf("rows differ after a round trip:\n%+v\n%+v", rec.Placements, rec2.Placements)
	}
	if !strings.Contains(string(rec.Meta), `"comparison"`) {
		t.Errorf("the comparison with today's zoning is not stored with the plan: %s", rec.Meta)
	}
	if len(rec.Zones) != 32 { // 16 units × 2 stages, all with pupils
		t.Fatalf("zones %d", len(rec.Zones))
	}
}

func TestLocatorCRS(t *testing.T) {
	e, _ := newEngine(t)
	snap, err := e.Solve(context.Background(), "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := orb.Point{117.0012, 35.0008}
	gcj := geo.WGS84ToGCJ02(in)
	bd := geo.WGS84ToBD09(in)
	for _, tc := range []struct {
		crs     string
		p       orb.Point
		inside  bool
		invalid bool
	}{
		{"", in, true, false},
		{"wgs84", in, true, false},
		{"gcj02", gcj, true, false},
		{"bd09", bd, true, false},
		{"cgcs2000", in, true, false},
		{"", orb.Point{118, 36}, false, false},
		{"xy", in, false, true},
		{"mars", in, false, true},
		{"", orb.Point{200, 35}, false, true},
		{"", orb.Point{117, -95}, false, true},
	} {
		var a api.Answer
		err := snap.Locator.Lookup(tc.crs, tc.p[0], tc.p[1], &a)
		if tc.invalid {
			if !errors.Is(err, api.ErrInvalid) {
				t.Errorf("%s %v: error %v, want ErrInvalid", tc.crs, tc.p, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %v: %v", tc.crs, tc.p, err)
			continue
		}
		if a.Inside != tc.inside {
			t.Errorf("%s %v: inside %v", tc.crs, tc.p, a.Inside)
		}
		if tc.inside && (a.UnitID != "U11" || len(a.Stages) != 2) {
			t.Errorf("%s %v: unit %s stages %d (converted to %v, %v)", tc.crs, tc.p, a.UnitID, len(a.Stages), a.Lon, a.Lat)
		}
		if !tc.inside && len(a.Nearest) == 0 {
			t.Errorf("%s %v: outside answer lists no schools", tc.crs, tc.p)
		}
	}
}

// TestCurrentFollowsSolvesAndPublish checks the published-plan rule.
func TestCurrentFollowsSolvesAndPublish(t *testing.T) {
	e, _ := newEngine(t)
	ctx := context.Background()
	if _, err := e.Current(ctx); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("no plan yet: %v", err)
	}
	s1, err := e.Solve(ctx, "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	s2, err := e.Solve(ctx, "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		publish int64
		want    int64
	}{
		{0, s2.Plan.ID},          // the newest plan
		{s1.Plan.ID, s1.Plan.ID}, // re-published older plan
	}
	for _, s := range steps {
		if s.publish != 0 {
			time.Sleep(2 * time.Millisecond)
			if err := e.Publish(ctx, s.publish); err != nil {
				t.Fatal(err)
			}
		}
		cur, err := e.Current(ctx)
		if err != nil || cur.Plan.ID != s.want {
			t.Fatalf("after publishing %d: current %v %v, want %d", s.publish, cur, err, s.want)
		}
	}
	time.Sleep(2 * time.Millisecond)
	s3, err := e.Solve(ctx, "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := e.Current(ctx); err != nil || cur.Plan.ID != s3.Plan.ID {
		t.Fatalf("a newer solve is current: %v %v", cur, err)
	}
	if err := e.Publish(ctx, 999); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("publish unknown plan: %v", err)
	}
	if _, err := e.Snapshot(ctx, 999); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("unknown snapshot: %v", err)
	}
	ps, err := e.Plans(ctx, "")
	if err != nil || len(ps) != 3 || ps[0].ID != s3.Plan.ID {
		t.Fatalf("plans %+v %v", ps, err)
	}
}

func TestSnapshotContents(t *testing.T) {
	e, _ := newEngine(t)
	snap, err := e.Solve(context.Background(), "tiny", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Zones[data.Primary] == nil || len(snap.Zones[data.Primary].Features) == 0 {
		t.Fatal("no primary zones")
	}
	if len(snap.Schools.Features) != 3 || len(snap.Units) != 16 {
		t.Fatalf("schools %d units %d", len(snap.Schools.Features), len(snap.Units))
	}
	if len(snap.Comparison) == 0 || snap.Changes == nil {
		t.Fatal("today's zoning given but no comparison")
	}
	if len(snap.Report) == 0 || len(snap.Publication) == 0 {
		t.Fatal("no report or publication")
	}
}

func TestPublicLoc(t *testing.T) {
	for _, tc := range []struct {
		u      data.Unit
		planar bool
		want   orb.Point
	}{
		{data.Unit{Loc: orb.Point{117.123456, 35.987654}}, false, orb.Point{117.123456, 35.987654}},
		{data.Unit{Loc: orb.Point{117.123456, 35.987654}, Households: 1}, false, orb.Point{117.123, 35.988}},
		{data.Unit{Loc: orb.Point{117.123456, 35.987654}, Households: 3, Geom: orb.Polygon{}}, false, orb.Point{117.123456, 35.987654}},
		{data.Unit{Loc: orb.Point{1234.5, 6789.1}, Households: 2}, true, orb.Point{1200, 6800}},
	} {
		if got := publicLoc(&tc.u, tc.planar); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.u, got, tc.want)
		}
	}
}
