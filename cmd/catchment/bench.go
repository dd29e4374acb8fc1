package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/mcf"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/demo"
	"catchment/geo"
	"catchment/geo/roads"
)

func init() {
	register(command{name: "bench", summary: "time a whole run on the demo city: generate, prepare, solve, polygons, look-ups (+ stability, CBC)", run: runBench})
}

// cbcBinary is the CBC executable the --cbc comparison runs (Debian
// coinor-cbc).
var cbcBinary = "/usr/bin/cbc"

// benchOptions are the flags of `catchment bench`.
type benchOptions struct {
	Pupils     int           `json:"pupils"`
	Seed       int64         `json:"seed"`
	Stages     string        `json:"stages"`
	Stability  []float64     `json:"stability_m,omitempty"`
	Lookups    int           `json:"lookups"`
	CBC        bool          `json:"cbc"`
	CBCSizes   []int         `json:"cbc_sizes,omitempty"`
	CBCTimeout time.Duration `json:"cbc_timeout_ns,omitempty"`
	// Walking zones the city by walking distance on its own streets
	// (issue 7), with the default road options.
	Walking bool `json:"walking,omitempty"`
}

// benchMachine describes where a benchmark ran, for BENCHMARKS.md.
type benchMachine struct {
	CPUModel   string `json:"cpu_model"`
	NumCPU     int    `json:"nproc"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	MemTotalMB int    `json:"mem_total_mb"`
	GoVersion  string `json:"go_version"`
	OSArch     string `json:"os_arch"`
	// LoadAvgStart and LoadAvgEnd are /proc/loadavg's 1/5/15-minute
	// averages when the run started and ended (other processes' load).
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
}

// benchPhase is one timed phase. CPUSeconds is user+system time of the
// whole process (all threads) during the phase (getrusage); PeakRSSMB is the
// process's peak resident set (VmHWM) at the end of the phase, i.e. the
// peak so far.
type benchPhase struct {
	Name        string  `json:"name"`
	WallSeconds float64 `json:"wall_s"`
	CPUSeconds  float64 `json:"cpu_s"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
}

// benchStageFigures are the report figures of one stage of one plan.
type benchStageFigures struct {
	Pupils         int     `json:"pupils"`
	PlacedInZone   int     `json:"placed_in_zone"`
	Overflow       int     `json:"overflow"`
	Unplaced       int     `json:"unplaced"`
	NearZoneRatio  float64 `json:"near_zone_ratio"`
	TotalDistanceM float64 `json:"total_distance_m"`
	MeanDistanceM  float64 `json:"mean_distance_m"`
	LowerBoundM    float64 `json:"lower_bound_m"`
	// ObjectiveM is what the solver minimised (the distance plus a road
	// network's penalties); the gap is ObjectiveM / LowerBoundM − 1.
	ObjectiveM    float64 `json:"objective_m"`
	OptimalityGap float64 `json:"optimality_gap"`
	// BarrierPupils cross a river, railway or motorway on the way to their
	// zone school (walking only).
	BarrierPupils      int `json:"barrier_crossing_pupils,omitempty"`
	PupilsOverCapacity int `json:"pupils_over_capacity"`
	SchoolsOverCap     int `json:"schools_over_capacity"`
	ZonesNoncontiguous int `json:"zones_noncontiguous"`
	ReassignedPupils   int `json:"reassigned_pupils"`
}

// benchStep is the time (seconds since the solve started) at which a stage
// entered a solver step, from allocation.Progress.
type benchStep struct {
	Step string  `json:"step"`
	At   float64 `json:"at_s"`
}

// benchStage compares the engine's plan of one stage with today's zoning.
type benchStage struct {
	Stage   string             `json:"stage"`
	Engine  benchStageFigures  `json:"engine"`
	Current *benchStageFigures `json:"current,omitempty"`
	Steps   []benchStep        `json:"steps"`
}

// benchLookup is the look-up measurement: Points random points of the
// units' bounding box answered by allocation.Lookup.At on one goroutine.
type benchLookup struct {
	Points        int     `json:"points"`
	Inside        int     `json:"inside"`
	WallSeconds   float64 `json:"wall_s"`
	CPUSeconds    float64 `json:"cpu_s"`
	PerSecond     float64 `json:"per_s"`
	PerCPUSecond  float64 `json:"per_cpu_s"`
	NanosPerQuery float64 `json:"ns_per_lookup"`
}

// benchStability is one row of the stability table: the plan solved with
// Policy.Solver.StabilityMeters = StabilityM.
type benchStability struct {
	StabilityM float64 `json:"stability_m"`
	// Current marks the row of today's hand-drawn zoning itself.
	Current          bool                         `json:"current,omitempty"`
	Stages           map[string]benchStageFigures `json:"stages"`
	TotalDistanceM   float64                      `json:"total_distance_m"`
	ReassignedPupils int                          `json:"reassigned_pupils"`
	OverCapacity     int                          `json:"pupils_over_capacity"`
	SolveSeconds     float64                      `json:"solve_s"`
}

