package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"catchment/allocation/whatif"
)

func TestScenarioCommands(t *testing.T) {
	dir, db := sitesTestCity(t)
	// Find the biggest junior school: closing it must be refused.
	b, err := os.ReadFile(filepath.Join(dir, "city", "schools.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	big, bigSeats := "", 0
	for _, r := range rows[1:] {
		s, _ := strconv.Atoi(r[5])
		if s > bigSeats {
			big, bigSeats = r[0], s
		}
	}
	code, _, errs := demoTestRun(t, "scenario", "derive", "--db", db, "--from", "base", "--name", "closed", "--close", big)
	if code != 1 || !strings.Contains(errs, "refused") || !strings.Contains(errs, "junior pupils without a seat") {
		t.Fatalf("closure of %s (%d seats): exit %d, %s", big, bigSeats, code, errs)
	}
	// Build first, then close (先建后撤): accepted, solved and compared.
	out := filepath.Join(dir, "cmp")
	code, stdout, errs := demoTestRun(t, "scenario", "derive", "--db", db, "--from", "base", "--name", "rebuilt",
		"--add-school", "N1,新初中,117.0,35.4,0,"+strconv.Itoa(bigSeats), "--close", big, "--out", out)
	if code != 0 {
		t.Fatalf("derive: %s", errs)
	}
	if !strings.Contains(stdout, "junior") {
		t.Fatalf("stdout %s", stdout)
	}
	var c whatif.Comparison
	jb, err := os.ReadFile(filepath.Join(out, "comparison.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(jb, &c); err != nil {
		t.Fatal(err)
	}
	if c.Parent != "base" || c.Child != "rebuilt" || c.Stages["junior"] == nil || c.Stages["junior"].UnitsChanged == 0 {
		t.Fatalf("comparison %+v", c.Stages["junior"])
	}
	for _, ch := range c.Changes {
		if ch.Stage == "junior" && ch.From != big && ch.To != "N1" && ch.From == "" {
			t.Errorf("unexpected change %+v", ch)
		}
	}
	for _, f := range []string{"changes.csv", "changes.geojson", "schools.csv", "plan/report.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	code, stdout, errs = demoTestRun(t, "scenario", "list", "--db", db)
	if code != 0 || !strings.Contains(stdout, "rebuilt") || !strings.Contains(stdout, "close "+big) {
		t.Fatalf("list: %d %s %s", code, stdout, errs)
	}
	// Compare against the parent by default, with stored plans reused.
	if code, _, errs = demoTestRun(t, "scenario", "compare", "--db", db, "--b", "rebuilt", "--out", filepath.Join(dir, "cmp2")); code != 0 {
		t.Fatalf("compare: %s", errs)
	}
	// Provision check of a growth area far from every school.
	comm := filepath.Join(dir, "comm.geojson")
	os.WriteFile(comm, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[118,36]},"properties":{"id":"new-town","population":25000}}]}`), 0o644)
	code, stdout, errs = demoTestRun(t, "scenario", "provision", "--db", db, "--scenario", "base", "--communities", comm)
	if code != 0 || !strings.Contains(stdout, "new-town,,25000,primary,3,18,2430") || !strings.Contains(errs, "1 with deficits") {
		t.Fatalf("provision: %d\n%s\n%s", code, stdout, errs)
	}
	if code, _, _ := demoTestRun(t, "scenario", "bogus"); code != 2 {
		t.Fatal("unknown subcommand accepted")
	}
}

// FuzzScenarioFlagParsers feeds the flag parsers of scenario derive and
// sites arbitrary text: they return errors, never panic, and what they
// accept satisfies their documented ranges.
func FuzzScenarioFlagParsers(f *testing.F) {
	for _, s := range []string{"S1:primary=30", "N,名,117,35,900,0", "H,117,35,5000,urban,新区", "urban=1.1", "0..5", "3", "..", ":=", ",,,,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, _, n, err := parseStageValue("seats", s); err == nil && n < 0 {
			t.Fatalf("negative value accepted from %q", s)
		}
		parseSchoolSpec(s)
		if h, err := parseHousing(s); err == nil && h.ID == "" && h.Population < 0 {
			t.Fatalf("bad housing accepted from %q", s)
		}
		if _, v, err := parseFactor("grow-area", s); err == nil && v < 0 {
			t.Fatalf("negative factor accepted from %q", s)
		}
		if lo, hi, err := parseKRange(s); err == nil && (lo < 0 || hi < lo || hi > 1000) {
			t.Fatalf("bad range %d..%d accepted from %q", lo, hi, s)
		}
		parseStages(s)
	})
}
