package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

// Errors of the editing session. The API maps ErrStale to 409 Conflict,
// ErrLocked and ErrPinned to 409 as well (the edit contradicts the plan's
// constraints), ErrNotFound to 404, ErrInvalid and ErrNothing to 400/422.
var (
	// ErrStale: the edit names a revision that is no longer the newest.
	ErrStale = errors.New("stale revision")
	// ErrLocked: the edit would change a locked zone.
	ErrLocked = errors.New("zone is locked")
	// ErrPinned: the edit would move a pinned unit.
	ErrPinned = errors.New("unit is pinned")
	// ErrNotFound: a unit, school or revision named by the edit is unknown.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the edit is malformed (bad stage, school not zoneable).
	ErrInvalid = errors.New("invalid edit")
	// ErrNothing: nothing to undo or redo, or a move that changes no zone.
	ErrNothing = errors.New("nothing to change")
)

// StaleError is the ErrStale of an edit based on revision Base while the
// plan is at Head (0 when unknown, e.g. a concurrent writer won the race).
type StaleError struct{ Base, Head int }

// Error says which revision the edit was based on and what to do.
func (e *StaleError) Error() string {
	if e.Head > 0 {
		return fmt.Sprintf("edit is based on revision %d, but the plan is at revision %d: reload and retry", e.Base, e.Head)
	}
	return fmt.Sprintf("edit is based on revision %d, which another planner has just replaced: reload and retry", e.Base)
}

// Is makes errors.Is(err, ErrStale) true.
func (e *StaleError) Is(target error) bool { return target == ErrStale }

// Edit names who edits, why, and the revision the edit is based on.
type Edit struct {
	// Base is the revision the planner saw; an edit on any other revision
	// than the newest fails with ErrStale (optimistic concurrency).
	Base    int
	Author  string
	Comment string
}

// maxStack bounds the undo and redo stacks kept in each revision.
const maxStack = 200

// Meta is the JSON kept in PlanRecord.Meta of every revision the session
// writes: the edit that made it, the pins and locks in force, the undo and
// redo stacks (revision numbers) and the zone-determined indicators.
type Meta struct {
	Op     string   `json:"op"`
	Stage  string   `json:"stage,omitempty"`
	Units  []string `json:"units,omitempty"`
	School string   `json:"school,omitempty"`
	// Target is the revision an undo, redo or restore went back to.
	Target int `json:"target_revision,omitempty"`
	// Pins maps stage → unit id → school id; Locks maps stage → school ids.
	Pins       map[string]map[string]string `json:"pins,omitempty"`
	Locks      map[string][]string          `json:"locks,omitempty"`
	Undo       []int                        `json:"undo,omitempty"`
	Redo       []int                        `json:"redo,omitempty"`
	Moved      int                          `json:"moved"`
	Indicators *Indicators                  `json:"indicators,omitempty"`
}

// constraints are the pins and locks of a revision, by index.
type constraints struct {
	pins  [data.NumStages]map[int32]int32 // unit → school
	locks [data.NumStages]map[int32]bool  // school
}

func (c constraints) clone() constraints {
	var o constraints
	for st := range data.NumStages {
		o.pins[st] = make(map[int32]int32, len(c.pins[st]))
		for k, v := range c.pins[st] {
			o.pins[st][k] = v
		}
		o.locks[st] = make(map[int32]bool, len(c.locks[st]))
		for k := range c.locks[st] {
			o.locks[st][k] = true
		}
	}
	return o
}

// Session edits the plan lineage of one stored scenario: every edit is a
// new revision (store.SavePlan) whose parent is the revision it was based
// on. Its methods are safe for concurrent use; edits are serialised, and
// an edit based on an older revision fails with ErrStale. Several
// processes may edit the same scenario: the store's unique revision
// numbers make the loser of a race fail with ErrStale too.
type Session struct {
	mu       sync.Mutex
	store    *store.Store
	scenario string
	ds       *data.Dataset
	pol      allocation.Policy
	metric   geo.Metric
	adj      [][]int32
	ui, si   map[string]int

	rev        int
	id         int64
	cons       constraints
	undo, redo []int
	eval       *Evaluator
	log        []change
}

// change is one unit's rezoning, kept so a failed save can be rolled back.
type change struct {
	st  data.Stage
	u   int32
	old int32
}