// benchCBC compares CBC with our network simplex on one stage's
// transportation relaxation at one city size (identical LP), and with the
// whole-unit plan the engine makes at that size.
type benchCBC struct {
	Pupils int    `json:"city_pupils"`
	Stage  string `json:"stage"`
	Units  int    `json:"units"`
	// Arcs of the final LP, after Rounds rounds of column generation.
	Arcs   int `json:"arcs"`
	Rounds int `json:"rounds"`
	// ColGen: our column generation from the k-nearest rows to the final
	// arcs (rebuilding and re-solving the graph each round, no warm start).
	ColGenSeconds    float64 `json:"colgen_s"`
	ColGenCPUSeconds float64 `json:"colgen_cpu_s"`
	// Ours: our network simplex on the final LP, the very LP CBC solves.
	OursSeconds    float64 `json:"ours_s"`
	OursCPUSeconds float64 `json:"ours_cpu_s"`
	OursObjective  float64 `json:"ours_objective_m"`
	// CBC: wall and CPU time of the cbc process, excluding writing the LP.
	CBCStatus     string  `json:"cbc_status"`
	CBCSeconds    float64 `json:"cbc_s"`
	CBCCPUSeconds float64 `json:"cbc_cpu_s"`
	CBCObjective  float64 `json:"cbc_objective_m"`
	// TimeRatio = CBC wall / ours wall; ObjectiveRatio = CBC / ours.
	TimeRatio      float64 `json:"time_ratio"`
	ObjectiveRatio float64 `json:"objective_ratio"`
	// PlanDistanceM is the total distance of the engine's whole-unit plan
	// of the stage (allocation.Solve, contiguity on); PlanOverLP its ratio
	// to CBC's LP optimum.
	PlanDistanceM float64 `json:"plan_distance_m"`
	// PlanLowerBoundM is the solver's certified lower bound of the stage,
	// which should equal CBC's LP optimum (up to the decimetre cost grid).
	PlanLowerBoundM float64 `json:"plan_lower_bound_m"`
	PlanOverLP      float64 `json:"plan_over_cbc_lp"`
	SolveSeconds    float64 `json:"solve_s"`
}

// benchResult is everything `catchment bench` measures; --json prints it.
type benchResult struct {
	Command   string           `json:"command"`
	Options   benchOptions     `json:"options"`
	Machine   benchMachine     `json:"machine"`
	Schools   int              `json:"schools"`
	Units     int              `json:"units"`
	Pupils    int              `json:"pupils"`
	Adjacency string           `json:"adjacency"`
	Metric    string           `json:"metric"`
	Phases    []benchPhase     `json:"phases"`
	Stages    []benchStage     `json:"stages"`
	Lookup    *benchLookup     `json:"lookup,omitempty"`
	Stability []benchStability `json:"stability,omitempty"`
	CBC       []benchCBC       `json:"cbc,omitempty"`
}

// runBench is `catchment bench`: a whole run on the in-memory demo city,
// printed as tables (or JSON with --json). Every figure but the timings is
// a deterministic function of the flags.
func runBench(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "bench", "[--pupils N] [--seed S] [--stages both|primary|junior] [--lookups N] [--stability 0,200,1000] [--cbc [--cbc-sizes 20000,50000] [--cbc-timeout 5m]] [--json]")
	var o benchOptions
	fs.IntVar(&o.Pupils, "pupils", demo.DefaultPupils, fmt.Sprintf("demo city size in pupils, both stages (%d to %d)", demo.MinPupils, demo.MaxPupils))
	fs.Int64Var(&o.Seed, "seed", 7, "demo city seed (everything is deterministic per seed)")
	fs.StringVar(&o.Stages, "stages", "both", "stages to solve: both, primary or junior")
	fs.IntVar(&o.Lookups, "lookups", 1_000_000, "random look-ups to time on one goroutine (0: skip)")
	stability := fs.String("stability", "", "comma-separated stability charges in metres (e.g. 0,200,1000): re-solve with each and print distance vs reassigned pupils")
	fs.BoolVar(&o.Walking, "walking", false, "zone by walking distance on the demo city's own streets (a ~1M-node graph at 1M pupils; needs ~1 GB)")
	fs.BoolVar(&o.CBC, "cbc", false, "compare with CBC ("+cbcBinary+") on the transportation relaxation at increasing city sizes")
	cbcSizes := fs.String("cbc-sizes", "20000,50000,100000,200000,500000,1000000", "comma-separated city sizes (pupils) for --cbc, smallest first")
	fs.DurationVar(&o.CBCTimeout, "cbc-timeout", 5*time.Minute, "stop --cbc at the first size where one CBC run takes longer than this")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if o.Stability, err = parseFloatList(*stability); err != nil {
		fmt.Fprintf(env.stderr, "bench: --stability: %v\n", err)
		return errUsage
	}
	if o.CBC {
		if o.CBCSizes, err = parseIntList(*cbcSizes); err != nil || len(o.CBCSizes) == 0 {
			fmt.Fprintf(env.stderr, "bench: --cbc-sizes: want comma-separated pupil counts: %v\n", err)
			return errUsage
		}
	}
	if _, err := benchStages(o.Stages); err != nil {
		fmt.Fprintf(env.stderr, "bench: --stages: %v\n", err)
		return errUsage
	}
	if o.Lookups < 0 {
		fmt.Fprintln(env.stderr, "bench: --lookups must not be negative")
		return errUsage
	}
	res, err := runBenchmarks(ctx, env, o)
	if err != nil {
		return err
	}
	res.Command = "catchment bench " + strings.Join(args, " ")
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printBench(env.stdout, res)
	return nil
}

