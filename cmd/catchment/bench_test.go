package main

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/demo"
)

// The golden file testdata/bench.golden is rewritten with -update (the
// flag is shared with the package's other golden tests).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func benchTestUpdate() bool {
	if g, ok := flag.Lookup("update").Value.(flag.Getter); ok {
		b, _ := g.Get().(bool)
		return b
	}
	return false
}

// benchTestJSON runs `catchment bench --json` with args in-process and
// decodes its result.
func benchTestJSON(t *testing.T, args ...string) *benchResult {
	t.Helper()
	code, stdout, stderr := demoTestRun(t, append([]string{"bench", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("bench %v: exit %d\n%s", args, code, stderr)
	}
	var res benchResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("bench --json output: %v\n%s", err, stdout)
	}
	return &res
}

func TestBenchCommandWholeRun(t *testing.T) {
	res := benchTestJSON(t, "--pupils", "20000", "--seed", "3", "--stability", "0,500", "--lookups", "3000")
	if res.Schools == 0 || res.Units == 0 || res.Pupils == 0 {
		t.Fatalf("empty city: %+v", res)
	}
	wantPhases := []string{"generate", "prepare (cells + adjacency)", "solve (both)", "evaluate today's zoning",
		"zone polygons (both stages)", "look-up index"}
	if len(res.Phases) != len(wantPhases) {
		t.Fatalf("phases %+v, want %v", res.Phases, wantPhases)
	}
	for i, p := range res.Phases {
		if p.Name != wantPhases[i] || p.WallSeconds < 0 || p.CPUSeconds < 0 {
			t.Errorf("phase %d = %+v, want %q with non-negative times", i, p, wantPhases[i])
		}
		if runtime.GOOS == "linux" && p.PeakRSSMB <= 0 {
			t.Errorf("phase %s: no peak RSS on linux", p.Name)
		}
	}
	if !strings.HasPrefix(res.Adjacency, "geo/cells") {
		t.Errorf("adjacency %q, want geo/cells", res.Adjacency)
	}
	if len(res.Stages) != 2 {
		t.Fatalf("stages %+v, want primary and junior", res.Stages)
	}
	pupils, currentOver := 0, 0
	for _, s := range res.Stages {
		e := s.Engine
		pupils += e.Pupils
		if e.PupilsOverCapacity != 0 {
			t.Errorf("%s: engine plan has %d pupils over capacity", s.Stage, e.PupilsOverCapacity)
		}
		if e.LowerBoundM <= 0 || e.TotalDistanceM < e.LowerBoundM*(1-1e-9) {
			t.Errorf("%s: distance %.1f below lower bound %.1f", s.Stage, e.TotalDistanceM, e.LowerBoundM)
		}
		if len(s.Steps) == 0 || s.Steps[0].Step != "candidates" {
			t.Errorf("%s: solver steps %+v, want candidates first", s.Stage, s.Steps)
		}
		if s.Current == nil {
			t.Fatalf("%s: no figures for today's zoning", s.Stage)
		}
		if s.Current.Pupils != e.Pupils || s.Current.ReassignedPupils != 0 {
			t.Errorf("%s: today's zoning %+v vs engine %+v", s.Stage, *s.Current, e)
		}
		currentOver += s.Current.PupilsOverCapacity
	}
	if pupils != res.Pupils {
		t.Errorf("stage pupils sum to %d, city has %d", pupils, res.Pupils)
	}
	if currentOver == 0 {
		t.Error("the hand-drawn zoning (nearest school, seats ignored) should put pupils over capacity in the crowded core")
	}
	l := res.Lookup
	if l == nil || l.Points != 3000 || l.Inside <= 0 || l.Inside > l.Points || l.PerSecond <= 0 {
		t.Errorf("look-ups %+v", l)
	}
	// today + the two charges; the 0 row is the main plan itself.
	if len(res.Stability) != 3 || !res.Stability[0].Current || res.Stability[1].StabilityM != 0 || res.Stability[2].StabilityM != 500 {
		t.Fatalf("stability rows %+v", res.Stability)
	}
	var mainDist float64
	for _, s := range res.Stages {
		mainDist += s.Engine.TotalDistanceM
	}
	if d := res.Stability[1].TotalDistanceM; math.Abs(d-mainDist) > 1e-6*mainDist {
		t.Errorf("stability 0 distance %.1f, main plan %.1f", d, mainDist)
	}
	if res.Stability[0].ReassignedPupils != 0 || res.Stability[0].OverCapacity != currentOver {
		t.Errorf("today's row %+v", res.Stability[0])
	}
	for _, r := range res.Stability[1:] {
		if r.OverCapacity != 0 {
			t.Errorf("stability %g m: %d pupils over capacity", r.StabilityM, r.OverCapacity)
		}
	}
}

// TestBenchCommandDeterministic: every figure but the timings is a function
// of the flags. (The city is big enough for the solver to skip its exact
// search, whose time budget could bind on a starved machine; the local
// search's 3 s budget is far from binding at this size.)
func TestBenchCommandDeterministic(t *testing.T) {
	args := []string{"--pupils", "20000", "--seed", "11", "--lookups", "500"}
	a, b := benchTestJSON(t, args...), benchTestJSON(t, args...)
	if a.Schools != b.Schools || a.Units != b.Units || a.Pupils != b.Pupils {
		t.Errorf("cities differ: %d/%d/%d vs %d/%d/%d", a.Schools, a.Units, a.Pupils, b.Schools, b.Units, b.Pupils)
	}
	for i := range a.Stages {
		ca, cb := *a.Stages[i].Current, *b.Stages[i].Current
		if ca != cb {
			t.Errorf("%s: today's zoning evaluates to %+v, then %+v", a.Stages[i].Stage, ca, cb)
		}
		if ea, eb := a.Stages[i].Engine, b.Stages[i].Engine; ea != eb {
			t.Errorf("%s: engine plan %+v, then %+v", a.Stages[i].Stage, ea, eb)
		}
	}
	if a.Lookup.Inside != b.Lookup.Inside {
		t.Errorf("look-ups inside: %d vs %d", a.Lookup.Inside, b.Lookup.Inside)
	}
}

func TestBenchCommandOneStage(t *testing.T) {
	res := benchTestJSON(t, "--pupils", "20000", "--stages", "junior", "--lookups", "0")
	if len(res.Stages) != 1 || res.Stages[0].Stage != "junior" {
		t.Fatalf("stages %+v, want junior only", res.Stages)
	}
	if res.Stages[0].Engine.Pupils != res.Pupils || res.Pupils == 0 {
		t.Errorf("junior pupils %d, city %d", res.Stages[0].Engine.Pupils, res.Pupils)
	}
	if res.Lookup != nil {
		t.Errorf("--lookups 0 still timed look-ups: %+v", res.Lookup)
	}
	city, err := demo.Generate(demo.Config{Pupils: 20000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	ds := onlyStages(&city.Dataset, []data.Stage{data.Junior})
	for i := range ds.Units {
		if ds.Units[i].Pupils[data.Primary] != 0 || ds.Units[i].Pupils[data.Junior] != city.Dataset.Units[i].Pupils[data.Junior] {
			t.Fatalf("unit %d: %v vs original %v", i, ds.Units[i].Pupils, city.Dataset.Units[i].Pupils)
		}
	}
	total := 0
	for i := range city.Dataset.Units {
		total += city.Dataset.Units[i].Pupils[data.Primary]
	}
	if total == 0 {
		t.Fatal("onlyStages modified the original dataset")
	}
}

func TestBenchCommandUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"stability not a number", []string{"--stability", "0,abc"}},
		{"negative stability", []string{"--stability", "-5"}},
		{"infinite stability", []string{"--stability", "Inf"}},
		{"unknown stage", []string{"--stages", "middle"}},
		{"bad cbc size", []string{"--cbc", "--cbc-sizes", "20000,0"}},
		{"negative lookups", []string{"--lookups", "-1"}},
		{"stray argument", []string{"extra"}},
		{"unknown flag", []string{"--nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := demoTestRun(t, append([]string{"bench"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (usage)\n%s", code, stderr)
			}
		})
	}
	if code, _, _ := demoTestRun(t, "bench", "--pupils", "10"); code != 1 {
		t.Errorf("too small a city: exit %d, want 1", code)
	}
	if code, _, _ := demoTestRun(t, "bench", "-h"); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}

