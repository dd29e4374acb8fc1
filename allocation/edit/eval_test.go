package edit

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/demo"
	"catchment/geo/cells"
)

// fixture is a small demo city with its cell adjacency, shared by tests.
type fixture struct {
	ds  *data.Dataset
	adj [][]int32
	pol allocation.Policy
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

func smallCity(t testing.TB) fixture {
	t.Helper()
	fixOnce.Do(func() {
		city, err := demo.Generate(demo.Config{Pupils: 12000, Seed: 3, NoStreets: true})
		if err != nil {
			fixErr = err
			return
		}
		tess, err := cells.Build(city.Dataset.Units, city.Dataset.Planar, city.Boundary, cells.Options{})
		if err != nil {
			fixErr = err
			return
		}
		fix = fixture{ds: &city.Dataset, adj: tess.Adjacency(), pol: allocation.DefaultPolicy()}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

// zoneable lists the schools that may zone stage st.
func zoneable(ds *data.Dataset, st data.Stage) []int32 {
	var out []int32
	for i := range ds.Schools {
		if ds.Schools[i].Zoneable(st) {
			out = append(out, int32(i))
		}
	}
	return out
}

// checkAgainstFull compares the evaluator's indicators with the report of
// allocation.FromZones on the same zones and with a fresh evaluator.
func checkAgainstFull(t *testing.T, f fixture, e *Evaluator, step int) {
	t.Helper()
	zones := e.Zones()
	plan, err := allocation.FromZones(context.Background(), f.ds, f.pol, nil, f.adj, zones)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := NewEvaluator(f.ds, f.pol, nil, f.adj, zones)
	if err != nil {
		t.Fatal(err)
	}
	got, want := e.Snapshot(), fresh.Snapshot()
	for st := range data.NumStages {
		g, w := got.Stages[st], want.Stages[st]
		if math.Abs(g.ZoneDistanceMeters-w.ZoneDistanceMeters) > 1e-6*math.Max(1, w.ZoneDistanceMeters) {
			t.Fatalf("step %d %s: zone distance %v, fresh %v", step, g.Stage, g.ZoneDistanceMeters, w.ZoneDistanceMeters)
		}
		g.ZoneDistanceMeters, g.MeanZoneDistanceMeters = w.ZoneDistanceMeters, w.MeanZoneDistanceMeters
		if !equalStage(g, w) {
			t.Fatalf("step %d %s: incremental %+v\nfresh %+v", step, g.Stage, g, w)
		}
		r := plan.Report.Stages[g.Stage]
		type pair struct {
			name      string
			got, want any
		}
		for _, p := range []pair{
			{"pupils", g.Pupils, r.Pupils}, {"placed_in_zone", g.PlacedInZone, r.PlacedInZone},
			{"displaced", g.Displaced, r.OverflowCount + r.Unplaced}, {"near_zone_ratio", g.NearZoneRatio, r.NearZoneRatio},
			{"near_zone_ratio_all", g.NearZoneRatioAll, r.NearZoneRatioAll}, {"near_zone_met", g.NearZoneMet, r.NearZoneMet},
			{"schools_over_capacity", g.SchoolsOverCapacity, r.SchoolsOverCapacity},
			{"pupils_over_capacity", g.PupilsOverCapacity, r.PupilsOverCapacity},
			{"zones_noncontiguous", g.ZonesNoncontiguous, r.ZonesNoncontiguous},
			{"reassigned_units", g.ReassignedUnits, r.ReassignedUnits}, {"reassigned_pupils", g.ReassignedPupils, r.ReassignedPupils},
			{"overflow_by_tier", len(g.OverflowByTier), len(r.OverflowByTier)},
		} {
			if p.got != p.want {
				t.Fatalf("step %d %s %s: incremental %v, full %v", step, g.Stage, p.name, p.got, p.want)
			}
		}
		for k, v := range r.OverflowByTier {
			if g.OverflowByTier[k] != v {
				t.Fatalf("step %d %s tier %s: incremental %d, full %d", step, g.Stage, k, g.OverflowByTier[k], v)
			}
		}
		var zd float64
		var zp int
		for u, s := range plan.Stages[st].Zone {
			if s >= 0 {
				zd += float64(f.ds.Units[u].Pupils[st]) * plan.Stages[st].ZoneMeters[u]
				zp += f.ds.Units[u].Pupils[st]
			}
		}
		if math.Abs(got.Stages[st].ZoneDistanceMeters-zd) > 1e-6*math.Max(1, zd) {
			t.Fatalf("step %d %s: zone distance %v, full %v", step, g.Stage, got.Stages[st].ZoneDistanceMeters, zd)
		}
	}
	si := f.ds.SchoolIndex()
	for _, row := range plan.Report.Schools {
		st, _ := data.ParseStage(row.Stage)
		g := e.School(st, int32(si[row.SchoolID]))
		if g.ZonePupils != row.ZonePupils || g.Units != row.Units || g.Overflowed != row.Overflowed || g.Contiguous != row.Contiguous {
			t.Fatalf("step %d school %s %s: incremental %+v, full %+v", step, row.SchoolID, row.Stage, g, row)
		}
	}
	for st := range data.NumStages {
		in := make([]int, len(f.ds.Schools))
		for _, pl := range plan.Stages[st].Placements {
			if pl.Kind == allocation.InZone {
				in[pl.School] += int(pl.Pupils)
			}
		}
		for sc := range f.ds.Schools {
			if g := e.School(data.Stage(st), int32(sc)).InZone; g != in[sc] {
				t.Fatalf("step %d school %s: in zone %d, full %d", step, f.ds.Schools[sc].ID, g, in[sc])
			}
		}
	}
}

func equalStage(a, b StageIndicators) bool {
	ta, tb := a.OverflowByTier, b.OverflowByTier
	if !reflect.DeepEqual(ta, tb) && (len(ta) != 0 || len(tb) != 0) {
		return false
	}
	a.OverflowByTier, b.OverflowByTier = nil, nil
	if !reflect.DeepEqual(a, b) {
		return false
	}
	for k, v := range ta {
		if tb[k] != v {
			return false
		}
	}
	return true
}

// TestIncrementalEqualsFull applies random edit sequences (single moves,
// lassos of neighbours, moves into over-full zones, unzoning) and checks
// after every edit that the incremental indicators equal a full recompute.
func TestIncrementalEqualsFull(t *testing.T) {
	f := smallCity(t)
	for _, seed := range []uint64{1, 2, 3} {
		rng := rand.New(rand.NewPCG(seed, 99))
		e, err := NewEvaluator(f.ds, f.pol, nil, f.adj, allocation.CurrentZones(f.ds))
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstFull(t, f, e, 0)
		steps := 12
		if testing.Short() {
			steps = 4
		}
		for step := 1; step <= steps; step++ {
			st := data.Stage(rng.IntN(int(data.NumStages)))
			schools := zoneable(f.ds, st)
			target := schools[rng.IntN(len(schools))]
			u := int32(rng.IntN(len(f.ds.Units)))
			units := []int32{u}
			switch rng.IntN(4) {
			case 0: // lasso: the unit and its neighbours
				units = append(units, f.adj[u]...)
			case 1: // a neighbour's zone school, as a planner would
				if nb := f.adj[u]; len(nb) > 0 {
					if z := e.Zone(st, nb[rng.IntN(len(nb))]); z >= 0 {
						target = z
					}
				}
			case 2:
				if rng.IntN(3) == 0 {
					target = -1
				}
			}
			if _, err := e.Move(st, units, target); err != nil {
				t.Fatal(err)
			}
			checkAgainstFull(t, f, e, step)
		}
	}
}
