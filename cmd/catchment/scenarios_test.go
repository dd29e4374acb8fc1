package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"catchment/data"
	"catchment/data/store"

	"github.com/paulmach/orb"
)

// scenariosTestDB creates a database with three scenarios whose Created
// times are fixed, so the listing is reproducible.
func scenariosTestDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "list.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &data.Dataset{
		Schools: []data.School{{ID: "S1", Loc: orb.Point{116.4, 39.9}, Seats: [data.NumStages]int{90, 0}}},
		Units:   []data.Unit{{ID: "U1", Loc: orb.Point{116.4, 39.9}, Pupils: [data.NumStages]int{10, 0}}},
	}
	big := &data.Dataset{Planar: true, Schools: d.Schools}
	for i := range 1234 {
		big.Units = append(big.Units, data.Unit{ID: "U" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoaForTest(i), Loc: orb.Point{float64(i), 0}})
	}
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for _, s := range []struct {
		name string
		d    *data.Dataset
		meta store.ScenarioInfo
	}{
		{"2026 春季", d, store.ScenarioInfo{CRS: "gcj02", Created: at, Note: "第一轮\n调查"}},
		{"base", big, store.ScenarioInfo{CRS: "xy", Created: at.Add(time.Hour)}},
		{"what-if new school", d, store.ScenarioInfo{CRS: "wgs84", Created: at.Add(49 * time.Hour), Parent: "base", Note: "site C1"}},
	} {
		if err := st.ImportScenario(context.Background(), s.name, s.d, s.meta); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func itoaForTest(i int) string { return strconv.Itoa(i) }

func TestScenariosTableAndJSON(t *testing.T) {
	db := scenariosTestDB(t)
	code, stdout, stderr := importTestRun(t, false, "scenarios", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	importTestGolden(t, filepath.Join("testdata", "import", "scenarios_table.golden"), stdout)
	// Every row is as wide on screen as the header row.
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	col := strings.Index(lines[0], "CREATED")
	for _, l := range lines[1:] {
		if w := scenarioCellWidth(l[:strings.Index(l, "2026-")]); w != col {
			t.Errorf("CREATED column starts at cell %d in %q, want %d", w, l, col)
		}
	}

	code, stdout, stderr = importTestRun(t, false, "scenarios", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	importTestGolden(t, filepath.Join("testdata", "import", "scenarios_json.golden"), stdout)
	var got []scenarioJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Name != "base" || got[1].Units != 1234 || !got[1].Planar || got[2].Parent != "base" {
		t.Errorf("JSON = %+v", got)
	}
}

func TestScenariosEmptyAndErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "empty.db")
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"empty table", []string{"--db", db}, 0, "no scenarios\n", ""},
		{"empty JSON", []string{"--db", db, "--json"}, 0, "[]\n", ""},
		{"missing db flag", nil, 2, "", "--db is required"},
		{"missing file", []string{"--db", filepath.Join(t.TempDir(), "typo.db")}, 1, "", "does not exist"},
		{"stray argument", []string{"--db", db, "x"}, 2, "", "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := importTestRun(t, false, append([]string{"scenarios"}, tt.args...)...)
			if code != tt.code || stdout != tt.stdout || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "typo.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("listing a missing database created it")
	}
}

func TestScenarioCellWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"base", 4}, {"2026 春季", 9}, {"ＡＢ", 4}, {"e\u0301", 1}, {"한국", 4},
	}
	for _, tt := range tests {
		if got := scenarioCellWidth(tt.in); got != tt.want {
			t.Errorf("scenarioCellWidth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got := scenarioCell("a\nb\tc\x1b[31m"); got != "a b c [31m" {
		t.Errorf("scenarioCell = %q", got)
	}
}