// benchStages maps --stages to the stages solved.
func benchStages(s string) ([]data.Stage, error) {
	if s == "both" {
		return data.Stages[:], nil
	}
	st, err := data.ParseStage(s)
	if err != nil {
		return nil, fmt.Errorf("want both, primary or junior: %w", err)
	}
	return []data.Stage{st}, nil
}

// parseFloatList parses "0,200,1000" into non-negative finite numbers; ""
// gives nil.
func parseFloatList(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q must be a finite number ≥ 0", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseIntList parses "20000,50000" into positive integers.
func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// phaseMeter times one phase: wall clock and process CPU time.
type phaseMeter struct {
	wall time.Time
	cpu  time.Duration
}

func startPhase() phaseMeter { return phaseMeter{wall: time.Now(), cpu: processCPU()} }

func (m phaseMeter) end(name string) benchPhase {
	return benchPhase{Name: name, WallSeconds: time.Since(m.wall).Seconds(),
		CPUSeconds: (processCPU() - m.cpu).Seconds(), PeakRSSMB: peakRSSMB()}
}

// processCPU is the user+system CPU time of this process, all threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB reads VmHWM (peak resident set) from /proc/self/status, in MB;
// 0 where /proc is not available.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	return procField(f, "VmHWM:") / 1024
}

// procField returns the first number after key in a /proc key-value file
// (kB for memory fields), 0 when absent.
func procField(r io.Reader, key string) float64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				v, _ := strconv.ParseFloat(fields[0], 64)
				return v
			}
		}
	}
	return 0
}

// machine describes this machine from /proc.
func machine() benchMachine {
	m := benchMachine{NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), OSArch: runtime.GOOS + "/" + runtime.GOARCH, LoadAvgStart: loadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		m.MemTotalMB = int(procField(f, "MemTotal:") / 1024)
		f.Close()
	}
	return m
}

// loadAvg returns the 1, 5 and 15-minute load averages, "" when unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// stepRecorder collects the solver's progress steps per stage.
type stepRecorder struct {
	mu    sync.Mutex
	start time.Time
	steps map[string][]benchStep
}

func newStepRecorder() *stepRecorder {
	return &stepRecorder{start: time.Now(), steps: map[string][]benchStep{}}
}

func (r *stepRecorder) record(p allocation.Progress) {
	at := time.Since(r.start).Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.steps[p.Stage]
	if len(s) == 0 || s[len(s)-1].Step != p.Step {
		r.steps[p.Stage] = append(s, benchStep{Step: p.Step, At: at})
	}
}

// onlyStages returns ds itself when every stage is solved, else a copy
// whose units have no pupils of the other stages (so Solve leaves them
// empty); the schools and today's zoning are shared.
func onlyStages(ds *data.Dataset, stages []data.Stage) *data.Dataset {
	if len(stages) == int(data.NumStages) {
		return ds
	}
	keep := [data.NumStages]bool{}
	for _, st := range stages {
		keep[st] = true
	}
	cp := *ds
	cp.Units = slices.Clone(ds.Units)
	for i := range cp.Units {
		for st := range data.NumStages {
			if !keep[st] {
				cp.Units[i].Pupils[st], cp.Units[i].Migrants[st] = 0, 0
			}
		}
	}
	return &cp
}

// stageFigures extracts the figures of one stage from a plan's report.
func stageFigures(p *allocation.Plan, st data.Stage) benchStageFigures {
	r := p.Report.Stages[st.String()]
	if r == nil {
		return benchStageFigures{}
	}
	return benchStageFigures{Pupils: r.Pupils, PlacedInZone: r.PlacedInZone, Overflow: r.OverflowCount,
		Unplaced: r.Unplaced, NearZoneRatio: r.NearZoneRatio, TotalDistanceM: r.TotalDistanceMeters,
		MeanDistanceM: r.MeanDistanceMeters, LowerBoundM: r.LowerBoundMeters, OptimalityGap: r.OptimalityGap,
		ObjectiveM: r.ObjectiveMeters, BarrierPupils: r.BarrierCrossingPupils,
		PupilsOverCapacity: r.PupilsOverCapacity, SchoolsOverCap: r.SchoolsOverCapacity,
		ZonesNoncontiguous: r.ZonesNoncontiguous, ReassignedPupils: r.ReassignedPupils}
}