// Open starts a session on the newest plan of scenario (ErrNotFound when
// it has none). ds must be the scenario's dataset; metric nil means
// straight-line; adjacency (geo/cells) may be nil (no contiguity).
func Open(ctx context.Context, st *store.Store, scenario string, ds *data.Dataset, pol allocation.Policy, metric geo.Metric, adjacency [][]int32) (*Session, error) {
	if st == nil || ds == nil {
		return nil, fmt.Errorf("edit: open %q: %w: no store or dataset", scenario, ErrInvalid)
	}
	if metric == nil {
		metric = geo.StraightLine(ds.Planar)
	}
	s := &Session{store: st, scenario: scenario, ds: ds, pol: pol, metric: metric, adj: adjacency,
		ui: ds.UnitIndex(), si: ds.SchoolIndex()}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload re-reads the newest revision from the store, e.g. after ErrStale
// caused by another process.
func (s *Session) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reload(ctx)
}

func (s *Session) reload(ctx context.Context) error {
	rec, err := s.store.LatestPlan(ctx, s.scenario)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("edit: scenario %q has no plan to edit: %w", s.scenario, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("edit: %w", err)
	}
	zones, cons, m, err := s.decode(rec)
	if err != nil {
		return err
	}
	ev, err := NewEvaluator(s.ds, s.pol, s.metric, s.adj, zones)
	if err != nil {
		return fmt.Errorf("edit: revision %d: %w", rec.Revision, err)
	}
	s.eval, s.rev, s.id, s.cons = ev, rec.Revision, rec.ID, cons
	s.undo, s.redo = m.Undo, m.Redo
	return nil
}

// decode turns a stored revision into zones, constraints and meta.
func (s *Session) decode(rec *store.PlanRecord) ([data.NumStages][]int32, constraints, Meta, error) {
	var zones [data.NumStages][]int32
	for st := range data.NumStages {
		zones[st] = make([]int32, len(s.ds.Units))
		for i := range zones[st] {
			zones[st][i] = -1
		}
	}
	for _, z := range rec.Zones {
		u, ok1 := s.ui[z.UnitID]
		sc, ok2 := s.si[z.SchoolID]
		if !ok1 || !ok2 || z.Stage < 0 || z.Stage >= data.NumStages {
			return zones, constraints{}, Meta{}, fmt.Errorf("edit: revision %d: zone row %s/%s/%s does not match the data set: %w",
				rec.Revision, z.UnitID, z.Stage, z.SchoolID, ErrNotFound)
		}
		zones[z.Stage][u] = int32(sc)
	}
	var m Meta
	if len(rec.Meta) > 0 {
		if err := json.Unmarshal(rec.Meta, &m); err != nil {
			slog.Warn("edit: ignoring unreadable plan meta", "scenario", s.scenario, "revision", rec.Revision, "err", err)
			m = Meta{}
		}
	}
	cons := constraints{}.clone()
	for stName, pins := range m.Pins {
		st, err := data.ParseStage(stName)
		if err != nil {
			continue
		}
		for uid, sid := range pins {
			u, ok1 := s.ui[uid]
			sc, ok2 := s.si[sid]
			if ok1 && ok2 {
				cons.pins[st][int32(u)] = int32(sc)
			}
		}
	}
	for stName, locks := range m.Locks {
		st, err := data.ParseStage(stName)
		if err != nil {
			continue
		}
		for _, sid := range locks {
			if sc, ok := s.si[sid]; ok {
				cons.locks[st][int32(sc)] = true
			}
		}
	}
	return zones, cons, m, nil
}

// Result is what an edit returns: the new revision, the indicators after
// it, the figures of the schools it touched, and its warnings.
type Result struct {
	Revision   int                `json:"revision"`
	PlanID     int64              `json:"plan_id"`
	Moved      int                `json:"moved_units"`
	Indicators Indicators         `json:"indicators"`
	Schools    []SchoolIndicators `json:"schools"`
	Warnings   []Warning          `json:"warnings"`
}

// Head returns the newest revision and its indicators.
func (s *Session) Head() (int, Indicators) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rev, s.eval.Snapshot()
}

// move rezones units through the evaluator and logs the changes.
func (s *Session) move(st data.Stage, units []int32, school int32) error {
	for _, u := range units {
		if old := s.eval.Zone(st, u); old != school {
			s.log = append(s.log, change{st, u, old})
		}
	}
	_, err := s.eval.Move(st, units, school)
	return err
}

