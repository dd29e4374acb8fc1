package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

// riverCityDir writes a 10,000-pupil demo city with its streets (a river,
// a railway and a few bridges) into a temporary directory: big enough that
// the straight-line zones send primary pupils over a bridge that walking
// zones avoid.
func riverCityDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("demo city with streets skipped in -short mode")
	}
	dir := t.TempDir()
	if code, _, stderr := importTestRun(t, false, "demo", "--out", dir, "--pupils", "10000", "--seed", "3"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	return dir
}

// readJSONFile decodes a JSON file into v.
func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestSolveZoneBy: --zone-by chooses the distance the zones are optimised
// by, and a road network always measures them; the straight-line zones
// measured on foot show the pupils they send over a barrier, which the
// walking zones spare.
func TestSolveZoneBy(t *testing.T) {
	city := riverCityDir(t)
	osm := filepath.Join(city, "streets.osm")
	type result struct {
		report  allocation.Report
		zones   []byte // unit_zones.csv
		stdout  string
		zone    string // manifest zone_metric
		measure string // manifest measure_metric
	}
	results := map[string]*result{}
	for _, tc := range []struct {
		name        string
		args        []string
		zone        string // want manifest zone_metric; "" for a failure
		measure     string
		wantErr     string
		wantBarrier bool // barrier crossings known (a road network measured)
	}{
		{"walking by default with roads", []string{"--roads", osm}, "walking", "walking", "", true},
		{"walking explicitly", []string{"--roads", osm, "--zone-by", "walking"}, "walking", "walking", "", true},
		{"straight measured on foot", []string{"--roads", osm, "--zone-by", "straight"}, "geodesic", "walking", "", true},
		{"straight without roads", nil, "geodesic", "geodesic", "", false},
		{"straight explicitly without roads", []string{"--zone-by", "straight"}, "geodesic", "geodesic", "", false},
		{"walking without roads", []string{"--zone-by", "walking"}, "", "", "--zone-by walking needs a road network", false},
		{"unknown value", []string{"--roads", osm, "--zone-by", "bus"}, "", "", `--zone-by "bus"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			args := append(append([]string{"solve", "--out", out}, roadsFiles(city)...), tc.args...)
			code, stdout, stderr := importTestRun(t, false, args...)
			if tc.wantErr != "" {
				if code == 0 || !strings.Contains(stderr, tc.wantErr) {
					t.Fatalf("exit %d, want a failure saying %q\n%s", code, tc.wantErr, stderr)
				}
				if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a failed solve wrote %s", out)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			r := &result{stdout: stdout}
			readJSONFile(t, filepath.Join(out, "report.json"), &r.report)
			var man map[string]any
			readJSONFile(t, filepath.Join(out, "manifest.json"), &man)
			r.zone, _ = man[metaZoneMetric].(string)
			r.measure, _ = man[manifestMeasureMetric].(string)
			if r.zone != tc.zone || r.measure != tc.measure {
				t.Errorf("manifest: zone_metric %q, measure_metric %q; want %q, %q", r.zone, r.measure, tc.zone, tc.measure)
			}
			if man["crs"] != "wgs84" || man["policy"] == nil {
				t.Errorf("manifest lost its fields: %v", man)
			}
			if bp, ok := man[manifestBarrierPenalty]; ok != tc.wantBarrier || (ok && bp != float64(pipeline.DefaultBarrierPenaltyMeters)) {
				t.Errorf("manifest barrier_penalty_m = %v (present %v), want %v with a road network", bp, ok, pipeline.DefaultBarrierPenaltyMeters)
			}
			if r.report.Metric != tc.measure {
				t.Errorf("report metric %q, want the measuring metric %q", r.report.Metric, tc.measure)
			}
			say := "zones optimised by geodesic distance, measured and reported by walking distance"
			if got := strings.Contains(stdout, say); got != (tc.zone != tc.measure) {
				t.Errorf("stdout says %q: %v, want %v\n%s", say, got, tc.zone != tc.measure, stdout)
			}
			p := r.report.Stages["primary"]
			if p == nil || p.Pupils == 0 {
				t.Fatalf("no primary stage in the report")
			}
			if !tc.wantBarrier && (p.BarrierCrossingPupils != 0 || p.RoadDetourPupils != 0) {
				t.Errorf("straight-line report: barrier_crossing_pupils %d, road_detour_pupils %d, want 0", p.BarrierCrossingPupils, p.RoadDetourPupils)
			}
			if p.OptimalityGap < 0 || p.LowerBoundMeters <= 0 || p.LowerBoundMeters > p.ObjectiveMeters*(1+1e-9) {
				t.Errorf("lower bound %g, objective %g, gap %g: not a proven bound", p.LowerBoundMeters, p.ObjectiveMeters, p.OptimalityGap)
			}
			var err error
			if r.zones, err = os.ReadFile(filepath.Join(out, "unit_zones.csv")); err != nil {
				t.Fatal(err)
			}
			results[tc.name] = r
		})
	}
	walk, line, bare := results["walking by default with roads"], results["straight measured on foot"], results["straight without roads"]
	if walk == nil || line == nil || bare == nil {
		t.Fatal("a solve failed")
	}
	if !bytes.Equal(line.zones, bare.zones) {
		t.Errorf("--zone-by straight with roads zones differ from the straight-line solve's")
	}
	if bytes.Equal(line.zones, walk.zones) {
		t.Errorf("walking and straight-line zones are identical: the city shows no difference")
	}
	lp, wp, bp := line.report.Stages["primary"], walk.report.Stages["primary"], bare.report.Stages["primary"]
	t.Logf("primary barrier_crossing_pupils: straight-line zones %d, walking zones %d; road_detour_pupils %d, %d; mean %0.f m on foot (straight line %0.f m), %0.f m",
		lp.BarrierCrossingPupils, wp.BarrierCrossingPupils, lp.RoadDetourPupils, wp.RoadDetourPupils, lp.MeanDistanceMeters, bp.MeanDistanceMeters, wp.MeanDistanceMeters)
	if lp.BarrierCrossingPupils == 0 {
		t.Errorf("straight-line zones measured on foot: barrier_crossing_pupils = 0, want > 0")
	}
	if wp.BarrierCrossingPupils >= lp.BarrierCrossingPupils {
		t.Errorf("barrier_crossing_pupils: walking zones %d, want fewer than the straight-line zones' %d", wp.BarrierCrossingPupils, lp.BarrierCrossingPupils)
	}
	t.Logf("primary barrier_crossing_pupils_by_kind: straight-line zones %v, walking zones %v", lp.BarrierCrossingPupilsByKind, wp.BarrierCrossingPupilsByKind)
	if lw, ww := lp.BarrierCrossingPupilsByKind["water"], wp.BarrierCrossingPupilsByKind["water"]; lw == 0 || ww >= lw {
		t.Errorf("primary pupils crossing water: straight-line zones %d, walking zones %d; want some, and fewer on foot", lw, ww)
	}
	if bp.BarrierCrossingPupilsByKind != nil {
		t.Errorf("straight-line report has barrier crossings by kind: %v", bp.BarrierCrossingPupilsByKind)
	}
	if lp.RoadDetourPupils == 0 {
		t.Errorf("straight-line zones measured on foot: road_detour_pupils = 0, want > 0")
	}
	if lp.MeanDistanceMeters < bp.MeanDistanceMeters {
		t.Errorf("the same zones: mean %.0f m on foot < %.0f m in a straight line", lp.MeanDistanceMeters, bp.MeanDistanceMeters)
	}
	if lp.LowerBoundMeters != bp.LowerBoundMeters {
		t.Errorf("measured plan's lower bound %g, want the straight-line solve's %g", lp.LowerBoundMeters, bp.LowerBoundMeters)
	}
}

// TestSolveMetricsStoredAndReloaded: a plan stored by solve --db records the
// metric that measured it and the one that zoned it, and scenario compare
// rebuilds every stored plan with its recorded metric: walking plans on
// foot (refused without a road network), straight-line plans by straight
// line even when a road network is at hand.
func TestSolveMetricsStoredAndReloaded(t *testing.T) {
	city := riverCityDir(t)
	osm := filepath.Join(city, "streets.osm")
	db := filepath.Join(t.TempDir(), "city.db")
	run := func(args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := importTestRun(t, false, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args[:2], " "), code, stderr)
		}
		return stdout, stderr
	}
	// roads: imported with its streets, zoned by straight line, measured on foot.
	run(append([]string{"import", "--db", db, "--scenario", "roads", "--roads", osm}, roadsFiles(city)...)...)
	run("solve", "--db", db, "--scenario", "roads", "--zone-by", "straight", "--out", filepath.Join(t.TempDir(), "o1"))
	// walked: imported without streets, solved on foot with --roads.
	run(append([]string{"import", "--db", db, "--scenario", "walked"}, roadsFiles(city)...)...)
	run("solve", "--db", db, "--scenario", "walked", "--roads", osm, "--out", filepath.Join(t.TempDir(), "o2"))
	// plain: imported without streets, solved by straight line.
	run(append([]string{"import", "--db", db, "--scenario", "plain"}, roadsFiles(city)...)...)
	run("solve", "--db", db, "--scenario", "plain", "--out", filepath.Join(t.TempDir(), "o3"))

	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ scenario, metric, zone string }{
		{"roads", "walking", "geodesic"},
		{"walked", "walking", "walking"},
		{"plain", "geodesic", "geodesic"},
	} {
		rec, err := st.LatestPlan(ctx, tc.scenario)
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]string
		if err := json.Unmarshal(rec.Meta, &meta); err != nil {
			t.Fatalf("%s: meta %s: %v", tc.scenario, rec.Meta, err)
		}
		if meta[pipeline.MetaMetric] != tc.metric || meta[metaZoneMetric] != tc.zone {
			t.Errorf("%s: plan meta %v, want metric %q zone_metric %q", tc.scenario, meta, tc.metric, tc.zone)
		}
	}
	// Edit revisions record no metric: theirs is their lineage's first
	// plan's. Two revisions on top of the "roads" plan (the latest plan of
	// "roads" is then a revision that compare must rebuild on foot).
	root, err := st.LatestPlan(ctx, "roads")
	if err != nil {
		t.Fatal(err)
	}
	parent := root.ID
	for range 2 {
		rev := *root
		rev.ID, rev.Revision, rev.Parent, rev.Meta, rev.Author = 0, 0, parent, nil, "planner"
		if parent, err = st.SavePlan(ctx, &rev); err != nil {
			t.Fatal(err)
		}
	}
	rev, err := st.Plan(ctx, parent)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := planMetricName(ctx, st, rev); err != nil || got != "walking" || rev.Parent == root.ID {
		t.Errorf("revision %d (parent %d) of plan %d: metric %q, %v; want walking", rev.ID, rev.Parent, root.ID, got, err)
	}
	st.Close()

	for _, tc := range []struct {
		name    string
		args    []string
		metric  string // of the rebuilt plan of --b
		wantErr string
	}{
		{"walking plan without a road network", []string{"--a", "plain", "--b", "walked"}, "", "plan 2 was zoned by walking distance"},
		{"walking plan with --roads", []string{"--a", "plain", "--b", "walked", "--roads", osm}, "walking", ""},
		{"straight-line plan stays straight with --roads", []string{"--a", "walked", "--b", "plain", "--roads", osm}, "geodesic", ""},
		{"stored streets measure the straight-zoned plan on foot", []string{"--a", "plain", "--b", "roads"}, "walking", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cmp")
			code, _, stderr := importTestRun(t, false, append([]string{"scenario", "compare", "--db", db, "--out", out}, tc.args...)...)
			if tc.wantErr != "" {
				if code == 0 || !strings.Contains(stderr, tc.wantErr) || !strings.Contains(stderr, "--roads") {
					t.Fatalf("exit %d, want a failure saying %q and naming --roads\n%s", code, tc.wantErr, stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			var rep allocation.Report
			readJSONFile(t, filepath.Join(out, "plan", "report.json"), &rep)
			if rep.Metric != tc.metric {
				t.Errorf("rebuilt plan measured by %q, want %q", rep.Metric, tc.metric)
			}
			if !strings.Contains(stderr, "measured by different distances") {
				t.Errorf("comparing a walking and a straight-line plan gave no warning:\n%s", stderr)
			}
		})
	}
}

// TestMetricForPlan: the metric a stored plan is rebuilt with.
func TestMetricForPlan(t *testing.T) {
	ds := &data.Dataset{}
	walking := namedMetric{geo.Geodesic{}, "walking"}
	rec := &store.PlanRecord{ID: 7, Scenario: "s"}
	for _, tc := range []struct {
		recorded  string
		planar    bool
		available geo.Metric
		want      string // metric name; "" for an error
		wantErr   error
	}{
		{"", false, nil, "geodesic", nil},
		{"", true, walking, "euclidean", nil},
		{"geodesic", false, walking, "geodesic", nil},
		{"euclidean", true, nil, "euclidean", nil},
		{"walking", false, walking, "walking", nil},
		{"walking", false, nil, "", errNoRoads},
		{"walking", false, geo.Geodesic{}, "", errNoRoads},
		{"teleport", false, walking, "", nil},
	} {
		ds.Planar = tc.planar
		m, err := metricForPlan(rec, tc.recorded, ds, tc.available)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("%q: metric %s, want an error", tc.recorded, m.Name())
		case tc.want == "" && tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%q: error %v, want %v", tc.recorded, err, tc.wantErr)
		case tc.want != "" && (err != nil || m.Name() != tc.want):
			t.Errorf("%q: %v, %v; want %s", tc.recorded, m, err, tc.want)
		}
	}
	for _, tc := range []struct {
		meta string
		want string
	}{{``, ""}, {`{}`, ""}, {`{"metric":"walking","zone_metric":"geodesic"}`, "walking"}, {`[1]`, ""}, {`{"metric":3}`, ""}} {
		if got := metaMetric(json.RawMessage(tc.meta)); got != tc.want {
			t.Errorf("metaMetric(%s) = %q, want %q", tc.meta, got, tc.want)
		}
	}
}

// namedMetric renames a metric.
type namedMetric struct {
	geo.Metric
	name string
}

func (m namedMetric) Name() string { return m.name }

// BenchmarkSolveZoneBy: a whole `catchment solve --roads` of the
// 10,000-pupil river city per --zone-by mode (walking zones, or
// straight-line zones measured on foot: a straight-line solve plus
// allocation.FromZones on the walking metric), road import included.
func BenchmarkSolveZoneBy(b *testing.B) {
	dir := b.TempDir()
	env := &cliEnv{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	if code := runMain(context.Background(), env, []string{"demo", "--out", dir, "--pupils", "10000", "--seed", "3"}); code != 0 {
		b.Fatalf("demo: exit %d", code)
	}
	for _, mode := range []string{"walking", "straight"} {
		b.Run(mode, func(b *testing.B) {
			args := append([]string{"solve", "--out", filepath.Join(b.TempDir(), "out"), "--roads", filepath.Join(dir, "streets.osm"), "--zone-by", mode}, roadsFiles(dir)...)
			for b.Loop() {
				if code := runMain(context.Background(), env, args); code != 0 {
					b.Fatalf("solve: exit %d", code)
				}
			}
		})
	}
}

// Keys of manifest.json the tests read (see manifest).
const (
	manifestMeasureMetric  = "measure_metric"
	manifestBarrierPenalty = "barrier_penalty_m"
)
