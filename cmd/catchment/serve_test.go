package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"catchment/data"
	"catchment/geo"
	"catchment/geo/ingest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMain lets the test binary act as the catchment binary when serve
// re-executes itself as a solve worker (os.Executable is the test binary).
func TestMain(m *testing.M) {
	if os.Getenv("CATCHMENT_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

var serveURL = regexp.MustCompile(`map page at (http://[^/\s]+)/`)

// startServe runs "catchment serve" in-process until the returned stop is
// called; it returns the base URL and the stdout buffer.
func startServe(t *testing.T, args ...string) (base string, out *syncBuffer, stop func() int) {
	t.Helper()
	base, out, _, stop = startServeLogs(t, args...)
	return base, out, stop
}

// startServeLogs is startServe that also returns the log (stderr) buffer.
func startServeLogs(t *testing.T, args ...string) (base string, out, errb *syncBuffer, stop func() int) {
	t.Helper()
	out = &syncBuffer{}
	errb = &syncBuffer{}
	env := &cliEnv{stdout: out, stderr: errb, log: slog.New(slog.NewTextHandler(errb, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	codec := make(chan int, 1)
	go func() { codec <- runMain(ctx, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := serveURL.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-codec:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-codec:
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return base, out, errb, stop
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server never became ready")
}

func TestServeDemoRestartAndShutdown(t *testing.T) {
	t.Setenv("CATCHMENT_TEST_RUN_MAIN", "1") // solves run in a worker: this binary
	db := filepath.Join(t.TempDir(), "c.db")
	base, out, stop := startServe(t, "--db", db, "--demo-pupils", "3000")
	waitReady(t, base)
	m := regexp.MustCompile(`planner token \(printed once, stored in ([^)]+)\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no token printed: %s", out.String())
	}
	tokFile, tok := m[1], m[2]
	fi, err := os.Stat(tokFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v", tokFile, fi.Mode(), err)
	}
	resp, err := http.Get(base + "/api/v1/plans/current/zones/primary")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("zones: %v %v", err, resp)
	}
	resp.Body.Close()
	post := func(tok string) int {
		req, _ := http.NewRequest("POST", base+"/api/v1/scenarios/demo/solve", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(""); c != 401 {
		t.Fatalf("solve without token: %d", c)
	}
	if c := post(tok); c != 202 {
		t.Fatalf("solve with token: %d", c)
	}
	if code := stop(); code != 0 {
		t.Fatalf("shutdown exit code %d", code)
	}

	// Restart: the stored plan is served at once, no token is printed, and
	// the stored token still works.
	base, out, _ = startServe(t, "--db", db)
	waitReady(t, base)
	if strings.Contains(out.String(), "token") {
		t.Errorf("token printed again: %s", out.String())
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/plans", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("plans with the stored token: %v %v", err, resp)
	}
	var plans []struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&plans)
	resp.Body.Close()
	if len(plans) == 0 {
		t.Fatal("no stored plans after restart")
	}
}

func TestServeFlagsFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr bool
		check   func(serveConfig) bool
	}{
		{"defaults", nil, nil, false, func(c serveConfig) bool {
			return c.addr == "127.0.0.1:8080" && c.db == "catchment.db" && c.lookupRate == 20 && c.cors == ""
		}},
		{"env", map[string]string{"CATCHMENT_ADDR": ":9999", "CATCHMENT_LOOKUP_RATE": "5", "CATCHMENT_CORS": "https://a.example"}, nil, false, func(c serveConfig) bool {
			return c.addr == ":9999" && c.lookupRate == 5 && c.cors == "https://a.example"
		}},
		{"flag beats env", map[string]string{"CATCHMENT_ADDR": ":9999"}, []string{"--addr", ":7777"}, false, func(c serveConfig) bool { return c.addr == ":7777" }},
		{"bad env number", map[string]string{"CATCHMENT_LOOKUP_RATE": "fast"}, nil, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var c serveConfig
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			envErr := serveFlags(fs, &c)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if (envErr != nil) != tc.wantErr {
				t.Fatalf("env error %v, want error %v", envErr, tc.wantErr)
			}
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("config %+v", c)
			}
		})
	}
}

func TestPlannerToken(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	if _, err := plannerToken(env, "short", filepath.Join(dir, "x")); err == nil {
		t.Error("a short --token was accepted")
	}
	if tok, err := plannerToken(env, "a-long-enough-token", filepath.Join(dir, "x")); err != nil || tok != "a-long-enough-token" {
		t.Errorf("configured token: %q %v", tok, err)
	}
	p := filepath.Join(dir, "db.token")
	t1, err := plannerToken(env, "", p)
	if err != nil || len(t1) < 16 || !strings.Contains(out.String(), t1) {
		t.Fatalf("generated %q %v, printed %q", t1, err, out.String())
	}
	out.Reset()
	t2, err := plannerToken(env, "", p)
	if err != nil || t2 != t1 || out.Len() != 0 {
		t.Fatalf("second start: %q %v, printed %q", t2, err, out.String())
	}
	os.WriteFile(p, []byte("tiny\n"), 0o600)
	if _, err := plannerToken(env, "", p); err == nil {
		t.Error("an invalid token file was accepted")
	}
}

// getJSON decodes the JSON answer of GET url into v, failing unless 200.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// servedMetric is the metric of the served plan, with its id.
func servedMetric(t *testing.T, base string) (id int64, metric string) {
	t.Helper()
	var p struct {
		ID     int64  `json:"id"`
		Metric string `json:"metric"`
	}
	getJSON(t, base+"/api/v1/plans/current", &p)
	return p.ID, p.Metric
}

// lookupDistances looks up the location of every unit with primary pupils
// and returns, for the answers inside that unit, the primary zone school's
// distance and the straight line to that school.
func lookupDistances(t *testing.T, base string, ds *data.Dataset) (served, straight []float64) {
	t.Helper()
	si := ds.SchoolIndex()
	for u := range ds.Units {
		un := &ds.Units[u]
		if un.Pupils[data.Primary] == 0 {
			continue
		}
		var a struct {
			UnitID string `json:"unit_id"`
			Stages []struct {
				Stage    string  `json:"stage"`
				SchoolID string  `json:"school_id"`
				Meters   float64 `json:"meters"`
			} `json:"stages"`
		}
		getJSON(t, fmt.Sprintf("%s/api/v1/lookup?lon=%.7f&lat=%.7f", base, un.Loc[0], un.Loc[1]), &a)
		if a.UnitID != un.ID {
			continue // a point unit's location may fall in a neighbour's cell
		}
		for _, s := range a.Stages {
			if s.Stage == "primary" && s.SchoolID != "" {
				served = append(served, s.Meters)
				straight = append(straight, geo.Geodesic{}.Meters(un.Loc, ds.Schools[si[s.SchoolID]].Loc))
			}
		}
	}
	if len(served) == 0 {
		t.Fatal("no look-up answered inside its unit")
	}
	return served, straight
}

// TestServeRoads: serve --roads zones a scenario without a road network of
// its own by walking distance (in the solve worker too): look-ups give
// walking distances, never shorter than the straight line; after a
// restart the stored plan is served as walking again; restarted without
// --roads, the server refuses to serve the walking plan by straight line
// and says how to fix it; and a scenario served without any road network
// stays straight-line.
func TestServeRoads(t *testing.T) {
	t.Setenv("CATCHMENT_TEST_RUN_MAIN", "1") // solves run in a worker: this binary
	dir := roadsCity(t)
	osm := filepath.Join(dir, "streets.osm")
	ds, err := ingest.Load(context.Background(), filesOf(dir), ingest.Options{CRS: geo.WGS84})
	if err != nil {
		t.Fatal(err)
	}
	importCity := func(db string) {
		args := append([]string{"import", "--db", db, "--scenario", "city"}, roadsFiles(dir)...)
		if code, _, stderr := importTestRun(t, false, args...); code != 0 {
			t.Fatalf("import: exit %d\n%s", code, stderr)
		}
	}
	common := []string{"--lookup-rate", "0"}

	db := filepath.Join(t.TempDir(), "walk.db")
	importCity(db)
	base, _, logs, stop := startServeLogs(t, append(common, "--db", db, "--roads", osm, "--crossing-penalty", "50")...)
	waitReady(t, base)
	id, metric := servedMetric(t, base)
	if metric != "walking" {
		t.Fatalf("serve --roads: plan metric %q, want walking\n%s", metric, logs)
	}
	served, straight := lookupDistances(t, base, ds)
	longer := 0
	for i := range served {
		if served[i] < straight[i]-0.1 { // the API rounds to 0.1 m
			t.Fatalf("walking look-up %d: %.1f m, shorter than the straight line %.1f m", i, served[i], straight[i])
		}
		if served[i] > straight[i]*1.01 {
			longer++
		}
	}
	if longer < len(served)/2 {
		t.Errorf("only %d of %d walking look-ups are longer than the straight line", longer, len(served))
	}
	if code := stop(); code != 0 {
		t.Fatalf("shutdown exit code %d", code)
	}

	// Restart with the same roads: the stored plan, still walking.
	base, _, _, stop = startServeLogs(t, append(common, "--db", db, "--roads", osm, "--crossing-penalty", "50")...)
	waitReady(t, base)
	if id2, metric := servedMetric(t, base); id2 != id || metric != "walking" {
		t.Fatalf("after a restart: plan %d %q, want %d walking", id2, metric, id)
	}
	served2, _ := lookupDistances(t, base, ds)
	if !reflect.DeepEqual(served, served2) {
		t.Errorf("look-up distances changed across a restart")
	}
	stop()

	// Restart without roads: the walking plan is not served as straight
	// line; the log says why and what to do.
	base, _, logs, stop = startServeLogs(t, append(common, "--db", db)...)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "cannot load the stored plan") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if l := logs.String(); !strings.Contains(l, "walking distance") || !strings.Contains(l, "--roads") {
		t.Fatalf("restart without --roads: log does not explain the missing road network:\n%s", l)
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode == 200 {
		t.Fatalf("ready without the walking plan's road network: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	stop()

	// A scenario without a road network served without --roads: straight line.
	db2 := filepath.Join(t.TempDir(), "line.db")
	importCity(db2)
	base, _, _, _ = startServeLogs(t, append(common, "--db", db2)...)
	waitReady(t, base)
	if _, metric := servedMetric(t, base); metric != "geodesic" {
		t.Fatalf("serve without roads: metric %q, want geodesic", metric)
	}
	served, straight = lookupDistances(t, base, ds)
	for i := range served {
		if math.Abs(served[i]-straight[i]) > 0.06 {
			t.Fatalf("straight-line look-up %d: %.1f m, the straight line is %.2f m", i, served[i], straight[i])
		}
	}
}

// TestServeDemoWalking: --demo-walking stores the demo city's own streets
// with it, so that it is zoned by walking distance, also after a restart.
func TestServeDemoWalking(t *testing.T) {
	t.Setenv("CATCHMENT_TEST_RUN_MAIN", "1")
	db := filepath.Join(t.TempDir(), "demo.db")
	base, _, logs, stop := startServeLogs(t, "--db", db, "--demo-pupils", "2000", "--demo-walking")
	waitReady(t, base)
	id, metric := servedMetric(t, base)
	if metric != "walking" {
		t.Fatalf("--demo-walking: metric %q, want walking\n%s", metric, logs)
	}
	stop()
	base, _, _, _ = startServeLogs(t, "--db", db)
	waitReady(t, base)
	if id2, metric := servedMetric(t, base); id2 != id || metric != "walking" {
		t.Fatalf("after a restart without flags: plan %d %q, want %d walking (the streets are stored with the demo)", id2, metric, id)
	}
}

func TestServeRoadsFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing extract", []string{"--roads", filepath.Join(t.TempDir(), "none.osm")}, "none.osm"},
		{"negative penalty", []string{"--crossing-penalty", "-1"}, "--crossing-penalty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "x.db")
			code, stdout, stderr := importTestRun(t, false, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...)...)
			if code == 0 || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want a failure naming %q:\n%s%s", code, tc.want, stdout, stderr)
			}
			if dbFileExists(db) {
				t.Error("the database was created")
			}
		})
	}
}