// rollback undoes the logged changes, newest first.
func (s *Session) rollback() {
	for i := len(s.log) - 1; i >= 0; i-- {
		c := s.log[i]
		if _, err := s.eval.Move(c.st, []int32{c.u}, c.old); err != nil {
			slog.Error("edit: rollback failed", "err", err) // cannot happen: old zones were valid
		}
	}
	s.log = nil
}

// setZones moves every unit whose zone differs from zones (grouped by
// target school, so each school is re-derived once per group).
func (s *Session) setZones(zones [data.NumStages][]int32) error {
	for st := range data.NumStages {
		by := map[int32][]int32{}
		for u, z := range zones[st] {
			if s.eval.Zone(data.Stage(st), int32(u)) != z {
				by[z] = append(by[z], int32(u))
			}
		}
		keys := make([]int32, 0, len(by))
		for k := range by {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := s.move(data.Stage(st), by[k], k); err != nil {
				return err
			}
		}
	}
	return nil
}

// commit runs apply under the session lock on the head revision e.Base,
// then saves the result as the next revision. On any error the session is
// left exactly as it was.
func (s *Session) commit(ctx context.Context, e Edit, m Meta, apply func(cons *constraints, m *Meta) error) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Base != s.rev {
		return nil, fmt.Errorf("edit: %s: %w", m.Op, &StaleError{Base: e.Base, Head: s.rev})
	}
	s.log = nil
	cons := s.cons.clone()
	m.Undo = append(slices.Clone(s.undo), s.rev)
	m.Redo = nil
	if err := apply(&cons, &m); err != nil {
		s.rollback()
		return nil, fmt.Errorf("edit: %s: %w", m.Op, err)
	}
	if len(m.Undo) > maxStack {
		m.Undo = m.Undo[len(m.Undo)-maxStack:]
	}
	if len(m.Redo) > maxStack {
		m.Redo = m.Redo[len(m.Redo)-maxStack:]
	}
	res, rec, err := s.record(ctx, e, cons, &m)
	if err == nil {
		_, err = s.store.SavePlan(ctx, rec)
	}
	if err != nil {
		s.rollback()
		if strings.Contains(err.Error(), "already exists") {
			if rerr := s.reload(ctx); rerr != nil {
				slog.Warn("edit: reload after a lost race failed", "scenario", s.scenario, "err", rerr)
			}
			return nil, fmt.Errorf("edit: %s: %w", m.Op, &StaleError{Base: e.Base, Head: s.rev})
		}
		return nil, fmt.Errorf("edit: %s: save revision: %w", m.Op, err)
	}
	s.rev, s.id, s.cons, s.undo, s.redo, s.log = rec.Revision, rec.ID, cons, m.Undo, m.Redo, nil
	res.Revision, res.PlanID = rec.Revision, rec.ID
	slog.Info("edit: saved revision", "scenario", s.scenario, "revision", rec.Revision, "op", m.Op, "author", e.Author, "moved", res.Moved)
	return res, nil
}

// record builds the stored revision and the edit's result from the
// evaluator, the constraints and the logged changes.
func (s *Session) record(ctx context.Context, e Edit, cons constraints, m *Meta) (*Result, *store.PlanRecord, error) {
	res, err := s.feedback(ctx)
	if err != nil {
		return nil, nil, err
	}
	m.Indicators = &res.Indicators
	s.fillConstraints(cons, m)
	m.Moved = res.Moved
	metaJSON, err := json.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	polJSON, err := json.Marshal(s.pol)
	if err != nil {
		return nil, nil, err
	}
	rec := &store.PlanRecord{Scenario: s.scenario, Revision: s.rev + 1, Parent: s.id, Author: e.Author,
		Comment: e.Comment, Policy: polJSON, Meta: metaJSON}
	zones := s.eval.Zones()
	for st := range data.NumStages {
		for u, sc := range zones[st] {
			if sc >= 0 {
				rec.Zones = append(rec.Zones, store.ZoneRow{UnitID: s.ds.Units[u].ID, Stage: data.Stage(st), SchoolID: s.ds.Schools[sc].ID})
			}
		}
	}
	return res, rec, nil
}

