package edit

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo/cells"
)

var (
	bigOnce sync.Once
	big     fixture
	bigErr  error
)

// bigCity is the default 1,000,000-pupil demo city with its adjacency.
func bigCity(b *testing.B) fixture {
	b.Helper()
	bigOnce.Do(func() {
		city, err := demo.Generate(demo.Config{NoStreets: true})
		if err != nil {
			bigErr = err
			return
		}
		tess, err := cells.Build(city.Dataset.Units, city.Dataset.Planar, city.Boundary, cells.Options{})
		if err != nil {
			bigErr = err
			return
		}
		big = fixture{ds: &city.Dataset, adj: tess.Adjacency(), pol: allocation.DefaultPolicy()}
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return big
}

// borderMoves lists single-unit moves to a neighbouring zone, spread over
// the city, on today's zoning.
func borderMoves(f fixture, zones [data.NumStages][]int32, n int) [][2]int32 {
	var out [][2]int32
	st := data.Primary
	step := max(1, len(f.ds.Units)/(4*n))
	for u := 0; u < len(f.ds.Units) && len(out) < n; u += step {
		if f.ds.Units[u].Pupils[st] == 0 || zones[st][u] < 0 {
			continue
		}
		for _, w := range f.adj[u] {
			if z := zones[st][w]; z >= 0 && z != zones[st][u] && f.ds.Schools[z].Zoneable(st) {
				out = append(out, [2]int32{int32(u), z})
				break
			}
		}
	}
	return out
}

// BenchmarkIncrementalMove measures the server's feedback work for a
// single-unit move on the 1,000,000-pupil demo city: the move, the stage
// indicators (Snapshot), the touched schools' rows and the warnings. Each
// iteration moves a unit to a neighbouring zone and the next one moves it
// back, so the zoning stays today's.
func BenchmarkIncrementalMove(b *testing.B) {
	f := bigCity(b)
	zones := allocation.CurrentZones(f.ds)
	e, err := NewEvaluator(f.ds, f.pol, nil, f.adj, zones)
	if err != nil {
		b.Fatal(err)
	}
	moves := borderMoves(f, zones, 256)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		mv := moves[(i/2)%len(moves)]
		to := mv[1]
		if i%2 == 1 {
			to = zones[data.Primary][mv[0]]
		}
		ts, err := e.Move(data.Primary, []int32{mv[0]}, to)
		if err != nil {
			b.Fatal(err)
		}
		_ = e.Snapshot()
		for _, sc := range ts {
			_ = e.School(data.Primary, sc)
		}
		if _, err := e.Warnings(ctx, data.Primary, ts, []int32{mv[0]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullEvaluation is the non-incremental alternative for the same
// feedback: a fresh evaluator over the whole city (allocation.FromZones
// is slower still: it also re-solves the stage-wide overflow placement).
func BenchmarkFullEvaluation(b *testing.B) {
	f := bigCity(b)
	zones := allocation.CurrentZones(f.ds)
	b.ResetTimer()
	for b.Loop() {
		e, err := NewEvaluator(f.ds, f.pol, nil, f.adj, zones)
		if err != nil {
			b.Fatal(err)
		}
		_ = e.Snapshot()
	}
}

// bigSession stores the 1,000,000-pupil city with today's zoning as
// revision 1 and opens a session on it.
func bigSession(b *testing.B) (*Session, fixture, [data.NumStages][]int32) {
	f := bigCity(b)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "catchment.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.ImportScenario(ctx, scenario, f.ds, store.ScenarioInfo{}); err != nil {
		b.Fatal(err)
	}
	zones := allocation.CurrentZones(f.ds)
	rec := &store.PlanRecord{Scenario: scenario, Author: "solver"}
	for s := range data.NumStages {
		for u, sc := range zones[s] {
			if sc >= 0 {
				rec.Zones = append(rec.Zones, store.ZoneRow{UnitID: f.ds.Units[u].ID, Stage: data.Stage(s), SchoolID: f.ds.Schools[sc].ID})
			}
		}
	}
	if _, err := st.SavePlan(ctx, rec); err != nil {
		b.Fatal(err)
	}
	s, err := Open(ctx, st, scenario, f.ds, f.pol, nil, f.adj)
	if err != nil {
		b.Fatal(err)
	}
	return s, f, zones
}

// BenchmarkSessionMove measures a whole stored edit on the 1,000,000-pupil
// city: the incremental feedback plus writing the new revision (every
// unit's zone row of both stages) to SQLite.
func BenchmarkSessionMove(b *testing.B) {
	s, f, zones := bigSession(b)
	ctx := context.Background()
	moves := borderMoves(f, zones, 64)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		mv := moves[(i/2)%len(moves)]
		to := mv[1]
		if i%2 == 1 {
			to = zones[data.Primary][mv[0]]
		}
		head, _ := s.Head()
		if _, err := s.Move(ctx, Edit{Base: head, Author: "bench"}, data.Primary,
			[]string{f.ds.Units[mv[0]].ID}, f.ds.Schools[to].ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionPreview measures the unsaved feedback of a single-unit
// move through the session (move, indicators, rows, warnings, roll back)
// on the 1,000,000-pupil city: what drag feedback on the map costs.
func BenchmarkSessionPreview(b *testing.B) {
	s, f, zones := bigSession(b)
	ctx := context.Background()
	moves := borderMoves(f, zones, 256)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		mv := moves[i%len(moves)]
		if _, err := s.Preview(ctx, data.Primary, []string{f.ds.Units[mv[0]].ID}, f.ds.Schools[mv[1]].ID); err != nil {
			b.Fatal(err)
		}
	}
}
