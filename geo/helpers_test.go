package geo

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// readCSV reads a comment-annotated CSV of testdata: lines starting with #
// and blank lines are skipped; fields are comma-separated with no quoting.
func readCSV(t *testing.T, path string, fields int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rec := strings.SplitN(line, ",", fields)
		if len(rec) != fields {
			t.Fatalf("%s: %q has %d fields, want %d", path, line, len(rec), fields)
		}
		rows = append(rows, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return rows
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// degMeters approximates the ground distance between two nearby points in
// degrees, for tolerance checks.
func degMeters(a, b orb.Point) float64 {
	dy := (a[1] - b[1]) * 111320
	dx := (a[0] - b[0]) * 111320 * math.Cos(a[1]*deg)
	return math.Hypot(dx, dy)
}
