package edit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestIndicatorsGolden pins the JSON of the indicators after a fixed edit
// sequence on the small city (run with -update to rewrite).
func TestIndicatorsGolden(t *testing.T) {
	f := smallCity(t)
	e, err := NewEvaluator(f.ds, f.pol, nil, f.adj, allocation.CurrentZones(f.ds))
	if err != nil {
		t.Fatal(err)
	}
	schools := zoneable(f.ds, data.Primary)
	for i := range 5 {
		u := int32(i * len(f.ds.Units) / 5)
		if _, err := e.Move(data.Primary, append([]int32{u}, f.adj[u]...), schools[i%len(schools)]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := json.MarshalIndent(e.Snapshot(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "indicators.golden.json")
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
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("indicators differ from %s (run with -update if intended):\n%s", path, got)
	}
}

func TestEditErrors(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	u, to := neighbourMove(t, s, f, data.Primary, 0)
	private := ""
	for i := range f.ds.Schools {
		if !f.ds.Schools[i].Zoneable(data.Primary) {
			private = f.ds.Schools[i].ID
			break
		}
	}
	tests := []struct {
		name   string
		do     func() error
		want   error
		status int // the HTTP status the API maps it to
	}{
		{"stale", func() error { _, err := s.Move(ctx, ed(7), data.Primary, []string{u}, to); return err }, ErrStale, 409},
		{"unknown unit", func() error { _, err := s.Move(ctx, ed(1), data.Primary, []string{"nope"}, to); return err }, ErrNotFound, 404},
		{"unknown school", func() error { _, err := s.Move(ctx, ed(1), data.Primary, []string{u}, "nope"); return err }, ErrNotFound, 404},
		{"no units", func() error { _, err := s.Move(ctx, ed(1), data.Primary, nil, to); return err }, ErrInvalid, 422},
		{"bad stage", func() error { _, err := s.Move(ctx, ed(1), data.Stage(7), []string{u}, to); return err }, ErrInvalid, 422},
		{"not zoneable", func() error {
			if private == "" {
				return ErrInvalid
			}
			_, err := s.Move(ctx, ed(1), data.Primary, []string{u}, private)
			return err
		}, ErrInvalid, 422},
		{"unpin free unit", func() error { _, err := s.Unpin(ctx, ed(1), data.Primary, u); return err }, ErrInvalid, 422},
		{"unlock unlocked", func() error { _, err := s.Unlock(ctx, ed(1), data.Primary, to); return err }, ErrInvalid, 422},
		{"undo at start", func() error { _, err := s.Undo(ctx, ed(1)); return err }, ErrNothing, 422},
		{"redo at start", func() error { _, err := s.Redo(ctx, ed(1)); return err }, ErrNothing, 422},
		{"already there", func() error {
			z, _ := s.Zones(ctx, 0)
			_, err := s.Move(ctx, ed(1), data.Primary, []string{u}, f.ds.Schools[z[data.Primary][s.ui[u]]].ID)
			return err
		}, ErrNothing, 422},
		{"restore unknown", func() error { _, err := s.Restore(ctx, ed(1), 99); return err }, ErrNotFound, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if rev, _ := s.Head(); rev != 1 {
				t.Fatalf("a refused edit made revision %d", rev)
			}
		})
	}
	_ = store.ErrNotFound
}

func TestPreview(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	u, to := neighbourMove(t, s, f, data.Primary, 1)
	_, before := s.Head()
	p, err := s.Preview(ctx, data.Primary, []string{u}, to)
	if err != nil {
		t.Fatal(err)
	}
	rev, after := s.Head()
	if rev != 1 || !reflect.DeepEqual(before, after) {
		t.Fatal("preview changed the session")
	}
	r, err := s.Move(ctx, ed(1), data.Primary, []string{u}, to)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Indicators, r.Indicators) || !reflect.DeepEqual(p.Schools, r.Schools) || !reflect.DeepEqual(p.Warnings, r.Warnings) {
		t.Fatal("preview and move disagree")
	}
}

