package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/geo"
)

func init() {
	register(command{name: "solve", summary: "solve optimal catchment zones and write assignments, zones and the report", run: runSolve})
}

func runSolve(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "solve", "(--schools F (--units F | --households F) [--current F] [--crs C] | --db FILE --scenario NAME) [--roads F [--zone-by walking|straight]] [--policy F] --out DIR")
	var in inputFlags
	in.register(fs)
	policyFile := fs.String("policy", "", "policy JSON `file` (default: POLICY.md defaults; see 'catchment policy')")
	out := fs.String("out", "", "output `directory`")
	stability := fs.Float64("stability", -1, "override the policy's stability charge (metres per pupil moved from today's zone)")
	noContig := fs.Bool("no-contiguity", false, "skip the contiguity steps")
	zoneBy := fs.String("zone-by", "", "distance the zones are optimised by: `walking` (the default with a road network) or straight (straight-line zones, still measured and reported on foot when there is a road network)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *zoneBy != "" && *zoneBy != zoneByWalking && *zoneBy != zoneByStraight {
		return fmt.Errorf("--zone-by %q: want %s or %s", *zoneBy, zoneByWalking, zoneByStraight)
	}
	if *out == "" {
		fmt.Fprintln(env.stderr, "solve: --out is required")
		fs.Usage()
		return errUsage
	}
	pol, err := allocation.ReadPolicyFile(*policyFile)
	if err != nil {
		return err
	}
	if *stability >= 0 {
		pol.Solver.StabilityMeters = *stability
	}
	if *noContig {
		pol.Solver.Contiguity = false
	}
	start := time.Now()
	ds, boundary, db, err := in.load(ctx, env)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	env.log.Info("loaded", "schools", len(ds.Schools), "units", len(ds.Units), "seconds", time.Since(start).Seconds())
	zoneMetric, measureMetric, err := solveMetrics(*zoneBy, ds, in.Metric())
	if err != nil {
		return err
	}
	prep, err := pipeline.Prepare(ctx, ds, boundary, zoneMetric)
	if err != nil {
		return err
	}
	var progress func(allocation.Progress)
	if env.isTerminal {
		progress = func(p allocation.Progress) {
			fmt.Fprintf(env.stderr, "\r%-8s %-22s %3.0f%%", p.Stage, p.Step, 100*p.Fraction)
		}
	}
	plan, err := prep.Solve(ctx, pol, progress)
	if env.isTerminal {
		fmt.Fprintln(env.stderr)
	}
	if err != nil {
		return err
	}
	zonedBy := plan.Metric
	if measureMetric.Name() != zonedBy {
		if plan, err = measureOn(ctx, plan, measureMetric, prep.Adjacency); err != nil {
			return err
		}
		env.log.Info("zones measured", "zoned_by", zonedBy, "measured_by", plan.Metric)
	}
	if err := prep.WriteOutputs(*out, plan); err != nil {
		return err
	}
	if err := writeManifest(*out, &in, pol, zonedBy, plan.Metric); err != nil {
		return err
	}
	if db != nil {
		rec, err := pipeline.Record(plan, in.scenario, "cli", "catchment solve")
		if err != nil {
			return err
		}
		if rec.Meta, err = withZoneMetric(rec.Meta, zonedBy); err != nil {
			return err
		}
		id, err := db.SavePlan(ctx, rec)
		if err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		env.log.Info("plan stored", "db", in.db, "scenario", in.scenario, "plan", id)
	}
	if zonedBy != plan.Metric {
		fmt.Fprintf(env.stdout, "zones optimised by %s distance, measured and reported by %s distance\n", zonedBy, plan.Metric)
	}
	summarize(env, plan)
	env.log.Info("done", "out", *out, "seconds", time.Since(start).Seconds())
	return nil
}

