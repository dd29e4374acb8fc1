package e2e_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"catchment/api"
	"catchment/data"
)

// BenchmarkEditHTTP measures planner edits through the HTTP handler (in
// process, no network) on a solved 20,000-pupil demo city: a preview of a
// one-unit move (incremental evaluation, nothing stored), and a move
// followed by its undo (two stored revisions).
func BenchmarkEditHTTP(b *testing.B) {
	s := newStack(b, nil)
	city := demoCity(b, 20000)
	s.importAndSolve(b, "demo", city)
	h := s.srv.Handler()
	ctx := context.Background()
	rec, err := s.st.LatestPlan(ctx, "demo")
	if err != nil {
		b.Fatal(err)
	}
	zones := map[string]string{}
	for _, z := range rec.Zones {
		if z.Stage == data.Primary {
			zones[z.UnitID] = z.SchoolID
		}
	}
	// A unit with pupils and the zone school of another unit.
	var unit, school string
	for _, u := range city.Dataset.Units {
		if u.Pupils[data.Primary] > 0 && unit == "" {
			unit = u.ID
		} else if unit != "" && zones[u.ID] != "" && zones[u.ID] != zones[unit] {
			school = zones[u.ID]
			break
		}
	}
	post := func(path string, body any) []byte {
		raw, _ := json.Marshal(body)
		req := httptest.NewRequest("POST", "/api/v1/scenarios/demo"+path, strings.NewReader(string(raw)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	b.Run("preview", func(b *testing.B) {
		for b.Loop() {
			post("/edit/preview", api.EditRequest{Stage: "primary", Units: []string{unit}, School: school})
		}
	})
	b.Run("move+undo", func(b *testing.B) {
		var head struct{ Revision int }
		req := httptest.NewRequest("GET", "/api/v1/scenarios/demo/edit", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if err := json.Unmarshal(w.Body.Bytes(), &head); err != nil {
			b.Fatal(err)
		}
		rev := head.Revision
		for b.Loop() {
			post("/edits", api.EditRequest{BaseRevision: rev, Op: "move", Stage: "primary", Units: []string{unit}, School: school})
			post("/edits", api.EditRequest{BaseRevision: rev + 1, Op: "undo"})
			rev += 2
		}
	})
}