// runBenchmarks performs the whole run of o.
func runBenchmarks(ctx context.Context, env *cliEnv, o benchOptions) (*benchResult, error) {
	stages, err := benchStages(o.Stages)
	if err != nil {
		return nil, err
	}
	res := &benchResult{Options: o, Machine: machine(), Metric: "straight line"}
	pol := allocation.DefaultPolicy()
	logPhase := func(ph benchPhase) {
		res.Phases = append(res.Phases, ph)
		env.log.Info("bench phase", "phase", ph.Name, "wall_s", ph.WallSeconds, "cpu_s", ph.CPUSeconds, "peak_rss_mb", ph.PeakRSSMB)
	}

	m := startPhase()
	city, err := demo.GenerateContext(ctx, demo.Config{Pupils: o.Pupils, Seed: o.Seed, NoStreets: !o.Walking})
	if err != nil {
		return nil, fmt.Errorf("generate demo city: %w", err)
	}
	logPhase(m.end("generate"))
	var metric geo.Metric
	if o.Walking {
		m = startPhase()
		g, err := demoStreets(ctx, city)
		if err != nil {
			return nil, err
		}
		nw, err := roads.NewNetwork(g, pipeline.DefaultRoadOptions())
		if err != nil {
			return nil, err
		}
		metric = nw
		res.Metric = "walking: " + g.String()
		logPhase(m.end("road network (streets → walking graph)"))
	}
	ds := onlyStages(&city.Dataset, stages)
	res.Schools, res.Units = len(ds.Schools), len(ds.Units)
	for i := range ds.Units {
		for _, st := range stages {
			res.Pupils += ds.Units[i].Pupils[st]
		}
	}

	m = startPhase()
	prep, err := pipeline.Prepare(ctx, ds, city.Boundary, metric)
	switch {
	case err == nil:
		res.Adjacency = fmt.Sprintf("geo/cells (%d cells)", prep.Cells.Len())
	case ctx.Err() != nil:
		return nil, ctx.Err()
	default:
		// Keep benchmarking the solver without contiguity rather than stop.
		env.log.Warn("prepare failed: solving without adjacency", "err", err)
		res.Adjacency = "none: " + err.Error()
		prep = &pipeline.Prepared{Dataset: ds, Boundary: city.Boundary, Metric: geo.StraightLine(ds.Planar)}
		if metric != nil {
			prep.Metric = metric
		}
	}
	logPhase(m.end("prepare (cells + adjacency)"))

	rec := newStepRecorder()
	m = startPhase()
	plan, err := prep.Solve(ctx, pol, rec.record)
	if err != nil {
		return nil, err
	}
	logPhase(m.end("solve (" + o.Stages + ")"))

	m = startPhase()
	cur, err := prep.Current(ctx, pol)
	if err != nil {
		return nil, fmt.Errorf("today's zoning: %w", err)
	}
	logPhase(m.end("evaluate today's zoning"))
	for _, st := range stages {
		bs := benchStage{Stage: st.String(), Engine: stageFigures(plan, st), Steps: rec.steps[st.String()]}
		if cur != nil {
			f := stageFigures(cur, st)
			bs.Current = &f
		}
		res.Stages = append(res.Stages, bs)
	}

	if prep.Cells != nil {
		m = startPhase()
		if _, err := prep.Zones(plan); err != nil {
			return nil, fmt.Errorf("zone polygons: %w", err)
		}
		logPhase(m.end("zone polygons (both stages)"))
		if o.Lookups > 0 {
			m = startPhase()
			lk := allocation.NewLookup(plan, prep.Cells)
			logPhase(m.end("look-up index"))
			res.Lookup = benchLookups(lk, ds, o.Lookups, o.Seed)
		}
	}

	if len(o.Stability) > 0 {
		if res.Stability, err = runStability(ctx, env, prep, pol, plan, cur, stages, o.Stability); err != nil {
			return nil, err
		}
	}
	if o.CBC {
		if res.CBC, err = benchCBCRuns(ctx, env, o, stages, pol); err != nil {
			return nil, err
		}
	}
	res.Machine.LoadAvgEnd = loadAvg()
	return res, nil
}

// benchLookups times n look-ups at random points of the units' bounding
// box (a deterministic function of seed) on the calling goroutine.
func benchLookups(lk *allocation.Lookup, ds *data.Dataset, n int, seed int64) *benchLookup {
	var box orb.Bound
	for i := range ds.Units {
		if i == 0 {
			box = orb.Bound{Min: ds.Units[i].Loc, Max: ds.Units[i].Loc}
		}
		box = box.Extend(ds.Units[i].Loc)
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x100c))
	pts := make([]orb.Point, min(n, 1<<16))
	for i := range pts {
		pts[i] = orb.Point{box.Min[0] + r.Float64()*(box.Max[0]-box.Min[0]), box.Min[1] + r.Float64()*(box.Max[1]-box.Min[1])}
	}
	runtime.GC()
	m := startPhase()
	inside := 0
	for i := range n {
		if lk.At(pts[i%len(pts)]).Inside {
			inside++
		}
	}
	ph := m.end("")
	out := &benchLookup{Points: n, Inside: inside, WallSeconds: ph.WallSeconds, CPUSeconds: ph.CPUSeconds}
	if ph.WallSeconds > 0 {
		out.PerSecond = float64(n) / ph.WallSeconds
		out.NanosPerQuery = ph.WallSeconds * 1e9 / float64(n)
	}
	if ph.CPUSeconds > 0 {
		out.PerCPUSecond = float64(n) / ph.CPUSeconds
	}
	return out
}

// runStability re-solves with each stability charge and lists distance
// against pupils moved from today's zoning; today's zoning itself is the
// first row. The main plan is reused for the charge it was solved with.
func runStability(ctx context.Context, env *cliEnv, prep *pipeline.Prepared, base allocation.Policy, basePlan, cur *allocation.Plan, stages []data.Stage, charges []float64) ([]benchStability, error) {
	row := func(p *allocation.Plan, charge float64, secs float64) benchStability {
		b := benchStability{StabilityM: charge, Stages: map[string]benchStageFigures{}, SolveSeconds: secs}
		for _, st := range stages {
			f := stageFigures(p, st)
			b.Stages[st.String()] = f
			b.TotalDistanceM += f.TotalDistanceM
			b.ReassignedPupils += f.ReassignedPupils
			b.OverCapacity += f.PupilsOverCapacity
		}
		return b
	}
	var out []benchStability
	if cur != nil {
		r := row(cur, 0, 0)
		r.Current = true
		out = append(out, r)
	}
	for _, c := range charges {
		if c == base.Solver.StabilityMeters {
			out = append(out, row(basePlan, c, basePlan.Report.SolveSeconds))
			continue
		}
		pol := base
		pol.Solver.StabilityMeters = c
		start := time.Now()
		p, err := prep.Solve(ctx, pol, nil)
		if err != nil {
			return nil, fmt.Errorf("stability %g m: %w", c, err)
		}
		out = append(out, row(p, c, time.Since(start).Seconds()))
		env.log.Info("bench stability", "stability_m", c, "seconds", time.Since(start).Seconds())
	}
	return out, nil
}

