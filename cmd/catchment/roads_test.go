package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"catchment/allocation/pipeline"
	"catchment/data/store"
	"catchment/geo/ingest"
	"catchment/geo/roads"
)

// roadsCity writes a 2,000-pupil demo city (with streets.osm) into a
// temporary directory removed after the test.
func roadsCity(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb, log: slog.New(slog.NewTextHandler(&errb, nil))}
	if code := runMain(context.Background(), env, []string{"demo", "--out", dir, "--pupils", "2000", "--seed", "3"}); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errb.String())
	}
	return dir
}

func roadsFiles(dir string) []string {
	return []string{"--schools", filepath.Join(dir, "schools.csv"), "--units", filepath.Join(dir, "units.geojson"),
		"--current", filepath.Join(dir, "current.csv")}
}

// TestImportRoads: import --roads stores the walking graph with the
// scenario and says how many units cannot walk to a school; inputFlags
// then loads the cached graph for --db without the file.
func TestImportRoads(t *testing.T) {
	dir := roadsCity(t)
	db := filepath.Join(t.TempDir(), "city.db")
	osm := filepath.Join(dir, "streets.osm")
	args := append([]string{"import", "--db", db, "--scenario", "A", "--roads", osm}, roadsFiles(dir)...)
	code, stdout, stderr := importTestRun(t, false, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "road network: walking graph:") || !strings.Contains(stdout, "0 units (0 primary, 0 junior pupils) cannot walk to a school, 0 schools off the network") {
		t.Errorf("stdout = %q", stdout)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Blob(ctx, "A", pipeline.RoadsBlob)
	st.Close()
	if err != nil {
		t.Fatalf("road blob: %v", err)
	}
	var g roads.Graph
	if err := g.UnmarshalBinary(b); err != nil || g.NumNodes() == 0 {
		t.Fatalf("stored graph: %v (%d nodes)", err, g.NumNodes())
	}

	env := &cliEnv{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}
	for _, tc := range []struct {
		name   string
		in     inputFlags
		metric string // "" for the straight line
	}{
		{"db with cached graph", inputFlags{db: db, scenario: "A"}, "walking"},
		{"files with --roads", inputFlags{files: filesOf(dir), crs: "wgs84", roads: osm, crossingPenalty: 100}, "walking"},
		{"files without --roads", inputFlags{files: filesOf(dir), crs: "wgs84"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, _, st, err := tc.in.load(ctx, env)
			if err != nil {
				t.Fatal(err)
			}
			if st != nil {
				defer st.Close()
			}
			if len(ds.Units) == 0 {
				t.Fatal("no units")
			}
			m := tc.in.Metric()
			switch {
			case tc.metric == "" && m != nil:
				t.Errorf("metric %q, want the straight line (nil)", m.Name())
			case tc.metric != "" && (m == nil || m.Name() != tc.metric):
				t.Errorf("metric %v, want %q", m, tc.metric)
			case tc.metric != "" && (tc.in.roadCheck == nil || !tc.in.roadCheck.OK()):
				t.Errorf("road check %+v, want every unit reachable", tc.in.roadCheck)
			}
			if nw, ok := m.(*roads.Network); ok && nw.Options().MajorCrossingPenaltyMeters != tc.in.crossingPenalty {
				t.Errorf("crossing penalty %g, want %g", nw.Options().MajorCrossingPenaltyMeters, tc.in.crossingPenalty)
			}
		})
	}
}

func filesOf(dir string) (f ingest.Files) {
	f.Schools = filepath.Join(dir, "schools.csv")
	f.Units = filepath.Join(dir, "units.geojson")
	f.Current = filepath.Join(dir, "current.csv")
	return f
}

// TestRoadsFlagErrors: bad road inputs fail before anything is written.
func TestRoadsFlagErrors(t *testing.T) {
	dir := roadsCity(t)
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.osm")
	if err := os.WriteFile(bad, []byte("<osm><node id="), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"import: missing file", []string{"import", "--db", filepath.Join(tmp, "a.db"), "--scenario", "A", "--roads", filepath.Join(tmp, "none.osm")}, "none.osm"},
		{"import: malformed file", []string{"import", "--db", filepath.Join(tmp, "b.db"), "--scenario", "A", "--roads", bad}, "bad.osm"},
		{"import: planar data", []string{"import", "--db", filepath.Join(tmp, "c.db"), "--scenario", "A", "--crs", "xy", "--roads", bad}, "--roads needs WGS-84"},
		{"validate: malformed file", []string{"validate", "--roads", bad}, "bad.osm"},
		{"validate: negative penalty", []string{"validate", "--roads", bad, "--crossing-penalty", "-5"}, "--crossing-penalty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, roadsFiles(dir)...)
			code, stdout, stderr := importTestRun(t, false, args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure\nstdout:\n%s", stdout)
			}
			if !strings.Contains(stderr+stdout, tc.want) {
				t.Errorf("output does not mention %q:\n%s%s", tc.want, stdout, stderr)
			}
			for _, db := range []string{"a.db", "b.db", "c.db"} {
				if dbFileExists(filepath.Join(tmp, db)) {
					t.Errorf("%s was created", db)
				}
			}
		})
	}
}

// TestValidateRoadsReportsUnreachable: a unit far from every street is
// logged by name, not given a straight-line distance.
func TestValidateRoadsReportsUnreachable(t *testing.T) {
	dir := roadsCity(t)
	// A one-street extract far away from the city: nothing can walk.
	osm := filepath.Join(t.TempDir(), "far.osm")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6">` + "\n")
	for i := range 30 {
		b.WriteString(`<node id="` + itoa(i+1) + `" lat="10.0" lon="` + strconv.FormatFloat(10+float64(i)*0.0005, 'f', 4, 64) + `"/>` + "\n")
	}
	b.WriteString(`<way id="1">`)
	for i := range 30 {
		b.WriteString(`<nd ref="` + itoa(i+1) + `"/>`)
	}
	b.WriteString(`<tag k="highway" v="residential"/></way>` + "\n</osm>\n")
	if err := os.WriteFile(osm, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := importTestRun(t, false, append([]string{"validate", "--roads", osm}, roadsFiles(dir)...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"unit cannot reach a school on foot", "school is off the road network", "no straight-line fallback", "more units cannot reach a school on foot"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("log lacks %q:\n%.2000s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "ok:") {
		t.Errorf("stdout = %q", stdout)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
