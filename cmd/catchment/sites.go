package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/allocation/sites"
	"catchment/data"
)

func init() {
	register(command{name: "sites", summary: "choose sites for new schools among the candidates (k sites, or a k range sweep)", run: runSites})
}

// parseKRange parses "N" or "LO..HI".
func parseKRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "..")
	if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || lo < 0 {
		return 0, 0, fmt.Errorf("--k %q: want N or LO..HI with 0 ≤ LO ≤ HI", s)
	}
	hi = lo
	if isRange {
		if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("--k %q: want N or LO..HI with 0 ≤ LO ≤ HI", s)
		}
	}
	if hi > 1000 {
		return 0, 0, fmt.Errorf("--k %q: at most 1000 sites", s)
	}
	return lo, hi, nil
}

// parseStages parses primary, junior or both.
func parseStages(s string) ([]data.Stage, error) {
	if strings.EqualFold(strings.TrimSpace(s), "both") {
		return []data.Stage{data.Primary, data.Junior}, nil
	}
	st, err := data.ParseStage(s)
	if err != nil {
		return nil, fmt.Errorf("--stage: %w (or both)", err)
	}
	return []data.Stage{st}, nil
}

func runSites(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "sites", "(--schools F --units F --candidates F [--current F] | --db FILE --scenario NAME) --k N|LO..HI [--stage primary|junior|both] [--seats S] [--policy F] --out DIR")
	var in inputFlags
	in.register(fs)
	kFlag := fs.String("k", "", "number of sites to open, or a range LO..HI to sweep (marginal value of each extra school)")
	stageFlag := fs.String("stage", "primary", "stage the new schools serve: primary, junior or both")
	seats := fs.Int("seats", 0, "seats per stage of a site whose candidates row gives none")
	policyFile := fs.String("policy", "", "policy JSON `file` (default: POLICY.md defaults)")
	out := fs.String("out", "", "output `directory`")
	shortlist := fs.Int("shortlist", 0, "sites evaluated exactly per step (default: automatic)")
	noFinish := fs.Bool("no-resolve", false, "skip re-solving the zones with the chosen sites (faster; relaxation figures only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || *kFlag == "" {
		fmt.Fprintln(env.stderr, "sites: --k and --out are required")
		fs.Usage()
		return errUsage
	}
	lo, hi, err := parseKRange(*kFlag)
	if err != nil {
		fmt.Fprintln(env.stderr, "sites:", err)
		return errUsage
	}
	stages, err := parseStages(*stageFlag)
	if err != nil {
		fmt.Fprintln(env.stderr, "sites:", err)
		return errUsage
	}
	if *seats < 0 {
		fmt.Fprintln(env.stderr, "sites: --seats must be ≥ 0")
		return errUsage
	}
	pol, err := allocation.ReadPolicyFile(*policyFile)
	if err != nil {
		return err
	}
	start := time.Now()
	ds, boundary, db, err := in.load(ctx, env)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	if len(ds.Candidates) == 0 && hi > 0 {
		return fmt.Errorf("no candidate sites (give --candidates, or a scenario with candidates)")
	}
	opt := sites.Options{Stages: stages, Shortlist: *shortlist, Metric: in.Metric(), Log: env.log}
	for _, st := range stages {
		opt.DefaultSeats[st] = *seats
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	results, err := sites.Sweep(ctx, ds, opt, lo, hi)
	if err != nil {
		return err
	}
	final := results[len(results)-1]
	if !*noFinish && lo == hi {
		solve := func(ctx context.Context, d *data.Dataset) (*allocation.Plan, error) {
			prep, err := pipeline.Prepare(ctx, d, boundary, in.Metric())
			if err != nil {
				return nil, err
			}
			return prep.Solve(ctx, pol, nil)
		}
		_, after, err := sites.Finish(ctx, ds, final, solve)
		if err != nil {
			return err
		}
		prep, err := pipeline.Prepare(ctx, after.Dataset, boundary, in.Metric())
		if err != nil {
			return err
		}
		if err := prep.WriteOutputs(filepath.Join(*out, "plan"), after); err != nil {
			return err
		}
	}
	if err := writeSitesOutputs(*out, results); err != nil {
		return err
	}
	for _, r := range results {
		fmt.Fprintf(env.stdout, "k=%d  unplaced %d  distance %.0f m  (baseline %d / %.0f m)  sites %s\n",
			r.K, r.Objective.Unplaced, r.Objective.Meters, r.Baseline.Unplaced, r.Baseline.Meters, siteIDs(r.Chosen))
	}
	for name, b := range final.Before {
		a := final.After[name]
		fmt.Fprintf(env.stdout, "%-8s re-solved: in zone %.2f%% → %.2f%%, total distance %.0f → %.0f m, unplaced %d → %d\n",
			name, 100*b.NearZoneRatio, 100*a.NearZoneRatio, b.TotalDistanceMeters, a.TotalDistanceMeters, b.Unplaced, a.Unplaced)
	}
	env.log.Info("done", "out", *out, "seconds", time.Since(start).Seconds())
	return nil
}

