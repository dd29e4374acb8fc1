package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"catchment/allocation/sites"
)

// sitesTestCity writes a small demo city and imports it as scenario base.
func sitesTestCity(t *testing.T) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	city := filepath.Join(dir, "city")
	if code, _, errs := demoTestRun(t, "demo", "--out", city, "--pupils", "8000", "--streets=false"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	db = filepath.Join(dir, "s.db")
	if code, _, errs := demoTestRun(t, "import", "--db", db, "--scenario", "base", "--schools", filepath.Join(city, "schools.csv"),
		"--units", filepath.Join(city, "units.geojson"), "--candidates", filepath.Join(city, "candidates.csv"),
		"--boundary", filepath.Join(city, "boundary.geojson")); code != 0 {
		t.Fatalf("import: %s", errs)
	}
	return dir, db
}

func TestSitesCommand(t *testing.T) {
	dir, db := sitesTestCity(t)
	out := filepath.Join(dir, "k2")
	code, stdout, errs := demoTestRun(t, "sites", "--db", db, "--scenario", "base", "--k", "2", "--out", out)
	if code != 0 {
		t.Fatalf("sites: %s", errs)
	}
	if !strings.Contains(stdout, "k=2") || !strings.Contains(stdout, "re-solved") {
		t.Fatalf("stdout: %s", stdout)
	}
	var res []sites.Result
	b, err := os.ReadFile(filepath.Join(out, "sites.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if len(r.Chosen) == 0 || len(r.Chosen) > 2 || r.Objective.Less(r.Baseline) == false {
		t.Fatalf("result %+v", r)
	}
	for _, c := range r.Chosen {
		if c.ZonePupils["primary"] == 0 {
			t.Errorf("site %s has no zone pupils after the re-solve", c.ID)
		}
	}
	if r.After["primary"].TotalDistanceMeters >= r.Before["primary"].TotalDistanceMeters {
		t.Errorf("re-solved distance did not fall: %+v → %+v", r.Before["primary"], r.After["primary"])
	}
	for _, f := range []string{"sites.csv", "sites.geojson", "plan/assignments.csv", "plan/report.json", "plan/zones.geojson"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}

	// Sweep: the objective never rises with k, and sweep.csv has a row per k.
	sw := filepath.Join(dir, "sweep")
	if code, _, errs := demoTestRun(t, "sites", "--db", db, "--scenario", "base", "--k", "0..3", "--no-resolve", "--out", sw); code != 0 {
		t.Fatalf("sweep: %s", errs)
	}
	f, err := os.Open(filepath.Join(sw, "sweep.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("sweep.csv has %d rows, want header + 4", len(rows))
	}
	for _, row := range rows[2:] {
		if strings.HasPrefix(row[5], "-") {
			t.Errorf("negative marginal value in %v", row)
		}
	}
}

func TestSitesCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no k", []string{"sites", "--out", "x"}, 2},
		{"bad range", []string{"sites", "--k", "3..1", "--out", "x"}, 2},
		{"bad stage", []string{"sites", "--k", "1", "--stage", "senior", "--out", "x"}, 2},
		{"negative seats", []string{"sites", "--k", "1", "--seats", "-5", "--out", "x"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, _ := demoTestRun(t, tc.args...); code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
		})
	}
}
