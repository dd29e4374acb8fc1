package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/api"
	"catchment/data"
)

// editHelper drives the planner edit endpoints of one scenario.
type editHelper struct {
	s    *stack
	name string
}

func (h editHelper) post(t *testing.T, path string, body any) reply {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return h.s.do(t, "POST", "/api/v1/scenarios/"+h.name+path, token, strings.NewReader(string(b)), "application/json")
}

func (h editHelper) get(t *testing.T, path string) reply {
	t.Helper()
	return h.s.do(t, "GET", "/api/v1/scenarios/"+h.name+path, token, nil, "")
}

func (h editHelper) state(t *testing.T) api.EditState {
	t.Helper()
	r := h.get(t, "/edit")
	if r.status != 200 {
		t.Fatalf("GET edit: %d %s", r.status, r.body)
	}
	return decode[api.EditState](t, r)
}

// edit applies an edit that must succeed and returns its result.
func (h editHelper) edit(t *testing.T, req api.EditRequest) edit.Result {
	t.Helper()
	r := h.post(t, "/edits", req)
	if r.status != 200 {
		t.Fatalf("%s %v → %s at base %d: %d %s", req.Op, req.Units, req.School, req.BaseRevision, r.status, r.body)
	}
	res := decode[edit.Result](t, r)
	if res.Revision != req.BaseRevision+1 {
		t.Fatalf("%s: revision %d after base %d", req.Op, res.Revision, req.BaseRevision)
	}
	return res
}

// errCode decodes an error reply.
func errCode(t *testing.T, r reply) api.Error {
	t.Helper()
	return decode[struct{ Error api.Error }](t, r).Error
}

// zonesAt reads the stored zones of a revision straight from the store:
// "stage/unit" → school.
func (h editHelper) zonesAt(t *testing.T, rev int) map[string]string {
	t.Helper()
	ctx := context.Background()
	infos, err := h.s.st.Plans(ctx, h.name)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		if in.Revision != rev {
			continue
		}
		rec, err := h.s.st.Plan(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := make(map[string]string, len(rec.Zones))
		for _, z := range rec.Zones {
			out[z.Stage.String()+"/"+z.UnitID] = z.SchoolID
		}
		return out
	}
	t.Fatalf("no revision %d", rev)
	return nil
}

// neighbourMove picks a unit with primary pupils (not in skip) and the
// zone school of the nearest unit zoned elsewhere: a move between two
// neighbouring zones.
func neighbourMove(t *testing.T, ds *data.Dataset, zones map[string]string, skip map[string]bool, from int) (unit, school string) {
	t.Helper()
	for i := from; i < len(ds.Units); i++ {
		u := &ds.Units[i]
		za := zones["primary/"+u.ID]
		if u.Pupils[data.Primary] == 0 || za == "" || skip[u.ID] || skip[za] {
			continue
		}
		best, bestD := "", 0.0
		for j := range ds.Units {
			v := &ds.Units[j]
			zb := zones["primary/"+v.ID]
			if zb == "" || zb == za || skip[zb] {
				continue
			}
			dx, dy := v.Loc[0]-u.Loc[0], v.Loc[1]-u.Loc[1]
			if d := dx*dx + dy*dy; best == "" || d < bestD {
				best, bestD = zb, d
			}
		}
		if best != "" {
			return u.ID, best
		}
	}
	t.Fatal("no unit to move")
	return "", ""
}

