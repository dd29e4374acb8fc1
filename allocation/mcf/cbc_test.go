package mcf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

const cbcPath = "/usr/bin/cbc"

// cbcResult is what CBC reports for an LP: the first word of its solution
// file ("Optimal", "Infeasible", "Unbounded", …) and the objective.
type cbcResult struct {
	status string
	obj    float64
}

// parseCBCSolution reads the solution file written by
// "cbc in.lp solve solu out.txt". Its first line is e.g.
// "Optimal - objective value 123.00000000"; column lines follow.
func parseCBCSolution(r io.Reader) (cbcResult, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return cbcResult{}, fmt.Errorf("cbc solution: %w", err)
		}
		return cbcResult{}, errors.New("cbc solution: empty file")
	}
	line := strings.TrimSpace(sc.Text())
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return cbcResult{}, errors.New("cbc solution: blank status line")
	}
	res := cbcResult{status: fields[0]}
	const marker = "objective value"
	i := strings.Index(line, marker)
	if i < 0 {
		return res, fmt.Errorf("cbc solution: no objective in %q", line)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line[i+len(marker):]), 64)
	if err != nil {
		return res, fmt.Errorf("cbc solution: objective in %q: %w", line, err)
	}
	res.obj = v
	return res, nil
}

// runCBC writes g as an LP into dir, solves it with CBC and returns CBC's
// answer.
func runCBC(t *testing.T, dir, name string, g *Graph) cbcResult {
	t.Helper()
	lp := filepath.Join(dir, name+".lp")
	sol := filepath.Join(dir, name+".sol")
	f, err := os.Create(lp)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLP(f, g); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(cbcPath, lp, "solve", "solu", sol).CombinedOutput()
	if err != nil {
		t.Fatalf("cbc: %v\n%s", err, out)
	}
	sf, err := os.Open(sol)
	if err != nil {
		t.Fatalf("cbc wrote no solution: %v\n%s", err, out)
	}
	defer sf.Close()
	res, err := parseCBCSolution(sf)
	if err != nil && res.status == "Optimal" {
		t.Fatalf("%v\n%s", err, out)
	}
	return res
}

// TestAgainstCBC compares the network simplex with CBC (an independent
// simplex LP code) on random instances of every family, sizes up to a few
// hundred nodes: transportation with an unplaced big-M node, general
// networks with negative costs, degenerate ones (equal and zero costs, zero
// supplies, parallel arcs, capacities equal to supplies), short-capacity
// transportation (must be infeasible for both), and unbounded ones. Status
// must agree, objectives within 1e-6 relative, and every optimal flow must
// pass the primal-dual certificate.
func TestAgainstCBC(t *testing.T) {
	if _, err := os.Stat(cbcPath); err != nil {
		t.Skipf("CBC not installed at %s (Debian package coinor-cbc): %v", cbcPath, err)
	}
	sizes := []int{6, 25, 90, 300}
	seeds := uint64(4)
	if testing.Short() {
		sizes, seeds = []int{6, 40, 150}, 2
	}
	dir := t.TempDir()
	count := 0
	tally := map[Status]int{}
	for _, kind := range []genKind{genTransport, genGeneral, genDegenerate, genShort, genNegDAG} {
		for _, n := range sizes {
			for seed := range seeds {
				in := genInstance(kind, n, seed+100)
				name := describe(kind, n, seed+100)
				t.Run(name, func(t *testing.T) {
					tally[compareCBC(t, dir, strings.ReplaceAll(name, "/", "_"), in, NotSolved)]++
				})
				count++
			}
		}
	}
	// Unbounded: a feasible general network plus an uncapacitated
	// negative cycle.
	for seed := range seeds * 2 {
		in := genInstance(genGeneral, 30, seed+200)
		if st, _, err := refSolve(in); err != nil || st != Optimal {
			continue
		}
		u, v := int(seed)%in.n, (int(seed)+7)%in.n
		in.addArc(u, v, Inf, -5)
		in.addArc(v, u, Inf, 2)
		name := fmt.Sprintf("unbounded_s%d", seed)
		t.Run(name, func(t *testing.T) { tally[compareCBC(t, dir, name, in, Unbounded)]++ })
		count++
	}
	t.Logf("compared %d instances with CBC: %d optimal, %d infeasible, %d unbounded",
		count, tally[Optimal], tally[Infeasible], tally[Unbounded])
	if !testing.Short() && (tally[Optimal] < 30 || tally[Infeasible] < 8 || tally[Unbounded] < 2) {
		t.Errorf("instance mix too narrow: %v", tally)
	}
}