func siteIDs(ss []sites.Site) string {
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	return strings.Join(ids, ",")
}

// writeSitesOutputs writes sites.json (every result), sites.csv (chosen
// and alternative sites of the last result), sites.geojson (the same as
// points) and, for a sweep, sweep.csv (objective and marginal value per k).
func writeSitesOutputs(dir string, results []*sites.Result) error {
	final := results[len(results)-1]
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sites.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var sb strings.Builder
	cw := csv.NewWriter(&sb)
	cw.Write([]string{"rank", "kind", "site_id", "name", "lon", "lat", "primary_seats", "junior_seats", "replaces",
		"unplaced", "total_distance_m", "primary_zone_pupils", "junior_zone_pupils"})
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for i, s := range final.Chosen {
		o := final.Objective
		cw.Write([]string{strconv.Itoa(i + 1), "chosen", s.ID, s.Name, ff(s.Lon), ff(s.Lat), strconv.Itoa(s.Seats["primary"]),
			strconv.Itoa(s.Seats["junior"]), "", strconv.FormatInt(o.Unplaced, 10), strconv.FormatFloat(o.Meters, 'f', 1, 64),
			strconv.Itoa(s.ZonePupils["primary"]), strconv.Itoa(s.ZonePupils["junior"])})
	}
	for i, a := range final.Alternatives {
		s := a.Site
		cw.Write([]string{strconv.Itoa(i + 1), "alternative", s.ID, s.Name, ff(s.Lon), ff(s.Lat), strconv.Itoa(s.Seats["primary"]),
			strconv.Itoa(s.Seats["junior"]), a.Replaces, strconv.FormatInt(a.Objective.Unplaced, 10),
			strconv.FormatFloat(a.Objective.Meters, 'f', 1, 64), "", ""})
	}
	cw.Flush()
	if err := os.WriteFile(filepath.Join(dir, "sites.csv"), []byte(sb.String()), 0o644); err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for i, s := range final.Chosen {
		f := geojson.NewFeature(orb.Point{s.Lon, s.Lat})
		f.Properties = geojson.Properties{"site_id": s.ID, "name": s.Name, "kind": "chosen", "rank": i + 1, "seats": s.Seats,
			"zone_pupils": s.ZonePupils, "gain_m": s.Gain.Meters, "gain_unplaced": s.Gain.Unplaced}
		fc.Append(f)
	}
	for i, a := range final.Alternatives {
		f := geojson.NewFeature(orb.Point{a.Site.Lon, a.Site.Lat})
		f.Properties = geojson.Properties{"site_id": a.Site.ID, "name": a.Site.Name, "kind": "alternative", "rank": i + 1,
			"replaces": a.Replaces, "worse_by_m": a.Worse.Meters}
		fc.Append(f)
	}
	gj, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sites.geojson"), gj, 0o644); err != nil {
		return err
	}
	if len(results) == 1 {
		return nil
	}
	sb.Reset()
	cw = csv.NewWriter(&sb)
	cw.Write([]string{"k", "sites", "unplaced", "total_distance_m", "marginal_unplaced", "marginal_distance_m"})
	for i, r := range results {
		var mu int64
		var mm float64
		if i > 0 {
			mu = results[i-1].Objective.Unplaced - r.Objective.Unplaced
			mm = results[i-1].Objective.Meters - r.Objective.Meters
		}
		cw.Write([]string{strconv.Itoa(r.K), siteIDs(r.Chosen), strconv.FormatInt(r.Objective.Unplaced, 10),
			strconv.FormatFloat(r.Objective.Meters, 'f', 1, 64), strconv.FormatInt(mu, 10), strconv.FormatFloat(mm, 'f', 1, 64)})
	}
	cw.Flush()
	return os.WriteFile(filepath.Join(dir, "sweep.csv"), []byte(sb.String()), 0o644)
}
