package edit

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/store"
)

const scenario = "demo"

// newSession stores the small city with today's zoning as revision 1 and
// opens a session on it.
func newSession(t *testing.T) (*Session, *store.Store, fixture) {
	t.Helper()
	f := smallCity(t)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "catchment.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.ImportScenario(ctx, scenario, f.ds, store.ScenarioInfo{}); err != nil {
		t.Fatal(err)
	}
	rec := &store.PlanRecord{Scenario: scenario, Author: "solver", Comment: "today's zoning"}
	zones := allocation.CurrentZones(f.ds)
	for s := range data.NumStages {
		for u, sc := range zones[s] {
			if sc >= 0 {
				rec.Zones = append(rec.Zones, store.ZoneRow{UnitID: f.ds.Units[u].ID, Stage: data.Stage(s), SchoolID: f.ds.Schools[sc].ID})
			}
		}
	}
	if _, err := st.SavePlan(ctx, rec); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, st, scenario, f.ds, f.pol, nil, f.adj)
	if err != nil {
		t.Fatal(err)
	}
	return s, st, f
}

// neighbourMove finds a unit with pupils of stage st on the border of
// another zoneable zone and returns it with that zone's school.
func neighbourMove(t *testing.T, s *Session, f fixture, st data.Stage, skip int) (string, string) {
	t.Helper()
	zones, _ := s.Zones(context.Background(), 0)
	for u := range f.ds.Units {
		if f.ds.Units[u].Pupils[st] == 0 || zones[st][u] < 0 {
			continue
		}
		for _, w := range f.adj[u] {
			if z := zones[st][w]; z >= 0 && z != zones[st][u] && f.ds.Schools[z].Zoneable(st) && f.ds.Units[w].Pupils[st] > 0 {
				if skip > 0 {
					skip--
					break
				}
				return f.ds.Units[u].ID, f.ds.Schools[z].ID
			}
		}
	}
	t.Fatal("no border unit")
	return "", ""
}

func ed(base int) Edit { return Edit{Base: base, Author: "planner", Comment: "test"} }

