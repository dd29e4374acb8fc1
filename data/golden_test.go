package data

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestBadFilesGolden reads files that contain every error kind at once and
// compares the full report (errors, then warnings) with a golden file. It
// also checks that each bad record produced exactly one message, so a
// problem is neither lost nor reported twice.
func TestBadFilesGolden(t *testing.T) {
	tests := []struct {
		file string
		read func(path string, opt ReadOptions) error
		// wantPer lists, for each reported error, its line (CSV) or feature
		// (GeoJSON); each must be distinct and in order.
		wantAt []int
	}{
		{
			file:   "bad_schools.csv",
			read:   func(p string, o ReadOptions) error { _, err := ReadSchoolsFile(p, o); return err },
			wantAt: []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 25},
		},
		{
			file:   "bad_units.geojson",
			read:   func(p string, o ReadOptions) error { _, err := ReadUnitsFile(p, o); return err },
			wantAt: []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var warnings []string
			opt := ReadOptions{Warn: func(m string) { warnings = append(warnings, m) }}
			err := tt.read(filepath.Join("testdata", tt.file), opt)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want an ErrorList, got %T %v", err, err)
			}
			var at []int
			for _, e := range list {
				if e.File != tt.file {
					t.Errorf("error names file %q, want %q", e.File, tt.file)
				}
				if e.Line > 0 {
					at = append(at, e.Line)
				} else {
					at = append(at, e.Feature)
				}
			}
			if !equalInts(at, tt.wantAt) {
				t.Errorf("errors at %v\nwant at   %v\n%v", at, tt.wantAt, err)
			}
			got := err.Error() + "\n--- warnings ---\n" + strings.Join(warnings, "\n") + "\n"
			golden := filepath.Join("testdata", tt.file+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s (go test -run TestBadFilesGolden -update to accept):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