func TestParseLists(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []float64
		wantErr bool
	}{
		{"", nil, false},
		{" ", nil, false},
		{"0", []float64{0}, false},
		{"0, 200 ,1000", []float64{0, 200, 1000}, false},
		{"1.5e2", []float64{150}, false},
		{"0,,1", nil, true},
		{"-1", nil, true},
		{"NaN", nil, true},
		{"x", nil, true},
	} {
		got, err := parseFloatList(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && !slices.Equal(got, tc.want)) {
			t.Errorf("parseFloatList(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"20000", []int{20000}, false},
		{"20000, 50000", []int{20000, 50000}, false},
		{"", nil, true},
		{"0", nil, true},
		{"-3", nil, true},
		{"1e5", nil, true},
	} {
		got, err := parseIntList(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && !slices.Equal(got, tc.want)) {
			t.Errorf("parseIntList(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestProcField(t *testing.T) {
	status := "Name:\tcatchment\nVmPeak:\t  123456 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 10000 kB\n"
	for _, tc := range []struct {
		key  string
		want float64
	}{
		{"VmHWM:", 20480},
		{"VmPeak:", 123456},
		{"VmSwap:", 0},
		{"Name:", 0},
	} {
		if got := procField(strings.NewReader(status), tc.key); got != tc.want {
			t.Errorf("procField(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestParseCBCStatus(t *testing.T) {
	for _, tc := range []struct {
		in      string
		status  string
		obj     float64
		wantErr bool
	}{
		{"Optimal - objective value 1234.50000000\n      0 x0   1   0\n", "Optimal", 1234.5, false},
		{"Infeasible - objective value 0.00000000\n", "Infeasible", 0, false},
		{"Stopped on time - objective value 99\n", "Stopped", 99, false},
		{"", "", 0, true},
		{"Optimal\n", "Optimal", 0, true},
		{"Optimal - objective value abc\n", "Optimal", 0, true},
	} {
		st, obj, err := parseCBCStatus(strings.NewReader(tc.in))
		if (err != nil) != tc.wantErr || st != tc.status || (!tc.wantErr && obj != tc.obj) {
			t.Errorf("parseCBCStatus(%q) = %q, %v, %v; want %q, %v (error %v)", tc.in, st, obj, err, tc.status, tc.obj, tc.wantErr)
		}
	}
}

func FuzzParseCBCStatus(f *testing.F) {
	f.Add("Optimal - objective value 1234.5\n")
	f.Add("Infeasible - objective value 0\n")
	f.Add("objective value")
	f.Fuzz(func(t *testing.T, s string) {
		st, obj, err := parseCBCStatus(strings.NewReader(s))
		if err == nil && (st == "" || strings.ContainsAny(st, " \n")) {
			t.Errorf("parseCBCStatus(%q) accepted status %q (objective %v)", s, st, obj)
		}
	})
}

func FuzzParseFloatList(f *testing.F) {
	f.Add("0,200,1000")
	f.Add("")
	f.Add("-1,NaN")
	f.Fuzz(func(t *testing.T, s string) {
		vs, err := parseFloatList(s)
		if err != nil {
			return
		}
		for _, v := range vs {
			if !(v >= 0) || math.IsInf(v, 0) {
				t.Errorf("parseFloatList(%q) accepted %v", s, v)
			}
		}
	})
}

// TestLPRelaxationMatchesBound: the relaxation sent to CBC, after column
// generation, is the relaxation over all schools, so its optimum equals the
// solver's certified lower bound (up to the decimetre cost grid: 5 cm per
// pupil). This cross-checks the solver's bound with an independent pricing
// loop.
func TestLPRelaxationMatchesBound(t *testing.T) {
	ctx := context.Background()
	city, err := demo.Generate(demo.Config{Pupils: 20000, Seed: 5, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	pol := allocation.DefaultPolicy()
	prep, err := pipeline.Prepare(ctx, &city.Dataset, city.Boundary, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := prep.Solve(ctx, pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range data.Stages {
		r, err := newLPRelaxation(ctx, &city.Dataset, pol, st)
		if err != nil || r == nil {
			t.Fatalf("%s: relaxation %v, %v", st, r, err)
		}
		before := r.graph().NumArcs()
		g, err := r.solve(ctx)
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if g.NumArcs() < before || r.rounds < 1 {
			t.Errorf("%s: %d arcs after %d rounds, %d before", st, g.NumArcs(), r.rounds, before)
		}
		obj := float64(g.TotalCost()) / lpCostScale
		if obj >= lpUnplacedMeters {
			t.Fatalf("%s: relaxation leaves pupils unplaced (objective %.0f) although seats suffice", st, obj)
		}
		lb := plan.Stages[st].LowerBound
		tol := 0.05*float64(plan.Report.Stages[st.String()].Pupils) + 1e-6*lb
		if lb <= 0 || math.Abs(obj-lb) > tol {
			t.Errorf("%s: relaxation optimum %.1f, solver's lower bound %.1f (tolerance %.1f)", st, obj, lb, tol)
		}
	}
}

func TestBenchCBC(t *testing.T) {
	if _, err := os.Stat(cbcBinary); err != nil {
		t.Skipf("coinor-cbc is not installed (%s missing): skipping the CBC comparison; .ci/run installs it", cbcBinary)
	}
	res := benchTestJSON(t, "--pupils", "20000", "--lookups", "0", "--cbc", "--cbc-sizes", "20000,25000")
	if len(res.CBC) != 4 {
		t.Fatalf("cbc rows %+v, want 2 sizes × 2 stages", res.CBC)
	}
	for _, r := range res.CBC {
		if r.CBCStatus != "Optimal" {
			t.Errorf("%d %s: cbc status %q", r.Pupils, r.Stage, r.CBCStatus)
		}
		if math.Abs(r.ObjectiveRatio-1) > 1e-6 {
			t.Errorf("%d %s: CBC objective %.3f vs ours %.3f", r.Pupils, r.Stage, r.CBCObjective, r.OursObjective)
		}
		if r.Arcs <= r.Units || r.OursSeconds <= 0 || r.CBCSeconds <= 0 || r.PlanDistanceM <= 0 {
			t.Errorf("%d %s: row %+v", r.Pupils, r.Stage, r)
		}
	}
}

// TestPrintBenchGolden pins the text layout of `catchment bench` on a fixed
// result (timings are not reproducible, so the golden uses made-up ones).
func TestPrintBenchGolden(t *testing.T) {
	fig := func(p int, d, lb float64, over int) benchStageFigures {
		return benchStageFigures{Pupils: p, PlacedInZone: p - over, NearZoneRatio: float64(p-over) / float64(p),
			TotalDistanceM: d, MeanDistanceM: d / float64(p), LowerBoundM: lb, OptimalityGap: d/lb - 1,
			PupilsOverCapacity: over, ReassignedPupils: 7}
	}
	cur := fig(1000, 900e3, 0, 120)
	res := &benchResult{
		Command: "catchment bench --pupils 2000 --stability 0,200",
		Options: benchOptions{Pupils: 2000, Seed: 7, Stages: "both"},
		Machine: benchMachine{CPUModel: "Test CPU", NumCPU: 2, GOMAXPROCS: 2, MemTotalMB: 4096, GoVersion: "go1.26",
			OSArch: "linux/amd64", LoadAvgStart: "1.00 0.50 0.25", LoadAvgEnd: "1.10 0.60 0.30"},
		Schools: 2, Units: 100, Pupils: 2000, Adjacency: "geo/cells (100 cells)",
		Phases: []benchPhase{{"generate", 0.5, 0.4, 20}, {"solve (both)", 1.25, 2.5, 60}},
		Stages: []benchStage{
			{Stage: "primary", Engine: fig(1000, 1000e3, 995e3, 0), Current: &cur,
				Steps: []benchStep{{"candidates", 0}, {"relaxation", 0.25}}},
			{Stage: "junior", Engine: fig(1000, 2000e3, 1990e3, 0)},
		},
		Lookup: &benchLookup{Points: 1000, Inside: 900, WallSeconds: 0.004, CPUSeconds: 0.002, PerSecond: 250000,
			PerCPUSecond: 500000, NanosPerQuery: 4000},
		Stability: []benchStability{
			{Current: true, Stages: map[string]benchStageFigures{"primary": cur, "junior": cur}, TotalDistanceM: 1800e3, OverCapacity: 240},
			{StabilityM: 200, Stages: map[string]benchStageFigures{"primary": fig(1000, 1000e3, 995e3, 0), "junior": fig(1000, 2000e3, 1990e3, 0)},
				TotalDistanceM: 3000e3, ReassignedPupils: 14, SolveSeconds: 1.5},
		},
		CBC: []benchCBC{{Pupils: 20000, Stage: "primary", Units: 900, Arcs: 15000, Rounds: 3, ColGenSeconds: 0.03, ColGenCPUSeconds: 0.02, OursSeconds: 0.01, OursObjective: 1000e3,
			CBCStatus: "Optimal", OursCPUSeconds: 0.01, CBCSeconds: 1, CBCCPUSeconds: 0.9, CBCObjective: 1000e3, TimeRatio: 100, ObjectiveRatio: 1,
			PlanDistanceM: 1005e3, PlanLowerBoundM: 1000e3, PlanOverLP: 1.005, SolveSeconds: 0.5}},
	}
	var b strings.Builder
	printBench(&b, res)
	golden := filepath.Join("testdata", "bench.golden")
	if benchTestUpdate() {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("printBench output differs from %s (run with -update if intended):\n%s", golden, b.String())
	}
}
