package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"catchment/allocation"
	"catchment/api"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const testToken = "test-token-0123456789abcdef"

type harness struct {
	srv    *api.Server
	ts     *httptest.Server
	eng    *fakeEngine
	upload string
}

// newHarness serves a fake engine over real HTTP on loopback, with plan 1
// published.
func newHarness(t *testing.T, mod func(*api.Config)) *harness {
	t.Helper()
	eng := newFakeEngine()
	upload := t.TempDir()
	cfg := api.Config{Engine: eng, Token: testToken, MaxBody: 1024, MaxUpload: 64 << 10, UploadDir: upload}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := eng.Solve(context.Background(), "demo", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Publish(snap); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &harness{srv: srv, ts: ts, eng: eng, upload: upload}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(t *testing.T, method, path, token string, body io.Reader, ctype string) reply {
	t.Helper()
	req, err := http.NewRequest(method, h.ts.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := h.ts.Client().Do(req)
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

func (h *harness) get(t *testing.T, path string) reply {
	return h.do(t, http.MethodGet, path, "", nil, "")
}

// errCode decodes a JSON error body, failing the test when it is not one.
func errCode(t *testing.T, r reply) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: body is not a JSON error: %q", r.status, r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("error content type %q", r.header.Get("Content-Type"))
	}
	return e.Error.Code
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// TestRoutesMatchOpenAPI checks that every registered route is in the
// OpenAPI document and every documented operation is registered.
func TestRoutesMatchOpenAPI(t *testing.T) {
	h := newHarness(t, nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r := h.get(t, "/api/v1/openapi.json")
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z]+)`)
	registered := map[string]bool{}
	for _, rt := range h.srv.Routes() {
		method, path, _ := strings.Cut(rt, " ")
		if method == "echo_route_any" || method == "RouteNotFound" {
			continue
		}
		registered[strings.ToLower(method)+" "+param.ReplaceAllString(path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			documented[m+" "+path] = true
		}
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which is not registered", k)
		}
	}
	if len(registered) < 30 {
		t.Errorf("only %d routes registered", len(registered))
	}
}

// plannerRoutes are the write or planner-only endpoints.
var plannerRoutes = []struct{ method, path string }{
	{"GET", "/api/v1/scenarios"},
	{"POST", "/api/v1/scenarios"},
	{"DELETE", "/api/v1/scenarios/demo"},
	{"POST", "/api/v1/scenarios/demo/solve"},
	{"GET", "/api/v1/jobs"},
	{"GET", "/api/v1/jobs/abc"},
	{"DELETE", "/api/v1/jobs/abc"},
	{"GET", "/api/v1/plans"},
	{"GET", "/api/v1/plans/1/assignments"},
	{"GET", "/api/v1/plans/1/comparison"},
	{"GET", "/api/v1/plans/1/changes"},
	{"POST", "/api/v1/plans/1/publish"},
}

func TestPlannerEndpointsNeedToken(t *testing.T) {
	h := newHarness(t, nil)
	for _, rt := range plannerRoutes {
		for _, tc := range []struct {
			name, token string
			want        int
		}{
			{"none", "", 401},
			{"wrong", "not-the-token-at-all", 401},
			{"prefix", testToken[:10], 401},
		} {
			t.Run(rt.method+rt.path+"/"+tc.name, func(t *testing.T) {
				r := h.do(t, rt.method, rt.path, tc.token, nil, "")
				if r.status != tc.want {
					t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
				}
				if errCode(t, r) != api.CodeUnauthorized {
					t.Errorf("code %s", r.body)
				}
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("no WWW-Authenticate header")
				}
			})
		}
	}
	// With the token none of them is refused for auth.
	for _, rt := range plannerRoutes {
		if rt.method == "DELETE" && strings.Contains(rt.path, "scenarios") {
			continue // would delete the published scenario (409, tested elsewhere)
		}
		r := h.do(t, rt.method, rt.path, testToken, nil, "")
		if r.status == 401 {
			t.Errorf("%s %s with token: 401", rt.method, rt.path)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, nil)
	big := strings.Repeat(" ", 2048) + "{}" // over MaxBody (1 KiB)
	r := h.do(t, "POST", "/api/v1/scenarios/demo/solve", testToken, strings.NewReader(big), "application/json")
	if r.status != 413 || errCode(t, r) != api.CodeTooLarge {
		t.Fatalf("policy over the limit: %d %s", r.status, r.body)
	}
	// Without Content-Length (chunked), the limit trips while reading.
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte(big)); pw.Close() }()
	r = h.do(t, "POST", "/api/v1/scenarios/demo/solve", testToken, pr, "application/json")
	if r.status != 413 || errCode(t, r) != api.CodeTooLarge {
		t.Fatalf("chunked policy over the limit: %d %s", r.status, r.body)
	}
	// An upload over MaxUpload (64 KiB).
	body, ctype := multipartBody(t, map[string]string{"name": "big"}, map[string]string{"schools.csv": strings.Repeat("x", 70<<10)})
	r = h.do(t, "POST", "/api/v1/scenarios", testToken, body, ctype)
	if r.status != 413 || errCode(t, r) != api.CodeTooLarge {
		t.Fatalf("upload over the limit: %d %s", r.status, r.body)
	}
	// Unauthenticated big bodies are refused before being read: 401.
	r = h.do(t, "POST", "/api/v1/scenarios/demo/solve", "", strings.NewReader(big), "application/json")
	if r.status != 401 {
		t.Fatalf("unauthenticated big body: %d", r.status)
	}
}

func multipartBody(t *testing.T, fields map[string]string, files map[string]string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mw.WriteField(k, fields[k])
	}
	names := make([]string, 0, len(files))
	for k := range files {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		field := strings.TrimSuffix(strings.TrimSuffix(name, filepath.Ext(name)), "x")
		w, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[name])
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestUpload(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		name   string
		fields map[string]string
		files  map[string]string
		ctype  string
		want   int
		code   string
	}{
		{"ok", map[string]string{"name": "city-2026", "crs": "gcj02"}, map[string]string{"schools.csv": "id,lon,lat\n", "units.geojson": "{}"}, "", 201, ""},
		{"chinese name", map[string]string{"name": "汶上县"}, map[string]string{"schools.csv": "id\n", "households.csv": "lon\n"}, "", 201, ""},
		{"no name", nil, map[string]string{"schools.csv": "x", "units.csv": "y"}, "", 400, api.CodeBadRequest},
		{"bad name", map[string]string{"name": "../etc"}, map[string]string{"schools.csv": "x", "units.csv": "y"}, "", 400, api.CodeBadRequest},
		{"no units", map[string]string{"name": "a"}, map[string]string{"schools.csv": "x"}, "", 400, api.CodeBadRequest},
		{"unknown field", map[string]string{"name": "a"}, map[string]string{"schools.csv": "x", "passwd.csv": "y"}, "", 400, api.CodeBadRequest},
		{"bad extension", map[string]string{"name": "a"}, map[string]string{"schools.exe": "x", "units.csv": "y"}, "", 400, api.CodeBadRequest},
		{"engine rejects data", map[string]string{"name": "a"}, map[string]string{"schools.csv": "bad", "units.csv": "y"}, "", 400, api.CodeBadRequest},
		{"not multipart", nil, nil, "application/json", 415, api.CodeUnsupportedType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ctype := multipartBody(t, tc.fields, tc.files)
			if tc.ctype != "" {
				ctype = tc.ctype
			}
			r := h.do(t, "POST", "/api/v1/scenarios", testToken, body, ctype)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if tc.code != "" && errCode(t, r) != tc.code {
				t.Errorf("code: %s", r.body)
			}
		})
	}
	if got := h.eng.uploads["city-2026"]["schools"]; got != "id,lon,lat\n" {
		t.Errorf("engine got schools %q", got)
	}
	if got := h.eng.uploads["city-2026"]["units"]; got != "{}" {
		t.Errorf("engine got units %q", got)
	}
	if e := h.do(t, "POST", "/api/v1/scenarios", testToken, strings.NewReader("x"), "multipart/form-data; boundary=zzz"); e.status != 400 {
		t.Errorf("malformed multipart: %d", e.status)
	}
	// Every upload's temp files are gone.
	entries, err := os.ReadDir(h.upload)
	if err != nil || len(entries) != 0 {
		t.Errorf("upload dir not cleaned: %v %v", entries, err)
	}
}

func TestLookup(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		name, query string
		want        int
		golden      string
	}{
		{"inside", "lon=117.005&lat=35.005", 200, "lookup_inside.json"},
		{"escaping", "lon=117.015&lat=35.015&crs=wgs84", 200, "lookup_escaping.json"},
		{"outside", "lon=118&lat=36", 200, "lookup_outside.json"},
		{"xy params", "x=117.005&y=35.005", 200, ""},
		{"missing lat", "lon=117", 400, ""},
		{"nan", "lon=NaN&lat=35", 400, ""},
		{"inf", "lon=117&lat=Inf", 400, ""},
		{"text", "lon=abc&lat=35", 400, ""},
		{"long", "lon=" + strings.Repeat("1", 40) + "&lat=35", 400, ""},
		{"bad crs", "lon=117&lat=35&crs=mars", 400, ""},
		{"huge crs", "lon=117&lat=35&crs=" + strings.Repeat("x", 100), 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.get(t, "/api/v1/lookup?"+tc.query)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
			if tc.want != 200 {
				if errCode(t, r) != api.CodeBadRequest {
					t.Errorf("code: %s", r.body)
				}
				return
			}
			if !json.Valid(r.body) {
				t.Fatalf("invalid JSON: %s", r.body)
			}
			if tc.golden != "" {
				golden(t, tc.golden, indent(t, r.body))
			}
		})
	}
}

func TestLookupNotReady(t *testing.T) {
	srv, err := api.New(api.Config{Engine: newFakeEngine(), Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	h := &harness{srv: srv, ts: ts}
	for _, p := range []string{"/api/v1/lookup?lon=1&lat=2", "/readyz", "/api/v1/plans/current", "/api/v1/units?q=a", "/api/v1/collections/schools/items"} {
		r := h.get(t, p)
		if r.status != 503 || errCode(t, r) != api.CodeNotReady {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, func(c *api.Config) { c.LookupRate = 0.001; c.LookupBurst = 3 })
	for i := range 3 {
		if r := h.get(t, "/api/v1/lookup?lon=117.005&lat=35.005"); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := h.get(t, "/api/v1/lookup?lon=117.005&lat=35.005")
	if r.status != 429 || errCode(t, r) != api.CodeRateLimited || r.header.Get("Retry-After") == "" {
		t.Fatalf("4th request: %d %v %s", r.status, r.header, r.body)
	}
	// Other endpoints are not limited.
	if r := h.get(t, "/api/v1/plans/current"); r.status != 200 {
		t.Fatalf("plan info: %d", r.status)
	}
	if m := h.get(t, "/metrics"); !bytes.Contains(m.body, []byte("catchment_lookup_rate_limited_total 1")) {
		t.Errorf("metrics miss the refusal:\n%s", m.body)
	}
}

func TestErrorsAreJSON(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		method, path string
		want         int
		code         string
	}{
		{"GET", "/api/v1/nope", 404, api.CodeNotFound},
		{"GET", "/static/../../etc/passwd", 404, api.CodeNotFound},
		{"GET", "/static/vendor/leaflet/nope.js", 404, api.CodeNotFound},
		{"PUT", "/api/v1/lookup", 405, api.CodeMethod},
		{"GET", "/api/v1/plans/abc", 400, api.CodeBadRequest},
		{"GET", "/api/v1/plans/-1", 400, api.CodeBadRequest},
		{"GET", "/api/v1/plans/999", 401, api.CodeUnauthorized}, // drafts are planner-only
		{"GET", "/api/v1/plans/current/zones/senior", 400, api.CodeBadRequest},
		{"GET", "/api/v1/collections/nope", 404, api.CodeNotFound},
		{"GET", "/api/v1/collections/schools/items?bbox=1,2,3", 400, api.CodeBadRequest},
		{"GET", "/api/v1/collections/schools/items?limit=0", 400, api.CodeBadRequest},
		{"GET", "/api/v1/units?q=a&limit=1000", 400, api.CodeBadRequest},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, "", nil, "")
			if r.status != tc.want || errCode(t, r) != tc.code {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if bytes.Contains(r.body, []byte("goroutine")) || bytes.Contains(r.body, []byte(".go:")) {
				t.Errorf("stack trace leaked: %s", r.body)
			}
		})
	}
	for _, tc := range []struct {
		method, path string
		want         int
		code         string
	}{
		{"DELETE", "/api/v1/scenarios/demo", 409, api.CodeConflict},
		{"DELETE", "/api/v1/scenarios/nope", 404, api.CodeNotFound},
		{"POST", "/api/v1/scenarios/nope/solve", 404, api.CodeNotFound},
		{"POST", "/api/v1/scenarios/demo/solve", 400, api.CodeBadRequest}, // body below: unknown policy field
		{"GET", "/api/v1/jobs/nope", 404, api.CodeNotFound},
		{"GET", "/api/v1/plans/999", 404, api.CodeNotFound},
	} {
		var body io.Reader
		if tc.want == 400 {
			body = strings.NewReader(`{"class_sise":[45,50]}`)
		}
		r := h.do(t, tc.method, tc.path, testToken, body, "application/json")
		if r.status != tc.want || errCode(t, r) != tc.code {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
		}
	}
}

// TestInternalErrorHidesDetail: an engine failure is logged, and the client
// gets only "internal error".
func TestInternalErrorHidesDetail(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	h := newHarness(t, func(c *api.Config) {
		c.Log = newTestLogger(&logs, &mu)
	})
	h.eng.pingErr = fmt.Errorf("open /secret/path/db.sqlite: disk I/O error")
	r := h.get(t, "/readyz")
	if r.status != 503 || bytes.Contains(r.body, []byte("secret")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "disk I/O error") {
		t.Errorf("detail not logged: %s", logs.String())
	}
}

func TestCORS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		origins []string
		origin  string
		want    string
	}{
		{"off by default", nil, "https://evil.example", ""},
		{"allowed origin", []string{"https://gis.example"}, "https://gis.example", "https://gis.example"},
		{"other origin", []string{"https://gis.example"}, "https://evil.example", ""},
		{"any", []string{"*"}, "https://x.example", "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *api.Config) { c.CORSOrigins = tc.origins })
			req, _ := http.NewRequest("GET", h.ts.URL+"/api/v1/collections", nil)
			req.Header.Set("Origin", tc.origin)
			resp, err := h.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.want {
				t.Errorf("Allow-Origin %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSolveJob(t *testing.T) {
	h := newHarness(t, nil)
	r := h.do(t, "POST", "/api/v1/scenarios/demo/solve", testToken, strings.NewReader(`{"migrant_target":0.9}`), "application/json")
	if r.status != 202 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	var job api.JobStatus
	json.Unmarshal(r.body, &job)
	if job.ID == "" || r.header.Get("Location") != "/api/v1/jobs/"+job.ID {
		t.Fatalf("job %+v location %q", job, r.header.Get("Location"))
	}
	job = waitJob(t, h, job.ID)
	if job.State != api.JobDone || job.PlanID != 2 || job.Progress.Fraction != 1 {
		t.Fatalf("job ended %+v", job)
	}
	if got := h.srv.Published().Plan.ID; got != 2 {
		t.Fatalf("published plan %d, want 2", got)
	}
	// The old plan is now a draft: planners read it by id, the public
	// cannot; publishing it swaps back.
	if r := h.get(t, "/api/v1/plans/1/report"); r.status != 401 {
		t.Fatalf("draft plan 1 report without token: %d %s", r.status, r.body)
	}
	if r := h.get(t, "/api/v1/plans/2/zones/primary"); r.status != 200 {
		t.Fatalf("published plan 2 by number: %d %s", r.status, r.body)
	}
	if r := h.do(t, "GET", "/api/v1/plans/1/report", testToken, nil, ""); r.status != 200 || !bytes.Contains(r.body, []byte(`"plan":1`)) {
		t.Fatalf("plan 1 report: %d %s", r.status, r.body)
	}
	if r := h.do(t, "POST", "/api/v1/plans/1/publish", testToken, nil, ""); r.status != 200 {
		t.Fatalf("publish: %d %s", r.status, r.body)
	}
	if h.srv.Published().Plan.ID != 1 || h.eng.published != 1 {
		t.Fatal("plan 1 not published")
	}
	var plans []api.PlanInfo
	json.Unmarshal(h.do(t, "GET", "/api/v1/plans", testToken, nil, "").body, &plans)
	if len(plans) != 2 || plans[0].ID != 2 {
		t.Fatalf("plans %+v", plans)
	}
	var jobs []api.JobStatus
	json.Unmarshal(h.do(t, "GET", "/api/v1/jobs", testToken, nil, "").body, &jobs)
	if len(jobs) != 1 {
		t.Fatalf("jobs %+v", jobs)
	}
}

func waitJob(t *testing.T, h *harness, id string) api.JobStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var job api.JobStatus
		r := h.do(t, "GET", "/api/v1/jobs/"+id, testToken, nil, "")
		if err := json.Unmarshal(r.body, &job); err != nil {
			t.Fatal(err)
		}
		if job.State != api.JobQueued && job.State != api.JobRunning {
			return job
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("job did not finish")
	return api.JobStatus{}
}

func TestCancelJob(t *testing.T) {
	h := newHarness(t, nil)
	h.eng.solveDelay = time.Minute
	r := h.do(t, "POST", "/api/v1/scenarios/demo/solve", testToken, nil, "")
	var job api.JobStatus
	json.Unmarshal(r.body, &job)
	// A second job queues behind the first.
	r2 := h.do(t, "POST", "/api/v1/scenarios/demo/solve", testToken, nil, "")
	var job2 api.JobStatus
	json.Unmarshal(r2.body, &job2)
	if r := h.do(t, "DELETE", "/api/v1/jobs/"+job.ID, testToken, nil, ""); r.status != 202 {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if got := waitJob(t, h, job.ID); got.State != api.JobCancelled {
		t.Fatalf("job %+v", got)
	}
	h.do(t, "DELETE", "/api/v1/jobs/"+job2.ID, testToken, nil, "")
	if got := waitJob(t, h, job2.ID); got.State != api.JobCancelled {
		t.Fatalf("job2 %+v", got)
	}
	if h.srv.Published().Plan.ID != 1 {
		t.Fatal("a cancelled solve changed the published plan")
	}
}

// TestSwapIsAtomic hammers look-ups while plans are published: every
// answer must come from one plan (school names carry the plan id, and the
// answer's plan_id must match them).
func TestSwapIsAtomic(t *testing.T) {
	h := newHarness(t, nil)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var checked atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := h.ts.Client().Get(h.ts.URL + "/api/v1/lookup?lon=117.005&lat=35.005")
				if err != nil {
					t.Error(err)
					return
				}
				var a struct {
					PlanID int64 `json:"plan_id"`
					Stages []struct {
						SchoolName string `json:"school_name"`
					}
				}
				err = json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if err != nil {
					t.Error(err)
					return
				}
				for _, s := range a.Stages {
					if !strings.HasSuffix(s.SchoolName, fmt.Sprintf("(plan %d)", a.PlanID)) {
						t.Errorf("half-swapped answer: plan %d, school %q", a.PlanID, s.SchoolName)
					}
				}
				checked.Add(1)
			}
		}()
	}
	for i := int64(2); i < 60; i++ {
		if err := h.srv.Publish(fakeSnapshot(i, "demo")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if checked.Load() < 10 {
		t.Fatalf("only %d answers checked", checked.Load())
	}
}

func TestReadEndpoints(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		path, ctype string
		contains    string
	}{
		{"/healthz", "application/json", `"ok"`},
		{"/readyz", "application/json", `"ready"`},
		{"/metrics", "text/plain", "catchment_published_plan_id 1"},
		{"/", "text/html", "<"},
		{"/parent", "text/html", "<"},
		{"/static/vendor/leaflet/leaflet.js", "text/javascript", "Leaflet"},
		{"/static/vendor/leaflet/LICENSE", "text/plain", "Copyright"},
		{"/api/v1", "application/json", "conformance"},
		{"/api/v1/conformance", "application/json", "ogcapi-features-1"},
		{"/api/v1/config", "application/json", `"plan_id":1`},
		{"/api/v1/plans/current", "application/json", `"id":1`},
		{"/api/v1/plans/1", "application/json", `"scenario":"demo"`},
		{"/api/v1/plans/current/report", "application/json", `"near_zone_met":true`},
		{"/api/v1/plans/current/zones/primary", "application/geo+json", `"school_id":"P1"`},
		{"/api/v1/plans/current/zones/junior", "application/geo+json", `"school_id":"J1"`},
		{"/api/v1/plans/current/schools", "application/geo+json", `"id":"J1"`},
		{"/api/v1/plans/current/publication", "application/json", "阳光小区"},
		{"/api/v1/units?q=阳光", "application/json", `"U3"`},
		{"/api/v1/collections", "application/json", "zones-primary"},
		{"/api/v1/collections/schools", "application/json", "CRS84"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := h.get(t, tc.path)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("content type %q, want %q", ct, tc.ctype)
			}
			if !strings.Contains(string(r.body), tc.contains) {
				t.Errorf("body lacks %q: %.300s", tc.contains, r.body)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff header")
			}
		})
	}
	// Planner downloads with the token.
	r := h.do(t, "GET", "/api/v1/plans/current/assignments", testToken, nil, "")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "unit_id,stage,school_id") || !strings.Contains(r.header.Get("Content-Disposition"), "assignments-plan1.csv") {
		t.Fatalf("assignments: %d %v %s", r.status, r.header, r.body)
	}
}

func TestUnitSearch(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"阳光", []string{"U1", "U3"}},
		{"新村", []string{"U3"}},
		{"RIVERSIDE", []string{"U4"}},
		{"花园", []string{"U2"}},
		{"nothing", nil},
		{"", nil},
	} {
		r := h.get(t, "/api/v1/units?q="+urlQuery(tc.q))
		var hits []struct{ ID string }
		if err := json.Unmarshal(r.body, &hits); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range hits {
			got = append(got, x.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("q=%q: %v, want %v", tc.q, got, tc.want)
		}
	}
}

func TestCollectionItems(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		query             string
		matched, returned int
		next              bool
	}{
		{"", 2, 2, false},
		{"?limit=1", 2, 1, true},
		{"?limit=1&offset=1", 2, 1, false},
		{"?bbox=117.0,35.0,117.01,35.02", 1, 1, false},
		{"?bbox=100,10,101,11", 0, 0, false},
	} {
		r := h.get(t, "/api/v1/collections/schools/items"+tc.query)
		var fc struct {
			Type                          string
			Features                      []json.RawMessage
			NumberMatched, NumberReturned int
			Links                         []struct{ Rel, Href string }
		}
		if err := json.Unmarshal(r.body, &fc); err != nil || fc.Type != "FeatureCollection" {
			t.Fatalf("%s: %v %s", tc.query, err, r.body)
		}
		hasNext := false
		for _, l := range fc.Links {
			hasNext = hasNext || l.Rel == "next"
		}
		if fc.NumberMatched != tc.matched || fc.NumberReturned != tc.returned || len(fc.Features) != tc.returned || hasNext != tc.next {
			t.Errorf("%s: matched %d returned %d features %d next %v", tc.query, fc.NumberMatched, fc.NumberReturned, len(fc.Features), hasNext)
		}
	}
	r := h.get(t, "/api/v1/collections/zones-primary/items?limit=5")
	golden(t, "items_zones_primary.json", indent(t, bytes.ReplaceAll(r.body, []byte(h.ts.URL), []byte("http://HOST"))))
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", "&", "%26").Replace(s)
}