// LP cost scale and unplaced charge of the relaxation sent to CBC; the same
// as the solver's (decimetres, 1e8 m per unplaced pupil), so the objectives
// compare directly with the solver's lower bound.
const (
	lpCostScale      = 10
	lpUnplacedMeters = 1e8
)

// lpRelaxation is one stage's transportation relaxation, set up the way
// allocation.Solve sets it up: one node per unit with pupils (supply = its
// pupils), one per zoneable school, and a sink; arcs unit → school on the
// unit's candidate row; unit → sink at the unplaced charge; school → sink
// with the seats. Costs are decimetres. Rows start as the k nearest schools
// (k = Policy.Solver.Candidates) plus, like the solver's feasibility pass,
// the nearest school with seats left for the whole unit (units biggest
// first); column generation (price) then adds every arc that could lower
// the optimum, so the final LP's optimum is the relaxation's optimum over
// all schools — the solver's certified lower bound.
type lpRelaxation struct {
	metric       geo.Metric
	idx          *geo.PointIndex
	ulocs, slocs []orb.Point
	pupils, cap  []int64
	dest         [][]int32
	meters       [][]float64
	rounds       int
}

// newLPRelaxation sets up stage st of ds; nil when the stage has no pupils
// or no zoneable school.
func newLPRelaxation(ctx context.Context, ds *data.Dataset, pol allocation.Policy, st data.Stage) (*lpRelaxation, error) {
	r := &lpRelaxation{metric: geo.StraightLine(ds.Planar)}
	for i := range ds.Schools {
		if ds.Schools[i].Zoneable(st) {
			r.slocs = append(r.slocs, ds.Schools[i].Loc)
			r.cap = append(r.cap, int64(ds.Schools[i].Seats[st]))
		}
	}
	for i := range ds.Units {
		if n := ds.Units[i].Pupils[st]; n > 0 {
			r.ulocs = append(r.ulocs, ds.Units[i].Loc)
			r.pupils = append(r.pupils, int64(n))
		}
	}
	nU, nS := len(r.ulocs), len(r.slocs)
	if nU == 0 || nS == 0 {
		return nil, nil
	}
	cand, err := r.metric.Nearest(ctx, r.ulocs, r.slocs, min(max(pol.Solver.Candidates, 1), nS))
	if err != nil {
		return nil, fmt.Errorf("candidate schools: %w", err)
	}
	r.dest, r.meters = make([][]int32, nU), make([][]float64, nU)
	for u := range nU {
		d, m := cand.Row(u)
		r.dest[u], r.meters[u] = slices.Clone(d), slices.Clone(m)
	}
	r.idx = geo.NewPointIndex(r.slocs, ds.Planar)
	left := slices.Clone(r.cap)
	order := make([]int, nU)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return r.pupils[order[a]] > r.pupils[order[b]] })
	for _, u := range order {
		pick := int32(-1)
		r.idx.Scan(r.ulocs[u], func(n geo.Neighbor) bool {
			if left[n.ID] >= r.pupils[u] {
				pick = n.ID
				return false
			}
			return true
		})
		if pick < 0 {
			continue
		}
		left[pick] -= r.pupils[u]
		if !slices.Contains(r.dest[u], pick) {
			r.dest[u] = append(r.dest[u], pick)
			r.meters[u] = append(r.meters[u], r.metric.Meters(r.ulocs[u], r.slocs[pick]))
		}
	}
	return r, nil
}

// graph builds the min-cost-flow graph of the current rows. Arc order:
// the rows' arcs unit by unit, then the unplaced arcs, then the seat arcs.
func (r *lpRelaxation) graph() *mcf.Graph {
	nU, nS := len(r.ulocs), len(r.slocs)
	arcs := 0
	for _, d := range r.dest {
		arcs += len(d)
	}
	sink := int32(nU + nS)
	g := mcf.NewGraph(nU+nS+1, arcs+nU+nS)
	var total int64
	for u := range nU {
		g.SetSupply(int32(u), r.pupils[u])
		total += r.pupils[u]
		for i, s := range r.dest[u] {
			g.AddArc(int32(u), int32(nU)+s, mcf.Inf, lpCost(r.meters[u][i]))
		}
	}
	for u := range nU {
		g.AddArc(int32(u), sink, mcf.Inf, lpCost(lpUnplacedMeters))
	}
	for s := range nS {
		g.AddArc(int32(nU+s), sink, r.cap[s], 0)
	}
	g.SetSupply(sink, -total)
	return g
}

