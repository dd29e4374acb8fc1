package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/ingest"
)

// The golden files under testdata/import are rewritten with -update. The
// flag is shared with other tests of this package: it is registered here
// only if no other file did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func importTestUpdate() bool {
	f := flag.Lookup("update")
	if f == nil {
		return false
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	b, _ := g.Get().(bool)
	return b
}

// importTestRun runs the CLI in-process and returns the exit code and
// output. isTerminal fakes an interactive stderr.
func importTestRun(t *testing.T, isTerminal bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{
		stdout:     &out,
		stderr:     &errb,
		log:        slog.New(slog.NewTextHandler(&errb, &slog.HandlerOptions{ReplaceAttr: importTestDropTime})),
		isTerminal: isTerminal,
	}
	code = runMain(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func importTestDropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}

// importTestFiles copies the good fixture files into a fresh directory and
// applies overrides (file name → content; content importTestDelete
// removes the file).
func importTestFiles(t *testing.T, overrides map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	good := filepath.Join("testdata", "import", "good")
	entries, err := os.ReadDir(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(good, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range overrides {
		p := filepath.Join(dir, name)
		if content == importTestDelete {
			os.Remove(p)
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const importTestDelete = "\x00delete"

// importTestArgs returns the import flags for the files present in dir.
func importTestArgs(dir string) []string {
	var args []string
	for _, f := range []struct{ flag, file string }{
		{"--schools", "schools.csv"}, {"--units", "units.geojson"}, {"--units", "units.csv"},
		{"--households", "households.csv"}, {"--current", "current.csv"}, {"--candidates", "candidates.csv"},
	} {
		if _, err := os.Stat(filepath.Join(dir, f.file)); err == nil {
			args = append(args, f.flag, filepath.Join(dir, f.file))
		}
	}
	return args
}

func importTestFilesOf(args []string) ingest.Files {
	var f ingest.Files
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--schools":
			f.Schools = args[i+1]
		case "--units":
			f.Units = args[i+1]
		case "--households":
			f.Households = args[i+1]
		case "--current":
			f.Current = args[i+1]
		case "--candidates":
			f.Candidates = args[i+1]
		}
	}
	return f
}

// importTestState is what must not change when an import fails.
type importTestState struct {
	checksum string
	list     []store.ScenarioInfo
	size     int64
	modTime  int64
}

func importTestSnapshot(t *testing.T, db string) importTestState {
	t.Helper()
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sum, err := st.Checksum(context.Background(), "A")
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.Scenarios(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return importTestState{checksum: sum, list: list, size: fi.Size(), modTime: fi.ModTime().UnixNano()}
}

func TestImportGoodFiles(t *testing.T) {
	dir := importTestFiles(t, nil)
	db := filepath.Join(t.TempDir(), "city.db")
	args := append([]string{"import", "--db", db, "--scenario", "A", "--boundary", filepath.Join(dir, "boundary.geojson"),
		"--note", "spring survey", "--parent", "base"}, importTestArgs(dir)...)
	code, stdout, stderr := importTestRun(t, false, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr is not a terminal, yet got output:\n%s", stderr)
	}
	if !strings.Contains(stdout, `imported scenario "A"`) || !strings.Contains(stdout, "3 schools, 4 units, 4 current zone rows, 2 candidate sites") {
		t.Errorf("stdout = %q", stdout)
	}
	want, err := ingest.Load(context.Background(), importTestFilesOf(importTestArgs(dir)), ingest.Options{CRS: geo.WGS84})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, info, err := st.LoadScenario(context.Background(), "A")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored dataset differs from what ingest.Load read")
	}
	if info.CRS != "wgs84" || info.Note != "spring survey" || info.Parent != "base" {
		t.Errorf("metadata = %+v", info)
	}
	b, err := st.Blob(context.Background(), "A", boundaryBlob)
	if err != nil {
		t.Fatalf("boundary blob: %v", err)
	}
	if _, err := ingest.ParseBoundary(b, geo.WGS84); err != nil {
		t.Errorf("stored boundary does not parse: %v", err)
	}
}

func TestImportHouseholdsProgressAndCRS(t *testing.T) {
	dir := importTestFiles(t, nil)
	db := filepath.Join(t.TempDir(), "city.db")
	args := []string{"import", "--db", db, "--scenario", "hh", "--crs", "gcj02", "--cell-meters", "500",
		"--schools", filepath.Join(dir, "schools.csv"), "--units", filepath.Join(dir, "units.geojson"),
		"--households", filepath.Join("testdata", "import", "households", "households.csv")}
	code, _, stderr := importTestRun(t, true, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "read 5 of 5 households") || !strings.Contains(stderr, "writing the scenario") {
		t.Errorf("no progress on a terminal: %q", stderr)
	}
	want, err := ingest.Load(context.Background(), importTestFilesOf(args[7:]), ingest.Options{CRS: geo.GCJ02, CellMeters: 500})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, info, err := st.LoadScenario(context.Background(), "hh")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || info.CRS != "gcj02" {
		t.Errorf("households import differs (crs %q, %d units, want %d)", info.CRS, len(got.Units), len(want.Units))
	}
}

// TestImportBadFilesLeaveScenarioUnchanged is the acceptance test: after a
// good import of A, an import into A with bad files (every kind of input
// error) prints one line per problem naming file, line or feature, and
// column, exits 1, and leaves A — rows, checksum, even the database file —
// exactly as it was. Golden files hold the expected stderr.
func TestImportBadFilesLeaveScenarioUnchanged(t *testing.T) {
	dir := importTestFiles(t, nil)
	db := filepath.Join(t.TempDir(), "city.db")
	if code, _, stderr := importTestRun(t, false, append([]string{"import", "--db", db, "--scenario", "A"}, importTestArgs(dir)...)...); code != 0 {
		t.Fatalf("good import: exit %d\n%s", code, stderr)
	}
	before := importTestSnapshot(t, db)

	const schoolsHeader = "id,name,lon,lat,primary_seats,junior_seats,ownership,boarding\n"
	tests := []struct {
		name      string
		overrides map[string]string
		extra     []string
		kinds     []error
	}{
		{
			name: "schools_rows",
			overrides: map[string]string{"schools.csv": schoolsHeader +
				"S1,ok,116.4,39.9,450,0,public,false\n" +
				"S2,bad number,116.4,39.9,abc,0,,\n" +
				"S3,nan,NaN,39.9,450,0,,\n" +
				"S4,far,200,39.9,450,0,,\n" +
				"S1,dup,116.4,39.9,450,0,,\n" +
				"S6,negative,116.4,39.9,-5,0,,\n" +
				"S7,owner,116.4,39.9,450,0,state,\n" +
				"S8,bool,116.4,39.9,450,0,,maybe\n" +
				"S9,no seats,116.4,39.9,0,0,,\n" +
				"S10,short,116.4\n" +
				"S11,bad \"quote\",116.4,39.9,450,0,,\n" +
				"S12,\xd6\xd0\xce\xc4,116.4,39.9,450,0,,\n" +
				"S13,no lat,116.4,,450,0,,\n"},
			kinds: []error{data.ErrInvalidNumber, data.ErrNotFinite, data.ErrOutOfRange, data.ErrDuplicateID, data.ErrNegative,
				data.ErrUnknownValue, data.ErrInvalidBool, data.ErrNoSeats, data.ErrFieldCount, data.ErrSyntax, data.ErrNotUTF8, data.ErrMissingValue},
		},
		{
			name: "units_geojson",
			overrides: map[string]string{"units.geojson": `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"U1","primary_pupils":10},"geometry":{"type":"Point","coordinates":[116.4,39.9]}},
{"type":"Feature","properties":{"id":"U2","primary_pupils":10},"geometry":{"type":"LineString","coordinates":[[116.4,39.9],[116.5,39.9]]}},
{"type":"Feature","properties":{"id":"U3","primary_pupils":10},"geometry":{"type":"Polygon","coordinates":[[[116.4,39.9],[116.401,39.9],[116.401,39.901],[116.4,39.901]]]}},
{"type":"Feature","properties":{"id":"U4","junior_pupils":2,"junior_migrants":3},"geometry":{"type":"Point","coordinates":[116.4,39.9]}},
{"type":"Feature","properties":{"id":"U1","primary_pupils":1},"geometry":{"type":"Point","coordinates":[116.4,39.9]}},
{"type":"Point","coordinates":[116.4,39.9]}
]}`, "current.csv": importTestDelete},
			kinds: []error{data.ErrGeometry, data.ErrMigrantsExceedPupils, data.ErrDuplicateID, data.ErrNotFeatureCollection},
		},
		{
			name:      "units_not_collection",
			overrides: map[string]string{"units.geojson": `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`, "current.csv": importTestDelete},
			kinds:     []error{data.ErrNotFeatureCollection},
		},
		{
			name:      "units_truncated",
			overrides: map[string]string{"units.geojson": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"U1"`, "current.csv": importTestDelete},
			kinds:     []error{data.ErrSyntax},
		},
		{
			name:      "empty_units",
			overrides: map[string]string{"units.geojson": importTestDelete, "units.csv": "", "current.csv": importTestDelete},
			kinds:     []error{data.ErrEmptyFile},
		},
		{
			name:      "no_rows",
			overrides: map[string]string{"schools.csv": schoolsHeader, "current.csv": importTestDelete},
			kinds:     []error{data.ErrNoRows},
		},
		{
			name:      "missing_column",
			overrides: map[string]string{"schools.csv": "id,lon,primary_seats\nS1,116.4,450\n", "current.csv": importTestDelete},
			kinds:     []error{data.ErrMissingColumn},
		},
		{
			name: "duplicate_column",
			overrides: map[string]string{"units.geojson": importTestDelete, "current.csv": importTestDelete,
				"units.csv": "id,lon,lat,primary_pupils,primary_pupils\nU1,116.4,39.9,3,4\n"},
			kinds: []error{data.ErrDuplicateColumn},
		},
		{
			name: "households_unknown_unit",
			overrides: map[string]string{"current.csv": importTestDelete,
				"households.csv": "lon,lat,primary,junior,migrant,unit_id\n116.401,39.901,1,0,false,U99\n116.401,39.901,x,0,false,\n"},
			kinds: []error{data.ErrUnknownUnit, data.ErrInvalidNumber},
		},
		{
			name:      "current_references",
			overrides: map[string]string{"current.csv": "unit_id,stage,school_id\nU1,primary,S1\nU99,primary,S1\nU2,primary,S99\nU3,primary,S3\nU4,junior,S1\n"},
			kinds:     []error{},
		},
		{
			name:      "current_rows",
			overrides: map[string]string{"current.csv": "unit_id,stage,school_id\nU1,primary,S1\nU1,primary,S1\nU2,kindergarten,S1\nU3,,S1\n"},
			kinds:     []error{data.ErrDuplicateID, data.ErrUnknownValue, data.ErrMissingValue},
		},
		{
			name:      "candidates_rows",
			overrides: map[string]string{"candidates.csv": "id,lon,lat,primary_seats,cost\nC1,116.4,39.9,-1,1e5\nC1,116.4,39.9,90,cheap\nC3,116.4,,90,1\n"},
			kinds:     []error{data.ErrNegative, data.ErrDuplicateID, data.ErrInvalidNumber, data.ErrMissingValue},
		},
		{
			name: "too_many_errors",
			overrides: map[string]string{"schools.csv": schoolsHeader +
				"S1,a,116.4,39.9,x,0,,\nS2,b,116.4,39.9,x,0,,\nS3,c,116.4,39.9,x,0,,\nS4,d,116.4,39.9,x,0,,\n", "current.csv": importTestDelete},
			extra: []string{"--max-errors", "2"},
			kinds: []error{data.ErrInvalidNumber, data.ErrTooManyErrors},
		},
		{
			name: "several_files",
			overrides: map[string]string{
				"schools.csv":    schoolsHeader + "S1,ok,116.4,39.9,450,0,,\nS2,x,116.4,39.9,-3,0,,\n",
				"units.geojson":  `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"U1","primary_pupils":-1},"geometry":{"type":"Point","coordinates":[116.4,39.9]}}]}`,
				"candidates.csv": "id,lon,lat\nC1,116.4,95\n",
				"current.csv":    importTestDelete,
			},
			kinds: []error{data.ErrNegative, data.ErrOutOfRange},
		},
	}
	lineRE := regexp.MustCompile(`^(schools\.csv|units\.csv|units\.geojson|households\.csv|current\.csv|candidates\.csv)(:\d+)?: `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := importTestFiles(t, tt.overrides)
			files := importTestArgs(bad)
			args := append(append([]string{"import", "--db", db, "--scenario", "A"}, tt.extra...), files...)
			code, stdout, stderr := importTestRun(t, false, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			importTestGolden(t, filepath.Join("testdata", "import", tt.name+".golden"), stderr)

			// One line per problem, each naming its file and position.
			opt := ingest.Options{CRS: geo.WGS84}
			if len(tt.extra) == 2 {
				opt.MaxErrors = 2
			}
			_, lerr := ingest.Load(context.Background(), importTestFilesOf(files), opt)
			var list data.ErrorList
			if !errors.As(lerr, &list) {
				t.Fatalf("ingest.Load: %v, want a data.ErrorList", lerr)
			}
			for _, kind := range tt.kinds {
				if !errors.Is(lerr, kind) {
					t.Errorf("no problem of kind %q", kind)
				}
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != len(list)+1 {
				t.Fatalf("%d stderr lines for %d problems:\n%s", len(lines), len(list), stderr)
			}
			for i, l := range lines[:len(list)] {
				if !lineRE.MatchString(l) {
					t.Errorf("line %q does not start with file[:line]", l)
				}
				if l != list[i].Error() {
					t.Errorf("line %d = %q, want %q", i, l, list[i].Error())
				}
				if e := list[i]; e.Line == 0 && e.Feature < 0 && e.Column == "" &&
					!errors.Is(e, data.ErrEmptyFile) && !errors.Is(e, data.ErrNoRows) && !errors.Is(e, data.ErrTooManyErrors) &&
					!errors.Is(e, data.ErrSyntax) && !errors.Is(e, data.ErrNotFeatureCollection) {
					t.Errorf("problem %q has no position", l)
				}
			}
			if want := "database not changed"; !strings.Contains(lines[len(lines)-1], want) {
				t.Errorf("last line %q does not say %q", lines[len(lines)-1], want)
			}

			if after := importTestSnapshot(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("scenario A or the database file changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

func TestImportDoesNotCreateDatabaseOnBadInput(t *testing.T) {
	dir := importTestFiles(t, map[string]string{"schools.csv": "id,lon,lat,primary_seats\nS1,116.4,39.9,-1\n"})
	db := filepath.Join(t.TempDir(), "never.db")
	code, _, stderr := importTestRun(t, false, append([]string{"import", "--db", db, "--scenario", "A"}, importTestArgs(dir)...)...)
	if code != 1 || !strings.Contains(stderr, "schools.csv:2: column primary_seats") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed import created the database: %v", err)
	}
}

func TestImportOtherFailures(t *testing.T) {
	dir := importTestFiles(t, nil)
	db := filepath.Join(t.TempDir(), "city.db")
	if code, _, stderr := importTestRun(t, false, append([]string{"import", "--db", db, "--scenario", "A"}, importTestArgs(dir)...)...); code != 0 {
		t.Fatalf("good import: exit %d\n%s", code, stderr)
	}
	before := importTestSnapshot(t, db)
	good := importTestArgs(dir)
	tests := []struct {
		name     string
		args     []string
		code     int
		wantErr  string
		mutateDB bool
	}{
		{"missing file", []string{"--scenario", "A", "--schools", filepath.Join(dir, "nope.csv"), "--units", filepath.Join(dir, "units.geojson")}, 1, "nope.csv", false},
		{"bad boundary", append([]string{"--scenario", "A", "--boundary", filepath.Join(dir, "schools.csv")}, good...), 1, "boundary", false},
		{"no db", append([]string{"--scenario", "A"}, good...), 2, "--db is required", false},
		{"no scenario", good, 2, "--scenario is required", false},
		{"bad scenario name", append([]string{"--scenario", " A"}, good...), 2, "leading or trailing space", false},
		{"no units", []string{"--scenario", "A", "--schools", filepath.Join(dir, "schools.csv")}, 2, "give --units, --households, or both", false},
		{"no schools", []string{"--scenario", "A", "--units", filepath.Join(dir, "units.geojson")}, 2, "--schools is required", false},
		{"bad crs", append([]string{"--scenario", "A", "--crs", "mars"}, good...), 2, "--crs", false},
		{"negative max errors", append([]string{"--scenario", "A", "--max-errors", "-1"}, good...), 2, "--max-errors", false},
		{"stray argument", append([]string{"--scenario", "A", "extra"}, good...), 2, "unexpected arguments", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"import"}
			if tt.name != "no db" {
				args = append(args, "--db", db)
			}
			code, _, stderr := importTestRun(t, false, append(args, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.wantErr) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", code, tt.code, stderr, tt.wantErr)
			}
			if after := importTestSnapshot(t, db); !reflect.DeepEqual(after, before) {
				t.Errorf("database changed")
			}
		})
	}
}

func TestImportHelp(t *testing.T) {
	code, _, stderr := importTestRun(t, false, "import", "-h")
	if code != 0 || !strings.Contains(stderr, "--scenario NAME") || !strings.Contains(stderr, "-households") {
		t.Errorf("exit %d, help:\n%s", code, stderr)
	}
}

// importTestGolden compares got with the golden file, rewriting it under
// -update.
func importTestGolden(t *testing.T, path, got string) {
	t.Helper()
	if importTestUpdate() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Import ./cmd/catchment -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