// summarize prints the headline indicators of a plan.
func summarize(env *cliEnv, plan *allocation.Plan) {
	for _, name := range []string{"primary", "junior"} {
		s := plan.Report.Stages[name]
		if s == nil || s.Pupils == 0 {
			continue
		}
		fmt.Fprintf(env.stdout, "%-8s pupils %8d  in zone %6.2f%% (target %.0f%%, %s)  overflow %d  unplaced %d  mean %.0f m  gap %.3f%%  over capacity %d\n",
			name, s.Pupils, 100*s.NearZoneRatio, 100*s.NearZoneTarget, metWord(s.NearZoneMet),
			s.OverflowCount, s.Unplaced, s.MeanDistanceMeters, 100*s.OptimalityGap, s.PupilsOverCapacity)
	}
}

func metWord(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// The values of solve's --zone-by flag.
const (
	zoneByWalking  = "walking"
	zoneByStraight = "straight"
)

// errZoneByWalking is returned for --zone-by walking without a road network.
var errZoneByWalking = errors.New("--zone-by walking needs a road network: give --roads FILE, or a --db scenario imported with --roads")

// solveMetrics returns the metric the zones are optimised by and the one
// they are measured and reported by, for --zone-by value zoneBy ("" for the
// default) and the metric the input flags chose (nil: straight line).
//
// Without a road network both are the straight line. With one, zones are
// optimised on foot by default (zoneBy "" or "walking"); zoneBy "straight"
// optimises them by straight line but still measures them on foot, so the
// report of a straight-line plan gives its walked distances, road detours
// and major-road and barrier crossings. The measuring metric is never a
// straight line when a road network is given.
func solveMetrics(zoneBy string, ds *data.Dataset, chosen geo.Metric) (zone, measure geo.Metric, err error) {
	line := geo.StraightLine(ds.Planar)
	if chosen == nil || chosen.Name() == line.Name() {
		if zoneBy == zoneByWalking {
			return nil, nil, errZoneByWalking
		}
		return line, line, nil
	}
	if zoneBy == zoneByStraight {
		return line, chosen, nil
	}
	return chosen, chosen, nil
}

// measureOn re-evaluates plan's zones with metric m (allocation.FromZones:
// the same zones; placements, overflow and report by m). The solve time is
// kept, and so are the stage lower bounds when m is never shorter than
// the plan's metric (every metric is at least the straight line): the
// optimum of any zoning under m then costs at least the bound, so the
// reported optimality gap stays a proven, if loose, bound.
func measureOn(ctx context.Context, plan *allocation.Plan, m geo.Metric, adjacency [][]int32) (*allocation.Plan, error) {
	var zones [data.NumStages][]int32
	for st := range data.NumStages {
		zones[st] = plan.Stages[st].Zone
	}
	measured, err := allocation.FromZones(ctx, plan.Dataset, plan.Policy, m, adjacency, zones)
	if err != nil {
		return nil, fmt.Errorf("measuring the %s zones by %s distance: %w", plan.Metric, m.Name(), err)
	}
	measured.Report.SolveSeconds = plan.Report.SolveSeconds
	if plan.Metric != geo.StraightLine(plan.Dataset.Planar).Name() {
		return measured, nil
	}
	for st := range data.NumStages {
		name := data.Stage(st).String()
		lb := plan.Stages[st].LowerBound
		measured.Stages[st].LowerBound = lb
		if r := measured.Report.Stages[name]; r != nil {
			r.LowerBoundMeters = lb
			r.OptimalityGap = allocation.OptimalityGap(r.ObjectiveMeters, r.TotalDistanceMeters, lb)
		}
	}
	return measured, nil
}

// Keys solve writes in manifest.json (see manifest) and in a stored plan's
// Meta (next to pipeline.MetaMetric, which names the metric the plan is
// measured by).
const (
	// metaZoneMetric names the metric the zones were optimised by.
	metaZoneMetric = "zone_metric"
)

// withZoneMetric adds the zoning metric to a stored plan's Meta (a JSON
// object, or empty), keeping its other keys.
func withZoneMetric(meta json.RawMessage, zonedBy string) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(meta) > 0 {
		if err := json.Unmarshal(meta, &m); err != nil {
			return nil, fmt.Errorf("plan meta: %w", err)
		}
	}
	v, err := json.Marshal(zonedBy)
	if err != nil {
		return nil, err
	}
	m[metaZoneMetric] = v
	return json.Marshal(m)
}