func TestSessionHistory(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	rev, ind0 := s.Head()
	if rev != 1 {
		t.Fatalf("head %d, want 1", rev)
	}
	u, to := neighbourMove(t, s, f, data.Primary, 0)
	r2, err := s.Move(ctx, ed(1), data.Primary, []string{u}, to)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Revision != 2 || r2.Moved != 1 || len(r2.Schools) != 2 {
		t.Fatalf("move result %+v", r2)
	}
	z2, _ := s.Zones(ctx, 2)
	fresh, err := NewEvaluator(f.ds, f.pol, nil, f.adj, z2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh.Snapshot(), r2.Indicators) {
		t.Fatalf("indicators after move differ from a fresh evaluation")
	}
	// A stale edit is refused with ErrStale and changes nothing.
	_, err = s.Move(ctx, ed(1), data.Primary, []string{u}, to)
	var se *StaleError
	if !errors.Is(err, ErrStale) || !errors.As(err, &se) || se.Base != 1 || se.Head != 2 {
		t.Fatalf("stale move: %v", err)
	}
	if rev, _ := s.Head(); rev != 2 {
		t.Fatalf("head %d after a stale edit", rev)
	}
	u3, to3 := neighbourMove(t, s, f, data.Junior, 3)
	if _, err := s.Move(ctx, ed(2), data.Junior, []string{u3}, to3); err != nil {
		t.Fatal(err)
	}
	// Undo twice, redo once: zones follow the stacks.
	r4, err := s.Undo(ctx, ed(3))
	if err != nil {
		t.Fatal(err)
	}
	sameZones(t, s, r4.Revision, 2)
	r5, err := s.Undo(ctx, ed(4))
	if err != nil {
		t.Fatal(err)
	}
	sameZones(t, s, r5.Revision, 1)
	if _, ind := s.Head(); !reflect.DeepEqual(ind, ind0) {
		t.Fatal("indicators after undoing everything differ from the start")
	}
	if _, err := s.Undo(ctx, ed(5)); !errors.Is(err, ErrNothing) {
		t.Fatalf("undo past the start: %v", err)
	}
	r6, err := s.Redo(ctx, ed(5))
	if err != nil {
		t.Fatal(err)
	}
	sameZones(t, s, r6.Revision, 2)
	r7, err := s.Redo(ctx, ed(6))
	if err != nil {
		t.Fatal(err)
	}
	sameZones(t, s, r7.Revision, 3)
	if _, err := s.Redo(ctx, ed(7)); !errors.Is(err, ErrNothing) {
		t.Fatalf("redo past the end: %v", err)
	}
	// Every revision restores to exactly its zones and placements.
	for rev := 1; rev <= 7; rev++ {
		head, _ := s.Head()
		r, err := s.Restore(ctx, ed(head), rev)
		if err != nil {
			t.Fatal(err)
		}
		sameZones(t, s, r.Revision, rev)
		want, err := s.Plan(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Plan(ctx, r.Revision)
		if err != nil {
			t.Fatal(err)
		}
		for st := range data.NumStages {
			if !reflect.DeepEqual(got.Stages[st].Zone, want.Stages[st].Zone) || !reflect.DeepEqual(got.Stages[st].Placements, want.Stages[st].Placements) {
				t.Fatalf("restore of revision %d: %s zones or placements differ", rev, data.Stage(st))
			}
		}
		// Reopening from the store gives the same head.
		s2, err := Open(ctx, s.store, scenario, f.ds, f.pol, nil, f.adj)
		if err != nil {
			t.Fatal(err)
		}
		h1, i1 := s.Head()
		h2, i2 := s2.Head()
		if h1 != h2 || !reflect.DeepEqual(i1, i2) {
			t.Fatalf("reopened session: head %d vs %d", h2, h1)
		}
	}
	hist, err := s.History(ctx)
	if err != nil || len(hist) != 14 || hist[13].Author != "planner" || hist[13].Parent != hist[12].ID {
		t.Fatalf("history %d revisions, err %v", len(hist), err)
	}
}

// sameZones checks that revisions a and b have the same zones.
func sameZones(t *testing.T, s *Session, a, b int) {
	t.Helper()
	za, err := s.Zones(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	zb, err := s.Zones(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(za, zb) {
		t.Fatalf("revisions %d and %d have different zones", a, b)
	}
}

func TestConcurrentPlanners(t *testing.T) {
	ctx := context.Background()
	a, st, f := newSession(t)
	b, err := Open(ctx, st, scenario, f.ds, f.pol, nil, f.adj)
	if err != nil {
		t.Fatal(err)
	}
	u, to := neighbourMove(t, a, f, data.Primary, 0)
	if _, err := a.Move(ctx, ed(1), data.Primary, []string{u}, to); err != nil {
		t.Fatal(err)
	}
	// b still believes revision 1 is the newest: the store refuses it.
	u2, to2 := neighbourMove(t, b, f, data.Primary, 5)
	before, _ := b.Zones(ctx, 0)
	_, err = b.Move(ctx, ed(1), data.Primary, []string{u2}, to2)
	if !errors.Is(err, ErrStale) {
		t.Fatalf("second planner: %v, want ErrStale", err)
	}
	if rev, _ := b.Head(); rev != 2 {
		t.Fatalf("after the lost race the session reloads to revision 2, got %d", rev)
	}
	after, _ := a.Zones(ctx, 0)
	got, _ := b.Zones(ctx, 0)
	if !reflect.DeepEqual(after, got) || reflect.DeepEqual(before, got) {
		t.Fatal("second planner's session does not show the first planner's edit")
	}
	if _, err := b.Move(ctx, ed(2), data.Primary, []string{u2}, to2); err != nil {
		t.Fatal(err)
	}
}

func TestPinsAndLocks(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	st := data.Primary
	u, to := neighbourMove(t, s, f, st, 2)
	r, err := s.Pin(ctx, ed(1), st, u, to)
	if err != nil {
		t.Fatal(err)
	}
	// Lock the zone of another school with pupils.
	zones, _ := s.Zones(ctx, 0)
	si := f.ds.SchoolIndex()
	lock := int32(-1)
	for _, z := range zones[st] {
		if z >= 0 && z != int32(si[to]) && f.ds.Schools[z].Zoneable(st) {
			lock = z
			break
		}
	}
	r, err = s.Lock(ctx, ed(r.Revision), st, f.ds.Schools[lock].ID)
	if err != nil {
		t.Fatal(err)
	}
	var lockedUnits []int32
	for v, z := range zones[st] {
		if z == lock {
			lockedUnits = append(lockedUnits, int32(v))
		}
	}
	// Hand edits may not break them.
	if _, err := s.Move(ctx, ed(r.Revision), st, []string{u}, f.ds.Schools[lock].ID); !errors.Is(err, ErrLocked) && !errors.Is(err, ErrPinned) {
		t.Fatalf("moving a pinned unit into a locked zone: %v", err)
	}
	other, _ := neighbourMove(t, s, f, st, 9)
	if _, err := s.Move(ctx, ed(r.Revision), st, []string{other}, f.ds.Schools[lock].ID); !errors.Is(err, ErrLocked) {
		t.Fatalf("moving into a locked zone: %v", err)
	}
	_, err = s.Move(ctx, ed(r.Revision), st, []string{f.ds.Units[lockedUnits[0]].ID}, to)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("moving out of a locked zone: %v", err)
	}
	pins, locks := s.Pins()
	if pins["primary"][u] != to || !slices.Equal(locks["primary"], []string{f.ds.Schools[lock].ID}) {
		t.Fatalf("pins %v locks %v", pins, locks)
	}
	check := func(what string) {
		t.Helper()
		z, _ := s.Zones(ctx, 0)
		if z[st][s.ui[u]] != int32(si[to]) {
			t.Fatalf("%s: pinned unit %s moved to %d", what, u, z[st][s.ui[u]])
		}
		var now []int32
		for v, zz := range z[st] {
			if zz == lock {
				now = append(now, int32(v))
			}
		}
		if !slices.Equal(now, lockedUnits) {
			t.Fatalf("%s: locked zone changed: %d units, was %d", what, len(now), len(lockedUnits))
		}
	}
	head, _ := s.Head()
	if _, err := s.Repair(ctx, ed(head)); err != nil {
		t.Fatal(err)
	}
	check("repair")
	head, _ = s.Head()
	if testing.Short() {
		t.Skip("complete the plan runs a solve; skipped in -short")
	}
	rc, err := s.Complete(ctx, ed(head), nil)
	if err != nil {
		t.Fatal(err)
	}
	check("complete")
	before := r.Indicators.Stages[st]
	after := rc.Indicators.Stages[st]
	t.Logf("complete: over-capacity pupils %d → %d, zone distance %.0f → %.0f", before.PupilsOverCapacity, after.PupilsOverCapacity,
		before.MeanZoneDistanceMeters, after.MeanZoneDistanceMeters)
	if before.PupilsOverCapacity == 0 || after.PupilsOverCapacity >= before.PupilsOverCapacity {
		t.Errorf("completion did not relieve over-capacity zones (%d → %d pupils)", before.PupilsOverCapacity, after.PupilsOverCapacity)
	}
	// Pins and locks survive a reload and an undo of the completion.
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	pins2, locks2 := s.Pins()
	if !reflect.DeepEqual(pins, pins2) || !reflect.DeepEqual(locks, locks2) {
		t.Fatal("pins or locks lost after complete")
	}
}

func TestRepair(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	_, ind := s.Head()
	r, err := s.Repair(ctx, ed(1))
	if err != nil {
		t.Fatal(err)
	}
	for st := range data.NumStages {
		b, a := ind.Stages[st], r.Indicators.Stages[st]
		t.Logf("%s: over-capacity %d → %d pupils, split zones %d → %d, %d units moved", b.Stage, b.PupilsOverCapacity, a.PupilsOverCapacity,
			b.ZonesNoncontiguous, a.ZonesNoncontiguous, r.Moved)
		if a.PupilsOverCapacity > b.PupilsOverCapacity || a.ZonesNoncontiguous > b.ZonesNoncontiguous {
			t.Errorf("%s: repair made things worse", b.Stage)
		}
	}
	if r.Moved == 0 {
		t.Fatal("repair moved nothing on today's zoning, which is over capacity")
	}
	tot := func(i Indicators) int {
		return i.Stages[0].PupilsOverCapacity + i.Stages[1].PupilsOverCapacity + i.Stages[0].ZonesNoncontiguous + i.Stages[1].ZonesNoncontiguous
	}
	if tot(r.Indicators) >= tot(ind) {
		t.Fatalf("repair fixed nothing")
	}
	// Compare the repair with the start: every moved unit is listed.
	c, err := s.Compare(ctx, 1, r.Revision)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stages[0].Units+c.Stages[1].Units == 0 || c.Stages[0].Units+c.Stages[1].Units > r.Moved {
		t.Fatalf("compare lists %d+%d units, repair moved %d", c.Stages[0].Units, c.Stages[1].Units, r.Moved)
	}
	for st := range data.NumStages {
		d := c.Stages[st].Delta["pupils_over_capacity"]
		if int(d) != r.Indicators.Stages[st].PupilsOverCapacity-ind.Stages[st].PupilsOverCapacity {
			t.Fatalf("delta %v", d)
		}
	}
	_ = f
}

// TestConcurrentEdits races planners on one session: exactly one edit per
// base revision wins, the others get ErrStale.
func TestConcurrentEdits(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		u, to := neighbourMove(t, s, f, data.Primary, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Move(ctx, ed(1), data.Primary, []string{u}, to)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrStale):
			t.Fatalf("unexpected error %v", err)
		}
	}
	if rev, _ := s.Head(); won != 1 || rev != 2 {
		t.Fatalf("%d edits won, head %d; want 1 and 2", won, rev)
	}
}