// feedback builds the result of the logged changes: indicators, the rows
// of the touched schools and the warnings. A unit counts as moved when its
// zone differs from the one it had before the edit.
func (s *Session) feedback(ctx context.Context) (*Result, error) {
	res := &Result{Indicators: s.eval.Snapshot(), Warnings: []Warning{}, Schools: []SchoolIndicators{}}
	var touched [data.NumStages]map[int32]bool
	var moved [data.NumStages][]int32
	first := map[[2]int32]int32{}
	for _, c := range s.log {
		touched[c.st] = addTo(touched[c.st], c.old)
		touched[c.st] = addTo(touched[c.st], s.eval.Zone(c.st, c.u))
		k := [2]int32{int32(c.st), c.u}
		if _, ok := first[k]; !ok {
			first[k] = c.old
		}
	}
	for k, old := range first {
		if s.eval.Zone(data.Stage(k[0]), k[1]) != old {
			moved[k[0]] = append(moved[k[0]], k[1])
		}
	}
	for st := range data.NumStages {
		slices.Sort(moved[st])
		var ts []int32
		for sc := range touched[st] {
			ts = append(ts, sc)
		}
		slices.Sort(ts)
		for _, sc := range ts {
			res.Schools = append(res.Schools, s.eval.School(data.Stage(st), sc))
		}
		w, err := s.eval.Warnings(ctx, data.Stage(st), ts, moved[st])
		if err != nil {
			return nil, err
		}
		res.Warnings = append(res.Warnings, w...)
		res.Moved += len(moved[st])
	}
	return res, nil
}

// Preview evaluates moving units (ids) of stage st to school schoolID's
// zone without saving anything: the indicators, touched schools and
// warnings the move would give (Revision is the head's). It is meant for
// live feedback while a planner drags or lassos on the map; the same
// checks as Move apply.
func (s *Session) Preview(ctx context.Context, st data.Stage, unitIDs []string, schoolID string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
	defer s.rollback()
	if len(unitIDs) == 0 || schoolID == "" {
		return nil, fmt.Errorf("edit: preview: %w: a move needs units and a school", ErrInvalid)
	}
	units, sc, err := s.resolve(st, unitIDs, schoolID)
	if err == nil {
		err = s.checkFree(&s.cons, st, units, sc)
	}
	if err == nil {
		err = s.move(st, units, sc)
	}
	if err != nil {
		return nil, fmt.Errorf("edit: preview: %w", err)
	}
	res, err := s.feedback(ctx)
	if err != nil {
		return nil, err
	}
	res.Revision, res.PlanID = s.rev, s.id
	return res, nil
}

func addTo(m map[int32]bool, sc int32) map[int32]bool {
	if sc < 0 {
		return m
	}
	if m == nil {
		m = map[int32]bool{}
	}
	m[sc] = true
	return m
}

// resolve turns ids into indices, checking that the school may zone st.
func (s *Session) resolve(st data.Stage, unitIDs []string, schoolID string) ([]int32, int32, error) {
	if st < 0 || st >= data.NumStages {
		return nil, -1, fmt.Errorf("%w: stage %d", ErrInvalid, st)
	}
	units := make([]int32, 0, len(unitIDs))
	for _, id := range unitIDs {
		u, ok := s.ui[id]
		if !ok {
			return nil, -1, fmt.Errorf("unit %q: %w", id, ErrNotFound)
		}
		units = append(units, int32(u))
	}
	if schoolID == "" {
		return units, -1, nil
	}
	sc, ok := s.si[schoolID]
	if !ok {
		return nil, -1, fmt.Errorf("school %q: %w", schoolID, ErrNotFound)
	}
	if !s.ds.Schools[sc].Zoneable(st) {
		return nil, -1, fmt.Errorf("%w: school %q does not zone %s pupils (closed, private, boarding or no such stage)", ErrInvalid, schoolID, st)
	}
	return units, int32(sc), nil
}

// checkFree refuses to move pinned units or to change a locked zone.
func (s *Session) checkFree(cons *constraints, st data.Stage, units []int32, school int32) error {
	if cons.locks[st][school] {
		return fmt.Errorf("%w: %s zone of %s", ErrLocked, st, s.ds.Schools[school].ID)
	}
	for _, u := range units {
		if p, ok := cons.pins[st][u]; ok && p != school {
			return fmt.Errorf("%w: unit %s is pinned to %s", ErrPinned, s.ds.Units[u].ID, s.ds.Schools[p].ID)
		}
		if z := s.eval.Zone(st, u); z >= 0 && z != school && cons.locks[st][z] {
			return fmt.Errorf("%w: unit %s lies in the locked %s zone of %s", ErrLocked, s.ds.Units[u].ID, st, s.ds.Schools[z].ID)
		}
	}
	return nil
}