// compareCBC solves in with both solvers and compares. want, when not
// NotSolved, is the status both must report.
func compareCBC(t *testing.T, dir, name string, in *instance, want Status) Status {
	t.Helper()
	g := in.graph()
	st, err := g.Solve(context.Background())
	if err != nil {
		t.Fatalf("Solve: %v", err)
	}
	if want != NotSolved && st != want {
		t.Fatalf("status %v, want %v", st, want)
	}
	res := runCBC(t, dir, name, g)
	switch st {
	case Optimal:
		if res.status != "Optimal" {
			t.Fatalf("mcf optimal (cost %d), CBC %q", g.TotalCost(), res.status)
		}
		want := float64(g.TotalCost())
		if diff := math.Abs(res.obj - want); diff > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("cost %d, CBC %.6f", g.TotalCost(), res.obj)
		}
		if err := checkCertificate(in, g); err != nil {
			t.Fatalf("certificate: %v", err)
		}
	case Infeasible:
		if res.status != "Infeasible" {
			t.Fatalf("mcf infeasible, CBC %q (objective %v)", res.status, res.obj)
		}
	case Unbounded:
		if res.status != "Unbounded" {
			t.Fatalf("mcf unbounded, CBC %q", res.status)
		}
	default:
		t.Fatalf("unexpected status %v", st)
	}
	return st
}

// TestWriteLPGolden pins the LP text of a small instance with every
// feature: parallel arcs, a self-loop, an uncapacitated arc, a negative
// cost, zero capacity and an isolated node. Run with -update to rewrite.
func TestWriteLPGolden(t *testing.T) {
	g := NewGraph(5, 0)
	g.AddArc(0, 1, 10, 3)
	g.AddArc(0, 1, 4, 3)
	g.AddArc(1, 2, Inf, -2)
	g.AddArc(2, 2, 5, 1)
	g.AddArc(0, 2, 0, 7)
	g.SetSupply(0, 6)
	g.SetSupply(2, -6)
	var buf bytes.Buffer
	if err := WriteLP(&buf, g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "small.lp")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestWriteLPGolden -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteLP output differs from %s:\n%s", path, buf.Bytes())
	}
	bad := NewGraph(1, 0)
	bad.AddArc(0, 3, 1, 1)
	if err := WriteLP(io.Discard, bad); !errors.Is(err, ErrInput) {
		t.Errorf("WriteLP of an invalid graph: %v, want ErrInput", err)
	}
}

// TestParseCBCSolution pins the parser on the lines CBC writes.
func TestParseCBCSolution(t *testing.T) {
	tests := []struct {
		in      string
		status  string
		obj     float64
		wantErr bool
	}{
		{"Optimal - objective value 123.00000000\n      0 x0   1   0\n", "Optimal", 123, false},
		{"Infeasible - objective value 0.00000000\n", "Infeasible", 0, false},
		{"Unbounded - objective value -1e+30\n", "Unbounded", -1e30, false},
		{"Stopped on time - objective value 7.5\n", "Stopped", 7.5, false},
		{"", "", 0, true},
		{"   \n", "", 0, true},
		{"Optimal\n", "Optimal", 0, true},
		{"Optimal - objective value abc\n", "Optimal", 0, true},
	}
	for _, tc := range tests {
		got, err := parseCBCSolution(strings.NewReader(tc.in))
		if (err != nil) != tc.wantErr || got.status != tc.status || got.obj != tc.obj {
			t.Errorf("parse(%q) = %+v, %v; want %s %v err=%v", tc.in, got, err, tc.status, tc.obj, tc.wantErr)
		}
	}
}

// FuzzParseCBCSolution: the parser never panics and a nil error always
// comes with a status word and a finite-or-infinite parsed objective.
func FuzzParseCBCSolution(f *testing.F) {
	f.Add("Optimal - objective value 123.00000000\n")
	f.Add("Infeasible - objective value 0\n")
	f.Add("objective value")
	f.Fuzz(func(t *testing.T, s string) {
		res, err := parseCBCSolution(strings.NewReader(s))
		if err == nil && res.status == "" {
			t.Fatalf("nil error without status for %q", s)
		}
	})
}

var cityCBC = flag.Bool("city-cbc", false, "also compare the 200k-arc city instance with CBC (slow)")

// TestCityCertificate solves the 200k-arc city benchmark instance and checks
// its primal-dual certificate; with -city-cbc it also compares the optimum
// with CBC's.
func TestCityCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("city-sized instance skipped in -short mode")
	}
	in := cityInstance(12500, 250, 16, 2)
	g := in.graph()
	st, err := g.Solve(context.Background())
	if err != nil || st != Optimal {
		t.Fatalf("Solve: %v, %v", st, err)
	}
	if err := checkCertificate(in, g); err != nil {
		t.Fatal(err)
	}
	if !*cityCBC {
		return
	}
	if _, err := os.Stat(cbcPath); err != nil {
		t.Skipf("CBC not installed at %s: %v", cbcPath, err)
	}
	res := runCBC(t, t.TempDir(), "city", g)
	if res.status != "Optimal" || math.Abs(res.obj-float64(g.TotalCost())) > 1e-6*math.Abs(float64(g.TotalCost())) {
		t.Fatalf("mcf %d, CBC %s %.3f", g.TotalCost(), res.status, res.obj)
	}
	t.Logf("city: mcf %d = CBC %.0f", g.TotalCost(), res.obj)
}