// TestRandomSessionOps runs random planner operations (moves, lassos,
// pins, locks, undo, redo, restore, repair, failed saves) and checks after
// each that the session's incremental indicators equal a fresh evaluation
// of the stored revision, and that refused or failed edits change nothing.
func TestRandomSessionOps(t *testing.T) {
	ctx := context.Background()
	s, _, f := newSession(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const steps = 40
	okOps := map[int]int{}
	for step := range steps {
		head, before := s.Head()
		e := ed(head)
		st := data.Stage(rng.IntN(int(data.NumStages)))
		schools := zoneable(f.ds, st)
		sc := f.ds.Schools[schools[rng.IntN(len(schools))]].ID
		u := rng.IntN(len(f.ds.Units))
		uid := f.ds.Units[u].ID
		var err error
		op := rng.IntN(10)
		switch op {
		case 0, 1:
			_, err = s.Move(ctx, e, st, []string{uid}, sc)
		case 2:
			ids := []string{uid}
			for _, w := range f.adj[u] {
				ids = append(ids, f.ds.Units[w].ID)
			}
			_, err = s.Move(ctx, e, st, ids, sc)
		case 3:
			_, err = s.Pin(ctx, e, st, uid, sc)
		case 4:
			_, err = s.Lock(ctx, e, st, sc)
		case 5:
			_, err = s.Undo(ctx, e)
		case 6:
			_, err = s.Redo(ctx, e)
		case 7:
			_, err = s.Restore(ctx, e, 1+rng.IntN(head))
		case 8:
			_, err = s.Repair(ctx, e)
		case 9: // the save fails: nothing may change
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err = s.Move(cctx, e, st, []string{uid}, sc)
			if err == nil {
				t.Fatal("move with a cancelled context succeeded")
			}
		}
		now, ind := s.Head()
		if err != nil {
			if errors.Is(err, ErrStale) {
				t.Fatalf("step %d: %v", step, err)
			}
			if now != head || !reflect.DeepEqual(ind, before) {
				t.Fatalf("step %d op %d: refused edit (%v) changed the session", step, op, err)
			}
			continue
		}
		if now != head+1 {
			t.Fatalf("step %d: head %d after an edit on %d", step, now, head)
		}
		okOps[op]++
		zones, err := s.Zones(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		mem, _ := s.Zones(ctx, 0)
		if !reflect.DeepEqual(zones, mem) {
			t.Fatalf("step %d: stored zones differ from the session's", step)
		}
		fresh, err := NewEvaluator(f.ds, f.pol, nil, f.adj, zones)
		if err != nil {
			t.Fatal(err)
		}
		want := fresh.Snapshot()
		for k := range data.NumStages {
			g, w := ind.Stages[k], want.Stages[k]
			g.ZoneDistanceMeters, g.MeanZoneDistanceMeters = w.ZoneDistanceMeters, w.MeanZoneDistanceMeters
			if !equalStage(g, w) {
				t.Fatalf("step %d op %d %s: incremental %+v, fresh %+v", step, op, g.Stage, g, w)
			}
		}
	}
	t.Logf("successful edits by op: %v", okOps)
	if n := okOps[0] + okOps[1] + okOps[2]; n < 3 || okOps[5]+okOps[6]+okOps[7] == 0 {
		t.Fatalf("too few edits went through to test anything: %v", okOps)
	}
}