// Move rezones units (ids; one, or a lasso of several) of stage st to the
// zone of school schoolID. Pinned units and locked zones are refused
// (ErrPinned, ErrLocked).
func (s *Session) Move(ctx context.Context, e Edit, st data.Stage, unitIDs []string, schoolID string) (*Result, error) {
	m := Meta{Op: "move", Stage: st.String(), Units: unitIDs, School: schoolID}
	return s.commit(ctx, e, m, func(cons *constraints, m *Meta) error {
		if len(unitIDs) == 0 || schoolID == "" {
			return fmt.Errorf("%w: a move needs units and a school", ErrInvalid)
		}
		units, sc, err := s.resolve(st, unitIDs, schoolID)
		if err != nil {
			return err
		}
		if err := s.checkFree(cons, st, units, sc); err != nil {
			return err
		}
		if err := s.move(st, units, sc); err != nil {
			return err
		}
		if len(s.log) == 0 {
			return fmt.Errorf("%w: the units are already in that zone", ErrNothing)
		}
		return nil
	})
}

// Pin moves a unit to school schoolID's zone and pins it there: Complete
// keeps it, Move refuses to move it until Unpin.
func (s *Session) Pin(ctx context.Context, e Edit, st data.Stage, unitID, schoolID string) (*Result, error) {
	m := Meta{Op: "pin", Stage: st.String(), Units: []string{unitID}, School: schoolID}
	return s.commit(ctx, e, m, func(cons *constraints, m *Meta) error {
		units, sc, err := s.resolve(st, []string{unitID}, schoolID)
		if err != nil {
			return err
		}
		if sc < 0 {
			return fmt.Errorf("%w: a pin needs a school", ErrInvalid)
		}
		delete(cons.pins[st], units[0]) // re-pinning elsewhere is allowed
		if err := s.checkFree(cons, st, units, sc); err != nil {
			return err
		}
		cons.pins[st][units[0]] = sc
		return s.move(st, units, sc)
	})
}

// Unpin frees a pinned unit (its zone stays).
func (s *Session) Unpin(ctx context.Context, e Edit, st data.Stage, unitID string) (*Result, error) {
	m := Meta{Op: "unpin", Stage: st.String(), Units: []string{unitID}}
	return s.commit(ctx, e, m, func(cons *constraints, m *Meta) error {
		units, _, err := s.resolve(st, []string{unitID}, "")
		if err != nil {
			return err
		}
		if _, ok := cons.pins[st][units[0]]; !ok {
			return fmt.Errorf("%w: unit %s is not pinned", ErrInvalid, unitID)
		}
		delete(cons.pins[st], units[0])
		return nil
	})
}

// Lock locks school schoolID's zone of stage st as it stands: no unit
// enters or leaves it by hand, and Complete and Repair keep it exactly.
func (s *Session) Lock(ctx context.Context, e Edit, st data.Stage, schoolID string) (*Result, error) {
	return s.setLock(ctx, e, st, schoolID, true)
}

// Unlock releases a locked zone.
func (s *Session) Unlock(ctx context.Context, e Edit, st data.Stage, schoolID string) (*Result, error) {
	return s.setLock(ctx, e, st, schoolID, false)
}

func (s *Session) setLock(ctx context.Context, e Edit, st data.Stage, schoolID string, on bool) (*Result, error) {
	op := "unlock"
	if on {
		op = "lock"
	}
	m := Meta{Op: op, Stage: st.String(), School: schoolID}
	return s.commit(ctx, e, m, func(cons *constraints, m *Meta) error {
		_, sc, err := s.resolve(st, nil, schoolID)
		if err != nil {
			return err
		}
		if sc < 0 {
			return fmt.Errorf("%w: a lock needs a school", ErrInvalid)
		}
		if cons.locks[st][sc] == on {
			return fmt.Errorf("%w: %s zone of %s is already %sed", ErrInvalid, st, schoolID, op)
		}
		if on {
			cons.locks[st][sc] = true
		} else {
			delete(cons.locks[st], sc)
		}
		return nil
	})
}

// revision reads a stored revision of the scenario by number.
func (s *Session) revision(ctx context.Context, rev int) (*store.PlanRecord, error) {
	infos, err := s.store.Plans(ctx, s.scenario)
	if err != nil {
		return nil, err
	}
	for _, in := range infos {
		if in.Revision == rev {
			return s.store.Plan(ctx, in.ID)
		}
	}
	return nil, fmt.Errorf("revision %d of scenario %q: %w", rev, s.scenario, ErrNotFound)
}

