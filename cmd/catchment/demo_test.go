package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// demoTestRun runs the CLI in-process and returns the exit code and output.
func demoTestRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errb, log: slog.New(slog.NewTextHandler(&errb, nil))}
	code = runMain(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func demoTestFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestDemoCommandDeterministic(t *testing.T) {
	var runs []map[string][]byte
	for range 2 {
		dir := filepath.Join(t.TempDir(), "city")
		code, stdout, stderr := demoTestRun(t, "demo", "--out", dir, "--pupils", "5000", "--seed", "3", "--households")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "demo city in") || !strings.Contains(stdout, "5 schools") {
			t.Errorf("stdout %q", stdout)
		}
		runs = append(runs, demoTestFiles(t, dir))
	}
	var names []string
	for n := range runs[0] {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"boundary.geojson", "candidates.csv", "current.csv", "households.csv", "schools.csv", "streets.osm", "units.geojson"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	for _, n := range names {
		if len(runs[0][n]) == 0 || !bytes.Equal(runs[0][n], runs[1][n]) {
			t.Errorf("%s is empty or differs between runs", n)
		}
	}
}

func TestDemoCommandNoStreets(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := demoTestRun(t, "demo", "--out", dir, "--pupils", "3000", "--streets=false"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files := demoTestFiles(t, dir)
	if _, ok := files["streets.osm"]; ok {
		t.Error("streets.osm written with --streets=false")
	}
	if _, ok := files["schools.csv"]; !ok {
		t.Error("schools.csv missing")
	}
}

func TestDemoCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing out", []string{"demo", "--pupils", "3000"}, 2, "--out is required"},
		{"too few pupils", []string{"demo", "--out", dir, "--pupils", "10"}, 1, "pupils 10 outside"},
		{"too few schools", []string{"demo", "--out", dir, "--pupils", "20000", "--schools", "2"}, 1, "too few"},
		{"bad flag", []string{"demo", "--out", dir, "--nope"}, 2, "flag provided but not defined"},
		{"extra argument", []string{"demo", "--out", dir, "extra"}, 2, "unexpected arguments"},
		{"help", []string{"demo", "-h"}, 0, "usage: catchment demo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := demoTestRun(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}
