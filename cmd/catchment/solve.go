package main

import (
	"context"
	"fmt"
	"time"

	"catchment/allocation"
	"catchment/allocation/pipeline"
)

func init() {
	register(command{name: "solve", summary: "solve optimal catchment zones and write assignments, zones and the report", run: runSolve})
}

func runSolve(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "solve", "(--schools F (--units F | --households F) [--current F] [--crs C] | --db FILE --scenario NAME) [--policy F] --out DIR")
	var in inputFlags
	in.register(fs)
	policyFile := fs.String("policy", "", "policy JSON `file` (default: POLICY.md defaults; see 'catchment policy')")
	out := fs.String("out", "", "output `directory`")
	stability := fs.Float64("stability", -1, "override the policy's stability charge (metres per pupil moved from today's zone)")
	noContig := fs.Bool("no-contiguity", false, "skip the contiguity steps")
	if err := parseFlags(fs, args); err != nil {
		return err
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
	prep, err := pipeline.Prepare(ctx, ds, boundary, in.Metric())
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
	if err := prep.WriteOutputs(*out, plan); err != nil {
		return err
	}
	if err := writeManifest(*out, &in, pol); err != nil {
		return err
	}
	if db != nil {
		rec, err := pipeline.Record(plan, in.scenario, "cli", "catchment solve")
		if err != nil {
			return err
		}
		id, err := db.SavePlan(ctx, rec)
		if err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		env.log.Info("plan stored", "db", in.db, "scenario", in.scenario, "plan", id)
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