// goTo makes the evaluator and constraints those of stored revision rev.
func (s *Session) goTo(ctx context.Context, rev int, cons *constraints) error {
	rec, err := s.revision(ctx, rev)
	if err != nil {
		return err
	}
	zones, c, _, err := s.decode(rec)
	if err != nil {
		return err
	}
	*cons = c
	return s.setZones(zones)
}

// Undo makes a new revision equal (zones, pins, locks) to the revision
// before the newest edit; ErrNothing when there is none.
func (s *Session) Undo(ctx context.Context, e Edit) (*Result, error) {
	return s.commit(ctx, e, Meta{Op: "undo"}, func(cons *constraints, m *Meta) error {
		if len(s.undo) == 0 {
			return ErrNothing
		}
		m.Target = s.undo[len(s.undo)-1]
		m.Undo = slices.Clone(s.undo[:len(s.undo)-1])
		m.Redo = append(slices.Clone(s.redo), s.rev)
		return s.goTo(ctx, m.Target, cons)
	})
}

// Redo makes a new revision equal to the one the last Undo left; ErrNothing
// when the last edit was not an undo.
func (s *Session) Redo(ctx context.Context, e Edit) (*Result, error) {
	return s.commit(ctx, e, Meta{Op: "redo"}, func(cons *constraints, m *Meta) error {
		if len(s.redo) == 0 {
			return ErrNothing
		}
		m.Target = s.redo[len(s.redo)-1]
		m.Redo = slices.Clone(s.redo[:len(s.redo)-1])
		return s.goTo(ctx, m.Target, cons)
	})
}

// Restore makes a new revision equal (zones, pins, locks) to revision rev.
func (s *Session) Restore(ctx context.Context, e Edit, rev int) (*Result, error) {
	return s.commit(ctx, e, Meta{Op: "restore", Target: rev}, func(cons *constraints, m *Meta) error {
		return s.goTo(ctx, rev, cons)
	})
}

// History lists the scenario's revisions, oldest first.
func (s *Session) History(ctx context.Context) ([]store.PlanInfo, error) {
	infos, err := s.store.Plans(ctx, s.scenario)
	if err != nil {
		return nil, fmt.Errorf("edit: history: %w", err)
	}
	return infos, nil
}

// Zones returns the zones of stored revision rev (rev 0: the head).
func (s *Session) Zones(ctx context.Context, rev int) ([data.NumStages][]int32, error) {
	if rev == 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.eval.Zones(), nil
	}
	rec, err := s.revision(ctx, rev)
	if err != nil {
		return [data.NumStages][]int32{}, fmt.Errorf("edit: %w", err)
	}
	zones, _, _, err := s.decode(rec)
	return zones, err
}

// Plan builds the full plan of revision rev (0: the head) with
// allocation.FromZones: placements including the stage-wide overflow
// placement, and the complete report. This is the export (publication
// list, GeoJSON, assignments) of a revision; it costs a full evaluation.
func (s *Session) Plan(ctx context.Context, rev int) (*allocation.Plan, error) {
	zones, err := s.Zones(ctx, rev)
	if err != nil {
		return nil, err
	}
	p, err := allocation.FromZones(ctx, s.ds, s.pol, s.metric, s.adj, zones)
	if err != nil {
		return nil, fmt.Errorf("edit: plan of revision %d: %w", rev, err)
	}
	return p, nil
}

// Pins returns the pins of the head (stage → unit id → school id) and its
// locks (stage → sorted school ids).
func (s *Session) Pins() (map[string]map[string]string, map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m Meta
	s.fillConstraints(s.cons, &m)
	return m.Pins, m.Locks
}

// fillConstraints writes cons into m's Pins and Locks by id.
func (s *Session) fillConstraints(cons constraints, m *Meta) {
	m.Pins, m.Locks = nil, nil
	for st := range data.NumStages {
		name := data.Stage(st).String()
		for u, sc := range cons.pins[st] {
			if m.Pins == nil {
				m.Pins = map[string]map[string]string{}
			}
			if m.Pins[name] == nil {
				m.Pins[name] = map[string]string{}
			}
			m.Pins[name][s.ds.Units[u].ID] = s.ds.Schools[sc].ID
		}
		for sc := range cons.locks[st] {
			if m.Locks == nil {
				m.Locks = map[string][]string{}
			}
			m.Locks[name] = append(m.Locks[name], s.ds.Schools[sc].ID)
		}
		if m.Locks != nil {
			sort.Strings(m.Locks[name])
		}
	}
}
