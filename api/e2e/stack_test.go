// Package e2e_test runs catchment's HTTP service end to end: the real
// engine (SQLite file, ingest, cells, allocation) behind the real server
// on loopback, a headless Chromium for the map pages, and a child server
// process killed with SIGKILL.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"catchment/allocation"
	"catchment/api"
	"catchment/api/engine"
	"catchment/data/demo"
	"catchment/data/store"
)

const token = "e2e-token-0123456789abcdef"

type stack struct {
	dir string
	st  *store.Store
	eng *engine.Engine
	srv *api.Server
	ts  *httptest.Server
}

// newStack serves a fresh SQLite file in a temp dir over loopback.
func newStack(t testing.TB, mod func(*api.Config)) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "catchment.db"))
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st, nil)
	cfg := api.Config{Engine: eng, Token: token, UploadDir: dir}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close(); st.Close() })
	return &stack{dir: dir, st: st, eng: eng, srv: srv, ts: ts}
}

// demoCity generates a small deterministic demo city.
func demoCity(t testing.TB, pupils int) *demo.City {
	t.Helper()
	city, err := demo.Generate(demo.Config{Pupils: pupils, Seed: 7, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	return city
}

// importAndSolve stores the city as scenario name and publishes its plan.
func (s *stack) importAndSolve(t testing.TB, name string, city *demo.City) {
	t.Helper()
	ctx := context.Background()
	if err := s.eng.Import(ctx, name, &city.Dataset, city.Boundary, "e2e"); err != nil {
		t.Fatal(err)
	}
	job, err := s.srv.StartSolve(name, allocation.DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	s.waitJob(t, job.ID)
}

func (s *stack) waitJob(t testing.TB, id string) api.JobStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, ok := s.srv.Job(id)
		if !ok {
			t.Fatalf("job %s vanished", id)
		}
		switch j.State {
		case api.JobDone:
			return j
		case api.JobFailed, api.JobCancelled:
			t.Fatalf("job %s: %s %s", id, j.State, j.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", id)
	return api.JobStatus{}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (s *stack) do(t *testing.T, method, path, tok string, body io.Reader, ctype string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// upload builds a multipart body from files on disk (field = role).
func upload(t *testing.T, fields map[string]string, files map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for role, path := range files {
		w, err := mw.CreateFormFile(role, filepath.Base(path))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func decode[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("status %d: %v: %.300s", r.status, err, r.body)
	}
	return v
}

// TestUploadSolveServe drives the planner workflow over HTTP: upload the
// FORMATS.md files, solve, poll, read zones, report, comparison and a
// look-up; and checks the security rules on the real stack.
func TestUploadSolveServe(t *testing.T) {
	s := newStack(t, func(c *api.Config) { c.MaxUpload = 4 << 20 })
	city := demoCity(t, 4000)
	dir := t.TempDir()
	if err := city.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for role, name := range map[string]string{"schools": demo.SchoolsFile, "units": demo.UnitsFile, "current": demo.CurrentFile, "candidates": demo.CandidatesFile, "boundary": demo.BoundaryFile} {
		files[role] = filepath.Join(dir, name)
	}
	body, ctype := upload(t, map[string]string{"name": "城区-2026", "crs": "wgs84"}, files)
	raw := body.Bytes()

	if r := s.do(t, "POST", "/api/v1/scenarios", "", bytes.NewReader(raw), ctype); r.status != 401 {
		t.Fatalf("upload without token: %d", r.status)
	}
	r := s.do(t, "POST", "/api/v1/scenarios", token, bytes.NewReader(raw), ctype)
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	sc := decode[api.ScenarioInfo](t, r)
	if sc.Units != len(city.Dataset.Units) || sc.Schools != len(city.Dataset.Schools) || sc.Current == 0 {
		t.Fatalf("stored %+v, city has %d units %d schools", sc, len(city.Dataset.Units), len(city.Dataset.Schools))
	}
	// Bad data is a 400 with the file's located problems, not a 500.
	bad := filepath.Join(t.TempDir(), "schools.csv")
	os.WriteFile(bad, []byte("id,lon,lat,primary_seats\nS1,abc,35,100\n"), 0o644)
	b2, ct2 := upload(t, map[string]string{"name": "bad"}, map[string]string{"schools": bad, "units": files["units"]})
	if r := s.do(t, "POST", "/api/v1/scenarios", token, b2, ct2); r.status != 400 || !strings.Contains(string(r.body), "schools.csv") {
		t.Fatalf("bad upload: %d %s", r.status, r.body)
	}
	// Over the upload limit: 413.
	big := filepath.Join(t.TempDir(), "units.csv")
	os.WriteFile(big, bytes.Repeat([]byte("x"), 5<<20), 0o644)
	b3, ct3 := upload(t, map[string]string{"name": "big"}, map[string]string{"schools": files["schools"], "units": big})
	if r := s.do(t, "POST", "/api/v1/scenarios", token, b3, ct3); r.status != 413 {
		t.Fatalf("big upload: %d %s", r.status, r.body)
	}

	r = s.do(t, "POST", "/api/v1/scenarios/城区-2026/solve", token, strings.NewReader(`{"migrant_target": 0.9}`), "application/json")
	if r.status != 202 {
		t.Fatalf("solve: %d %s", r.status, r.body)
	}
	job := s.waitJob(t, decode[api.JobStatus](t, r).ID)
	id := job.PlanID

	r = s.do(t, "GET", fmt.Sprintf("/api/v1/plans/%d/zones/primary", id), "", nil, "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("zones: %d %q", r.status, r.header.Get("Content-Type"))
	}
	fc := decode[struct {
		Features []struct {
			Properties map[string]any
		}
	}](t, r)
	if len(fc.Features) == 0 {
		t.Fatal("no primary zones")
	}
	rep := decode[allocation.Report](t, s.do(t, "GET", "/api/v1/plans/current/report", "", nil, ""))
	if rep.Stages["primary"] == nil || rep.Stages["primary"].Pupils == 0 || rep.Stages["junior"].MigrantTarget != 0.9 {
		t.Fatalf("report %+v", rep.Stages["primary"])
	}
	cmp := decode[struct {
		Stages map[string]struct {
			UnitsChanged int `json:"units_changed"`
		}
		CurrentReport *allocation.Report `json:"current_report"`
	}](t, s.do(t, "GET", "/api/v1/plans/current/comparison", token, nil, ""))
	if len(cmp.Stages) != 2 || cmp.CurrentReport == nil {
		t.Fatalf("comparison %+v", cmp)
	}
	u := city.Dataset.Units[len(city.Dataset.Units)/2]
	ans := decode[struct {
		Inside bool   `json:"inside"`
		UnitID string `json:"unit_id"`
		Stages []struct {
			SchoolID string `json:"school_id"`
		}
	}](t, s.do(t, "GET", fmt.Sprintf("/api/v1/lookup?lon=%v&lat=%v", u.Loc[0], u.Loc[1]), "", nil, ""))
	if !ans.Inside || ans.UnitID != u.ID || len(ans.Stages) != 2 {
		t.Fatalf("lookup at unit %s: %+v", u.ID, ans)
	}
	r = s.do(t, "GET", "/api/v1/plans/current/assignments", token, nil, "")
	if r.status != 200 || !bytes.HasPrefix(r.body, []byte("unit_id,stage,school_id,pupils,migrants,distance_m,placement")) {
		t.Fatalf("assignments: %d %.100s", r.status, r.body)
	}
	// The stored plan reloads identically from SQLite (a fresh engine).
	eng2 := engine.New(s.st, nil)
	snap, err := eng2.Current(context.Background())
	if err != nil || snap.Plan.ID != id {
		t.Fatalf("reload: %v %+v", err, snap)
	}
	var a1, a2 bytes.Buffer
	s.srv.Published().WriteAssignments(&a1)
	snap.WriteAssignments(&a2)
	if !bytes.Equal(a1.Bytes(), a2.Bytes()) {
		t.Fatal("assignments differ after reloading the plan from SQLite")
	}
}