// TestEditAPI drives planner edits over real HTTP on a small demo city:
// preview, move, a stale edit refused with 409, pins and locks that the
// edit refuses to break and that survive "complete the plan" and
// "repair", undo and redo, compare and export, and the restore of every
// revision giving back exactly its stored assignments.
func TestEditAPI(t *testing.T) {
	s := newStack(t, nil)
	city := demoCity(t, 20000)
	s.importAndSolve(t, "demo", city)
	ds := &city.Dataset
	h := editHelper{s: s, name: "demo"}
	published := s.srv.Published().Plan.ID

	head := h.state(t)
	if head.Revision < 1 || head.PlanID != published || len(head.Pins) != 0 {
		t.Fatalf("initial edit state %+v (published plan %d)", head, published)
	}
	z0 := h.zonesAt(t, head.Revision)
	u1, b1 := neighbourMove(t, ds, z0, nil, 0)
	a1 := z0["primary/"+u1]

	// Preview saves nothing.
	r := h.post(t, "/edit/preview", api.EditRequest{Stage: "primary", Units: []string{u1}, School: b1})
	if r.status != 200 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	pre := decode[edit.Result](t, r)
	if pre.Revision != head.Revision || pre.Moved != 1 || len(pre.Schools) != 2 {
		t.Fatalf("preview %+v", pre)
	}
	if h.state(t).Revision != head.Revision {
		t.Fatal("preview made a revision")
	}

	r0 := head.Revision
	res := h.edit(t, api.EditRequest{BaseRevision: r0, Op: "move", Stage: "primary", Units: []string{u1}, School: b1, Comment: "road"})
	if res.Moved != 1 || !reflect.DeepEqual(res.Indicators, pre.Indicators) {
		t.Fatalf("move result %+v differs from its preview %+v", res.Indicators, pre.Indicators)
	}
	r1 := res.Revision
	if got := h.zonesAt(t, r1)["primary/"+u1]; got != b1 {
		t.Fatalf("after the move %s is in %s's zone, want %s (was %s)", u1, got, b1, a1)
	}

	// A stale edit is refused with 409 and names both revisions.
	r = h.post(t, "/edits", api.EditRequest{BaseRevision: r0, Op: "move", Stage: "primary", Units: []string{u1}, School: a1})
	if e := errCode(t, r); r.status != 409 || e.Code != api.CodeStale || e.Base == nil || *e.Base != r0 || e.Head == nil || *e.Head != r1 {
		t.Fatalf("stale edit: %d %s", r.status, r.body)
	}

	// Refusals and malformed edits.
	for _, tc := range []struct {
		name   string
		req    api.EditRequest
		status int
	}{
		{"unknown op", api.EditRequest{BaseRevision: r1, Op: "teleport"}, 422},
		{"bad stage", api.EditRequest{BaseRevision: r1, Op: "move", Stage: "college", Units: []string{u1}, School: a1}, 422},
		{"unknown unit", api.EditRequest{BaseRevision: r1, Op: "move", Stage: "primary", Units: []string{"no-such-unit"}, School: a1}, 404},
		{"unknown school", api.EditRequest{BaseRevision: r1, Op: "move", Stage: "primary", Units: []string{u1}, School: "no-such-school"}, 404},
		{"no change", api.EditRequest{BaseRevision: r1, Op: "move", Stage: "primary", Units: []string{u1}, School: b1}, 422},
		{"pin of two units", api.EditRequest{BaseRevision: r1, Op: "pin", Stage: "primary", Units: []string{u1, u1}, School: a1}, 422},
		{"nothing to redo", api.EditRequest{BaseRevision: r1, Op: "redo"}, 422},
		{"restore unknown", api.EditRequest{BaseRevision: r1, Op: "restore", TargetRevision: 999}, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := h.post(t, "/edits", tc.req); r.status != tc.status {
				t.Errorf("%d %s, want %d", r.status, r.body, tc.status)
			}
		})
	}
	if r := s.do(t, "GET", "/api/v1/scenarios/demo/edit", "", nil, ""); r.status != 401 {
		t.Errorf("edit state without the token: %d", r.status)
	}
	if r := h.s.do(t, "GET", "/api/v1/scenarios/nosuch/edit", token, nil, ""); r.status != 404 {
		t.Errorf("edit state of an unknown scenario: %d %s", r.status, r.body)
	}

	// Pin a unit into a neighbouring zone; lock another zone.
	z1 := h.zonesAt(t, r1)
	pinUnit, pinSchool := neighbourMove(t, ds, z1, map[string]bool{u1: true}, len(ds.Units)/2)
	res = h.edit(t, api.EditRequest{BaseRevision: r1, Op: "pin", Stage: "primary", Units: []string{pinUnit}, School: pinSchool})
	r2 := res.Revision
	lockSchool := ""
	for _, sc := range ds.Schools {
		if sc.Zoneable(data.Primary) && sc.ID != pinSchool && sc.ID != b1 && sc.ID != a1 && sc.ID != z1["primary/"+pinUnit] {
			lockSchool = sc.ID
			break
		}
	}
	res = h.edit(t, api.EditRequest{BaseRevision: r2, Op: "lock", Stage: "primary", School: lockSchool})
	r3 := res.Revision
	locked := func(z map[string]string) []string {
		var out []string
		for k, v := range z {
			if v == lockSchool && strings.HasPrefix(k, "primary/") {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	lockedUnits := locked(h.zonesAt(t, r3))
	if len(lockedUnits) == 0 {
		t.Fatalf("locked school %s has an empty zone", lockSchool)
	}
	// The edits refuse to break them (409).
	if r := h.post(t, "/edits", api.EditRequest{BaseRevision: r3, Op: "move", Stage: "primary", Units: []string{pinUnit}, School: z1["primary/"+pinUnit]}); r.status != 409 {
		t.Errorf("moving a pinned unit: %d %s", r.status, r.body)
	}
	if r := h.post(t, "/edits", api.EditRequest{BaseRevision: r3, Op: "move", Stage: "primary", Units: []string{u1}, School: lockSchool}); r.status != 409 {
		t.Errorf("moving into a locked zone: %d %s", r.status, r.body)
	}

	// Pins and locks survive re-optimisation.
	r = h.post(t, "/edit/complete", api.EditRequest{BaseRevision: r3, Comment: "complete"})
	if r.status != 200 {
		t.Fatalf("complete: %d %s", r.status, r.body)
	}
	r4 := decode[edit.Result](t, r).Revision
	checkKept := func(rev int) {
		t.Helper()
		z := h.zonesAt(t, rev)
		if got := z["primary/"+pinUnit]; got != pinSchool {
			t.Errorf("revision %d: pinned %s is in %s's zone, want %s", rev, pinUnit, got, pinSchool)
		}
		if got := locked(z); fmt.Sprint(got) != fmt.Sprint(lockedUnits) {
			t.Errorf("revision %d: locked zone of %s changed: %d units, want %d", rev, lockSchool, len(got), len(lockedUnits))
		}
		st := h.state(t)
		if st.Pins["primary"][pinUnit] != pinSchool || fmt.Sprint(st.Locks["primary"]) != fmt.Sprint([]string{lockSchool}) {
			t.Errorf("revision %d: pins %v locks %v", rev, st.Pins, st.Locks)
		}
	}
	checkKept(r4)
	r = h.post(t, "/edits", api.EditRequest{BaseRevision: r4, Op: "repair"})
	rEnd := r4
	switch r.status {
	case 200:
		rEnd = decode[edit.Result](t, r).Revision
		checkKept(rEnd)
	case 422: // nothing to repair
	default:
		t.Fatalf("repair: %d %s", r.status, r.body)
	}

	// Undo and redo.
	res = h.edit(t, api.EditRequest{BaseRevision: rEnd, Op: "undo"})
	undone := h.zonesAt(t, res.Revision)
	if rEnd == r4 && !maps.Equal(undone, h.zonesAt(t, r3)) {
		t.Error("undo of the completion does not give back revision", r3)
	}
	res = h.edit(t, api.EditRequest{BaseRevision: res.Revision, Op: "redo"})
	if !maps.Equal(h.zonesAt(t, res.Revision), h.zonesAt(t, rEnd)) {
		t.Error("redo does not give back revision", rEnd)
	}

	// Compare the first move; export its revision.
	r = h.get(t, fmt.Sprintf("/compare?from=%d&to=%d", r0, r1))
	if r.status != 200 {
		t.Fatalf("compare: %d %s", r.status, r.body)
	}
	cmp := decode[edit.Comparison](t, r)
	if p := cmp.Stages[data.Primary]; p.Units != 1 || len(p.Changes) != 1 || p.Changes[0] != (edit.UnitChange{UnitID: u1, From: a1, To: b1, Pupils: unitPupils(ds, u1)}) {
		t.Errorf("compare %d→%d primary: %+v", r0, r1, p)
	}
	if cmp.Stages[data.Junior].Units != 0 {
		t.Errorf("compare %d→%d junior changed %d units", r0, r1, cmp.Stages[data.Junior].Units)
	}
	r = h.get(t, fmt.Sprintf("/revisions/%d/export", r1))
	if r.status != 200 {
		t.Fatalf("export: %d %.300s", r.status, r.body)
	}
	exp := decode[api.RevisionExport](t, r)
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(exp.Zones["primary"], &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("export zones: %v, %d features", err, len(fc.Features))
	}
	var pub []allocation.ZoneList
	if err := json.Unmarshal(exp.Publication, &pub); err != nil {
		t.Fatalf("export publication: %v: %.200s", err, exp.Publication)
	}
	// The publication lists exactly the revision's zones.
	listed := map[string]string{}
	for _, zl := range pub {
		for _, id := range zl.UnitIDs {
			listed[zl.Stage+"/"+id] = zl.SchoolID
		}
	}
	if exp.Revision != r1 || !maps.Equal(listed, z1) || listed["primary/"+u1] != b1 {
		t.Errorf("export of revision %d: revision %d, publication of %d zoned units differs from the revision's %d (unit %s → %q)",
			r1, exp.Revision, len(listed), len(z1), u1, listed["primary/"+u1])
	}
	if cur, err := s.eng.Current(context.Background()); err != nil || cur.Plan.ID != published {
		t.Errorf("after edits the served plan would be %v (%v), want the published %d", cur, err, published)
	}

	// Every revision can be restored and gives back exactly its assignments.
	r = h.get(t, "/revisions")
	if r.status != 200 {
		t.Fatalf("revisions: %d %s", r.status, r.body)
	}
	revs := decode[[]api.PlanInfo](t, r)
	if len(revs) < 8 {
		t.Fatalf("%d revisions", len(revs))
	}
	for _, rv := range revs {
		if rv.Revision > r0 && rv.Author != "planner" {
			t.Errorf("revision %d author %q", rv.Revision, rv.Author)
		}
	}
	base := h.state(t).Revision
	for _, rv := range revs {
		res := h.edit(t, api.EditRequest{BaseRevision: base, Op: "restore", TargetRevision: rv.Revision})
		base = res.Revision
		if !maps.Equal(h.zonesAt(t, base), h.zonesAt(t, rv.Revision)) {
			t.Errorf("restore of revision %d gave different zones", rv.Revision)
		}
	}
}

func unitPupils(ds *data.Dataset, id string) int {
	for _, u := range ds.Units {
		if u.ID == id {
			return u.Pupils[data.Primary]
		}
	}
	return -1
}