// price adds, from the solved graph g of the current rows, the arcs
// outside the rows whose reduced cost is negative (at most 8 per unit, the
// most negative first) and returns how many it added. None means the
// current rows' optimum is the optimum over all schools: with the seat
// prices w, every unit's cheapest school by distance + w is on its row.
func (r *lpRelaxation) price(g *mcf.Graph) int {
	const tol = 0.1 // one decimetre: the cost grid
	nU, nS := len(r.ulocs), len(r.slocs)
	seatArc := int32(g.NumArcs() - nS)
	price := make([]float64, nS)
	for s := range nS {
		if rc := g.ReducedCost(seatArc + int32(s)); rc < 0 {
			price[s] = float64(-rc) / lpCostScale
		}
	}
	type arc struct {
		s       int32
		d, cost float64
	}
	added := 0
	for u := range nU {
		best := float64(lpUnplacedMeters)
		for i, s := range r.dest[u] {
			best = math.Min(best, r.meters[u][i]+price[s])
		}
		var add []arc
		r.idx.Scan(r.ulocs[u], func(n geo.Neighbor) bool {
			if n.Meters >= best-tol {
				return false // seat prices are ≥ 0, so no farther school can price in
			}
			if n.Meters+price[n.ID] >= best-tol || slices.Contains(r.dest[u], n.ID) {
				return true
			}
			if d := r.metric.Meters(r.ulocs[u], r.slocs[n.ID]); d+price[n.ID] < best-tol {
				add = append(add, arc{n.ID, d, d + price[n.ID]})
			}
			return true
		})
		sort.Slice(add, func(a, b int) bool {
			return add[a].cost < add[b].cost || add[a].cost == add[b].cost && add[a].s < add[b].s
		})
		for _, a := range add[:min(len(add), 8)] {
			r.dest[u] = append(r.dest[u], a.s)
			r.meters[u] = append(r.meters[u], a.d)
			added++
		}
	}
	return added
}

// solve runs column generation to the relaxation's optimum over all
// schools (at most 100 rounds) and returns the final solved graph.
func (r *lpRelaxation) solve(ctx context.Context) (*mcf.Graph, error) {
	for r.rounds = 1; ; r.rounds++ {
		g := r.graph()
		status, err := g.Solve(ctx)
		if err != nil {
			return nil, fmt.Errorf("min-cost flow: %w", err)
		}
		if status != mcf.Optimal {
			return nil, fmt.Errorf("min-cost flow status %v", status)
		}
		if r.price(g) == 0 || r.rounds >= 100 {
			return g, nil
		}
	}
}

func lpCost(m float64) int64 {
	if math.IsInf(m, 1) || m > lpUnplacedMeters {
		m = lpUnplacedMeters
	}
	return int64(math.Round(m * lpCostScale))
}

// benchCBCRuns compares CBC with our min-cost flow on the relaxation at
// each size of o.CBCSizes, stopping after the first size where a CBC run
// exceeds o.CBCTimeout (that run is killed and reported as "timeout").
func benchCBCRuns(ctx context.Context, env *cliEnv, o benchOptions, stages []data.Stage, pol allocation.Policy) ([]benchCBC, error) {
	if _, err := os.Stat(cbcBinary); err != nil {
		return nil, fmt.Errorf("--cbc needs CBC at %s (Debian package coinor-cbc): %w", cbcBinary, err)
	}
	dir, err := os.MkdirTemp("", "catchment-bench-cbc-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var out []benchCBC
	for _, size := range o.CBCSizes {
		city, err := demo.GenerateContext(ctx, demo.Config{Pupils: size, Seed: o.Seed, NoStreets: true})
		if err != nil {
			return nil, fmt.Errorf("cbc: demo city of %d pupils: %w", size, err)
		}
		ds := onlyStages(&city.Dataset, stages)
		// The engine's whole-unit plan at this size, for plan / LP.
		start := time.Now()
		prep, err := pipeline.Prepare(ctx, ds, city.Boundary, nil)
		if err != nil {
			return nil, fmt.Errorf("cbc: prepare %d pupils: %w", size, err)
		}
		plan, err := prep.Solve(ctx, pol, nil)
		if err != nil {
			return nil, fmt.Errorf("cbc: solve %d pupils: %w", size, err)
		}
		solveSecs := time.Since(start).Seconds()
		timedOut := false
		for _, st := range stages {
			row, err := benchCBCStage(ctx, env, dir, ds, pol, st, o.CBCTimeout)
			if err != nil {
				return nil, fmt.Errorf("cbc: %d pupils, %s: %w", size, st, err)
			}
			if row == nil {
				continue
			}
			row.Pupils = size
			fig := stageFigures(plan, st)
			row.PlanDistanceM, row.PlanLowerBoundM = fig.TotalDistanceM, fig.LowerBoundM
			row.SolveSeconds = solveSecs
			if row.CBCObjective > 0 {
				row.PlanOverLP = row.PlanDistanceM / row.CBCObjective
			}
			out = append(out, *row)
			env.log.Info("bench cbc", "pupils", size, "stage", st, "cbc_s", row.CBCSeconds, "ours_s", row.OursSeconds, "status", row.CBCStatus)
			timedOut = timedOut || row.CBCStatus == "timeout"
		}
		if timedOut {
			break
		}
	}
	return out, nil
}

// benchCBCStage solves one stage's relaxation with our min-cost flow and
// with CBC; nil when the stage has nothing to solve.
func benchCBCStage(ctx context.Context, env *cliEnv, dir string, ds *data.Dataset, pol allocation.Policy, st data.Stage, timeout time.Duration) (*benchCBC, error) {
	r, err := newLPRelaxation(ctx, ds, pol, st)
	if err != nil || r == nil {
		return nil, err
	}
	m := startPhase()
	if _, err := r.solve(ctx); err != nil {
		return nil, err
	}
	ph := m.end("")
	row := &benchCBC{Stage: st.String(), Units: len(r.ulocs), Rounds: r.rounds,
		ColGenSeconds: ph.WallSeconds, ColGenCPUSeconds: ph.CPUSeconds}
	g := r.graph()
	row.Arcs = g.NumArcs()
	m = startPhase()
	status, err := g.Solve(ctx)
	if err != nil {
		return nil, fmt.Errorf("min-cost flow: %w", err)
	}
	if status != mcf.Optimal {
		return nil, fmt.Errorf("min-cost flow status %v", status)
	}
	ph = m.end("")
	row.OursSeconds, row.OursCPUSeconds = ph.WallSeconds, ph.CPUSeconds
	row.OursObjective = float64(g.TotalCost()) / lpCostScale

	// CBC gets the final rows: the LP whose optimum is the relaxation's.
	lp := filepath.Join(dir, st.String()+".lp")
	f, err := os.Create(lp)
	if err != nil {
		return nil, err
	}
	if err := mcf.WriteLP(f, r.graph()); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}

	sol := filepath.Join(dir, st.String()+".sol")
	os.Remove(sol)
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, cbcBinary, lp, "solve", "solu", sol)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	runErr := cmd.Run()
	row.CBCSeconds = time.Since(start).Seconds()
	if ps := cmd.ProcessState; ps != nil {
		row.CBCCPUSeconds = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	switch {
	case cctx.Err() == context.DeadlineExceeded:
		row.CBCStatus = "timeout"
		return row, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case runErr != nil:
		return nil, fmt.Errorf("cbc: %w\n%s", runErr, tail(log.String(), 2000))
	}
	sf, err := os.Open(sol)
	if err != nil {
		return nil, fmt.Errorf("cbc wrote no solution: %w\n%s", err, tail(log.String(), 2000))
	}
	defer sf.Close()
	row.CBCStatus, row.CBCObjective, err = parseCBCStatus(sf)
	if err != nil {
		return nil, err
	}
	row.CBCObjective /= lpCostScale
	if row.OursSeconds > 0 {
		row.TimeRatio = row.CBCSeconds / row.OursSeconds
	}
	if row.OursObjective > 0 {
		row.ObjectiveRatio = row.CBCObjective / row.OursObjective
	}
	return row, nil
}