// TestFarMoveWarning moves a unit to the farthest zoneable school.
func TestFarMoveWarning(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	st := data.Primary
	var u int
	for u = range f.ds.Units {
		if f.ds.Units[u].Pupils[st] > 0 {
			break
		}
	}
	far, farD := -1, 0.0
	for i := range f.ds.Schools {
		if f.ds.Schools[i].Zoneable(st) {
			if d := s.metric.Meters(f.ds.Units[u].Loc, f.ds.Schools[i].Loc); d > farD {
				far, farD = i, d
			}
		}
	}
	if farD < f.pol.Solver.FarMoveMeters {
		t.Skip("small city has no school far enough")
	}
	r, err := s.Move(ctx, ed(1), st, []string{f.ds.Units[u].ID}, f.ds.Schools[far].ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range r.Warnings {
		found = found || (w.Kind == "far_move" && w.UnitID == f.ds.Units[u].ID)
	}
	if !found {
		t.Fatalf("no far-move warning in %+v", r.Warnings)
	}
}

// FuzzMeta feeds arbitrary bytes as a revision's Meta: decoding never
// panics and keeps only pins and locks that name real units and schools.
func FuzzMeta(f *testing.F) {
	f.Add([]byte(`{"op":"pin","pins":{"primary":{"U1":"S2"}},"locks":{"junior":["S1"]},"undo":[1,2]}`))
	f.Add([]byte(`{"pins":{"nope":{"U1":"S2"}},"locks":{"primary":["zz"]}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`null`))
	ds := &data.Dataset{Planar: true,
		Schools: []data.School{{ID: "S1", Seats: [data.NumStages]int{10, 10}}, {ID: "S2", Seats: [data.NumStages]int{10, 0}}},
		Units:   []data.Unit{{ID: "U1", Pupils: [data.NumStages]int{3, 2}}},
	}
	s := &Session{ds: ds, ui: ds.UnitIndex(), si: ds.SchoolIndex()}
	f.Fuzz(func(t *testing.T, meta []byte) {
		if !json.Valid(meta) {
			return // the store refuses invalid JSON
		}
		rec := &store.PlanRecord{Meta: meta, Zones: []store.ZoneRow{{UnitID: "U1", Stage: data.Primary, SchoolID: "S1"}}}
		zones, cons, _, err := s.decode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if zones[data.Primary][0] != 0 {
			t.Fatal("zone lost")
		}
		for st := range data.NumStages {
			for u, sc := range cons.pins[st] {
				if int(u) >= len(ds.Units) || int(sc) >= len(ds.Schools) {
					t.Fatalf("pin %d→%d out of range", u, sc)
				}
			}
			for sc := range cons.locks[st] {
				if int(sc) >= len(ds.Schools) {
					t.Fatalf("lock %d out of range", sc)
				}
			}
		}
	})
}

// FuzzMoves applies arbitrary move sequences to a small line of units and
// checks the evaluator against a fresh one after every move.
func FuzzMoves(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 0, 0, 3, 1, 2})
	f.Add([]byte{5, 2, 4, 0, 1, 0})
	ds := &data.Dataset{Planar: true}
	for i := range 3 {
		ds.Schools = append(ds.Schools, data.School{ID: string(rune('A' + i)), Loc: [2]float64{float64(i) * 1000, 0},
			Seats: [data.NumStages]int{40 + 20*i, 30}})
	}
	var adj [][]int32
	for i := range 8 {
		ds.Units = append(ds.Units, data.Unit{ID: string(rune('a' + i)), Loc: [2]float64{float64(i) * 300, 0},
			Pupils: [data.NumStages]int{(i * 7) % 23, (i * 5) % 11}, Migrants: [data.NumStages]int{i % 3, 0}, Area: data.Area(i % 3)})
		var nb []int32
		if i > 0 {
			nb = append(nb, int32(i-1))
		}
		if i < 7 {
			nb = append(nb, int32(i+1))
		}
		adj = append(adj, nb)
	}
	pol := allocation.DefaultPolicy()
	f.Fuzz(func(t *testing.T, ops []byte) {
		zones := [data.NumStages][]int32{make([]int32, 8), make([]int32, 8)}
		e, err := NewEvaluator(ds, pol, nil, adj, zones)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+2 < len(ops) && i < 60; i += 3 {
			st := data.Stage(ops[i] % 2)
			u := int32(ops[i+1] % 8)
			sc := int32(ops[i+2]%4) - 1
			if _, err := e.Move(st, []int32{u, (u + 1) % 8}, sc); err != nil {
				t.Fatal(err)
			}
			fresh, err := NewEvaluator(ds, pol, nil, adj, e.Zones())
			if err != nil {
				t.Fatal(err)
			}
			a, b := e.Snapshot(), fresh.Snapshot()
			for s := range data.NumStages {
				a.Stages[s].ZoneDistanceMeters, a.Stages[s].MeanZoneDistanceMeters = 0, 0
				b.Stages[s].ZoneDistanceMeters, b.Stages[s].MeanZoneDistanceMeters = 0, 0
				if !equalStage(a.Stages[s], b.Stages[s]) {
					t.Fatalf("after %d moves: %+v vs fresh %+v", i/3+1, a.Stages[s], b.Stages[s])
				}
			}
		}
	})
}