// parseCBCStatus reads the first line of a CBC solution file, e.g.
// "Optimal - objective value 123.00000000", into its status word and
// objective.
func parseCBCStatus(r io.Reader) (string, float64, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", 0, fmt.Errorf("cbc solution: %w", err)
		}
		return "", 0, errors.New("cbc solution: empty file")
	}
	line := strings.TrimSpace(sc.Text())
	status, _, _ := strings.Cut(line, " ")
	const marker = "objective value"
	i := strings.Index(line, marker)
	if status == "" || i < 0 {
		return status, 0, fmt.Errorf("cbc solution: no status and objective in %q", line)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(line[i+len(marker):]), 64)
	if err != nil {
		return status, 0, fmt.Errorf("cbc solution: objective in %q: %w", line, err)
	}
	return status, v, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// printBench prints res as text tables.
func printBench(w io.Writer, res *benchResult) {
	mc := res.Machine
	fmt.Fprintf(w, "%s\n", res.Command)
	fmt.Fprintf(w, "machine: %s, nproc %d, GOMAXPROCS %d, %d MB RAM, %s %s; load average %s (start) → %s (end)\n",
		mc.CPUModel, mc.NumCPU, mc.GOMAXPROCS, mc.MemTotalMB, mc.GoVersion, mc.OSArch, mc.LoadAvgStart, mc.LoadAvgEnd)
	distance := ""
	if res.Metric != "" {
		distance = "; distance: " + res.Metric
	}
	fmt.Fprintf(w, "demo city: %d pupils (solved stages: %s), %d schools, %d units, seed %d; adjacency: %s%s\n\n",
		res.Pupils, res.Options.Stages, res.Schools, res.Units, res.Options.Seed, res.Adjacency, distance)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\twall s\tCPU s\tpeak RSS MB\t")
	var wall, cpu float64
	for _, p := range res.Phases {
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.0f\t\n", p.Name, p.WallSeconds, p.CPUSeconds, p.PeakRSSMB)
		wall += p.WallSeconds
		cpu += p.CPUSeconds
	}
	fmt.Fprintf(tw, "total\t%.2f\t%.2f\t\t\n", wall, cpu)
	tw.Flush()
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	walking := res.Options.Walking
	head := "stage\tplan\tpupils\tin zone\tnear-zone\tdistance km\tlower bound km\tgap\tover capacity\tschools over\tnon-contiguous\treassigned\t"
	if walking {
		// Walked metres; the bound and the gap are on the objective
		// (metres plus barrier penalties).
		head = "stage\tplan\tpupils\tin zone\tnear-zone\twalked km\tobjective km\tlower bound km\tgap\tover capacity\tschools over\tnon-contiguous\treassigned\tacross barriers\t"
	}
	fmt.Fprintln(tw, head)
	for _, s := range res.Stages {
		e := s.Engine
		if walking {
			fmt.Fprintf(tw, "%s\tengine\t%d\t%d\t%.4f\t%.1f\t%.1f\t%.1f\t%.3f%%\t%d\t%d\t%d\t%d\t%d\t\n", s.Stage, e.Pupils, e.PlacedInZone,
				e.NearZoneRatio, e.TotalDistanceM/1000, e.ObjectiveM/1000, e.LowerBoundM/1000, 100*e.OptimalityGap, e.PupilsOverCapacity,
				e.SchoolsOverCap, e.ZonesNoncontiguous, e.ReassignedPupils, e.BarrierPupils)
		} else {
			fmt.Fprintf(tw, "%s\tengine\t%d\t%d\t%.4f\t%.1f\t%.1f\t%.3f%%\t%d\t%d\t%d\t%d\t\n", s.Stage, e.Pupils, e.PlacedInZone,
				e.NearZoneRatio, e.TotalDistanceM/1000, e.LowerBoundM/1000, 100*e.OptimalityGap, e.PupilsOverCapacity,
				e.SchoolsOverCap, e.ZonesNoncontiguous, e.ReassignedPupils)
		}
		if c := s.Current; c != nil {
			if walking {
				fmt.Fprintf(tw, "%s\ttoday (hand-drawn)\t%d\t%d\t%.4f\t%.1f\t%.1f\t\t\t%d\t%d\t%d\t\t%d\t\n", s.Stage, c.Pupils, c.PlacedInZone,
					c.NearZoneRatio, c.TotalDistanceM/1000, c.ObjectiveM/1000, c.PupilsOverCapacity, c.SchoolsOverCap, c.ZonesNoncontiguous, c.BarrierPupils)
			} else {
				fmt.Fprintf(tw, "%s\ttoday (hand-drawn)\t%d\t%d\t%.4f\t%.1f\t\t\t%d\t%d\t%d\t\t\n", s.Stage, c.Pupils, c.PlacedInZone,
					c.NearZoneRatio, c.TotalDistanceM/1000, c.PupilsOverCapacity, c.SchoolsOverCap, c.ZonesNoncontiguous)
			}
		}
	}
	tw.Flush()
	for _, s := range res.Stages {
		var b strings.Builder
		for _, st := range s.Steps {
			fmt.Fprintf(&b, " %s@%.2fs", st.Step, st.At)
		}
		fmt.Fprintf(w, "%s solver steps (start times):%s\n", s.Stage, b.String())
	}

	if l := res.Lookup; l != nil {
		fmt.Fprintf(w, "\nlook-ups: %d random points (%d inside) on one goroutine: %.0f/s wall (%.0f ns each), %.0f per CPU second\n",
			l.Points, l.Inside, l.PerSecond, l.NanosPerQuery, l.PerCPUSecond)
	}

	if len(res.Stability) > 0 {
		fmt.Fprintln(w, "\nstability (distance vs pupils moved from today's zoning):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		hdr := "stability m\t"
		for _, st := range res.Stages {
			hdr += st.Stage + " km\t" + st.Stage + " reassigned\t"
		}
		fmt.Fprintln(tw, hdr+"total km\treassigned\tover capacity\tsolve s\t")
		for _, r := range res.Stability {
			name := fmt.Sprintf("%g", r.StabilityM)
			if r.Current {
				name = "today"
			}
			line := name + "\t"
			for _, st := range res.Stages {
				f := r.Stages[st.Stage]
				line += fmt.Sprintf("%.1f\t%d\t", f.TotalDistanceM/1000, f.ReassignedPupils)
			}
			fmt.Fprintf(tw, "%s%.1f\t%d\t%d\t%.2f\t\n", line, r.TotalDistanceM/1000, r.ReassignedPupils, r.OverCapacity, r.SolveSeconds)
		}
		tw.Flush()
	}

	if len(res.CBC) > 0 {
		fmt.Fprintln(w, "\nCBC vs our network simplex on the transportation relaxation over all schools (colgen: our column generation finding the arcs; ours and CBC: the final LP):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "pupils\tstage\tunits\tarcs\trounds\tcolgen s\tcolgen CPU s\tours s\tours CPU s\tCBC s\tCBC CPU s\ttime ratio\tCPU ratio\tours km\tCBC km\tobjective ratio\tsolver bound km\tplan km\tplan / CBC LP\tsolve s\tCBC status\t")
		for _, r := range res.CBC {
			cpuRatio := 0.0
			if r.OursCPUSeconds > 0 {
				cpuRatio = r.CBCCPUSeconds / r.OursCPUSeconds
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f\t%.1f\t%.1f\t%.3f\t%.3f\t%.9f\t%.3f\t%.3f\t%.5f\t%.2f\t%s\t\n", r.Pupils, r.Stage, r.Units, r.Arcs, r.Rounds,
				r.ColGenSeconds, r.ColGenCPUSeconds, r.OursSeconds, r.OursCPUSeconds, r.CBCSeconds, r.CBCCPUSeconds, r.TimeRatio, cpuRatio, r.OursObjective/1000, r.CBCObjective/1000,
				r.ObjectiveRatio, r.PlanLowerBoundM/1000, r.PlanDistanceM/1000, r.PlanOverLP, r.SolveSeconds, r.CBCStatus)
		}
		tw.Flush()
	}
}
