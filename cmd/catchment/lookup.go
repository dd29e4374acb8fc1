package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/geo"
)

func init() {
	register(command{name: "lookup", summary: "answer a parent: the zone schools of a location, with distance and why", run: runLookup})
}

// manifest records what a solve read, so that later commands (lookup) can
// rebuild the plan from its output directory.
type manifest struct {
	Files      map[string]string `json:"files,omitempty"`
	CRS        string            `json:"crs"`
	CellMeters float64           `json:"cell_meters"`
	DB         string            `json:"db,omitempty"`
	Roads      string            `json:"roads,omitempty"`
	Crossing   float64           `json:"crossing_penalty_m,omitempty"`
	// Barrier is the road network's barrier penalty (nil without a road
	// network; absent in manifests older than it: the default then).
	Barrier  *float64           `json:"barrier_penalty_m,omitempty"`
	Scenario string             `json:"scenario,omitempty"`
	Policy   *allocation.Policy `json:"policy"`
	// ZoneMetric names the metric the zones were optimised by, and
	// MeasureMetric the one the outputs are measured by (they differ with
	// solve --zone-by straight --roads).
	ZoneMetric    string `json:"zone_metric,omitempty"`
	MeasureMetric string `json:"measure_metric,omitempty"`
}

// writeManifest records in dir/manifest.json how the outputs were made, so
// that lookup --out DIR can rebuild the same plan: the inputs, the road
// network and its penalties, the policy, and the metrics that zoned
// (zonedBy) and measured (measuredBy) the plan.
func writeManifest(dir string, in *inputFlags, pol allocation.Policy, zonedBy, measuredBy string) error {
	m := manifest{CRS: in.crs, CellMeters: in.cellMeters, Policy: &pol, Files: map[string]string{},
		ZoneMetric: zonedBy, MeasureMetric: measuredBy}
	abs := func(p string) string {
		if p == "" {
			return ""
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	if in.db != "" {
		m.DB, m.Scenario = abs(in.db), in.scenario
	}
	m.Roads, m.Crossing = abs(in.roads), in.crossingPenalty
	if in.Metric() != nil {
		m.Barrier = &in.barrierPenalty
	}
	for k, v := range map[string]string{"schools": in.files.Schools, "units": in.files.Units, "households": in.files.Households,
		"current": in.files.Current, "candidates": in.files.Candidates, "boundary": in.files.Boundary} {
		if v != "" {
			m.Files[k] = abs(v)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644)
}

func readManifest(dir string) (*inputFlags, allocation.Policy, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, allocation.Policy{}, fmt.Errorf("%s is not a solve output directory: %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, allocation.Policy{}, fmt.Errorf("manifest.json: %w", err)
	}
	in := &inputFlags{crs: m.CRS, cellMeters: m.CellMeters, db: m.DB, scenario: m.Scenario,
		roads: m.Roads, crossingPenalty: m.Crossing, barrierPenalty: pipeline.DefaultBarrierPenaltyMeters}
	if m.Barrier != nil {
		in.barrierPenalty = *m.Barrier
	}
	in.files.Schools, in.files.Units, in.files.Households = m.Files["schools"], m.Files["units"], m.Files["households"]
	in.files.Current, in.files.Candidates, in.files.Boundary = m.Files["current"], m.Files["candidates"], m.Files["boundary"]
	pol := allocation.DefaultPolicy()
	if m.Policy != nil {
		pol = *m.Policy
	}
	return in, pol, nil
}

func runLookup(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "lookup", "(--out DIR | --db FILE --scenario NAME) --lon X --lat Y [--crs C] [--json]")
	out := fs.String("out", "", "output `directory` of a solve")
	db := fs.String("db", "", "SQLite `file` (uses the scenario's latest plan)")
	scenario := fs.String("scenario", "", "scenario `name` in --db")
	lon := fs.Float64("lon", 0, "longitude (or x in metres for planar data)")
	lat := fs.Float64("lat", 0, "latitude (or y in metres for planar data)")
	crsName := fs.String("crs", "wgs84", "coordinate system of --lon/--lat: wgs84, gcj02, bd09 or xy")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return err
	}
	if (*out == "") == (*db == "") {
		fmt.Fprintln(env.stderr, "lookup: give either --out or --db with --scenario")
		fs.Usage()
		return errUsage
	}
	var lk *allocation.Lookup
	if *out != "" {
		lk, err = lookupFromDir(ctx, env, *out)
	} else {
		lk, err = lookupFromDB(ctx, env, *db, *scenario)
	}
	if err != nil {
		return err
	}
	pt := crs.ToWGS84(orb.Point{*lon, *lat})
	if lk.Plan().Dataset.Planar != crs.Planar() {
		return fmt.Errorf("the data set is %s but --crs is %s", planarWord(lk.Plan().Dataset.Planar), crs)
	}
	ans := lk.At(pt)
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ans)
	}
	printAnswer(env, ans)
	return nil
}

func planarWord(p bool) string {
	if p {
		return "planar (xy)"
	}
	return "WGS-84"
}

func lookupFromDir(ctx context.Context, env *cliEnv, dir string) (*allocation.Lookup, error) {
	in, pol, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	ds, boundary, db, err := in.load(ctx, env)
	if err != nil {
		return nil, err
	}
	if db != nil {
		db.Close()
	}
	prep, err := pipeline.Prepare(ctx, ds, boundary, in.Metric())
	if err != nil {
		return nil, err
	}
	rows, err := data.ReadCurrentFile(filepath.Join(dir, "unit_zones.csv"), data.ReadOptions{})
	if err != nil {
		return nil, err
	}
	zones, err := pipeline.ZonesFromRows(ds, rows)
	if err != nil {
		return nil, fmt.Errorf("unit_zones.csv: %w", err)
	}
	plan, err := allocation.FromZones(ctx, ds, pol, prep.Metric, prep.Adjacency, zones)
	if err != nil {
		return nil, err
	}
	return allocation.NewLookup(plan, prep.Cells), nil
}

func lookupFromDB(ctx context.Context, env *cliEnv, dbPath, scenario string) (*allocation.Lookup, error) {
	in := &inputFlags{db: dbPath, scenario: scenario, barrierPenalty: pipeline.DefaultBarrierPenaltyMeters}
	ds, boundary, db, err := in.load(ctx, env)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rec, err := db.LatestPlan(ctx, scenario)
	if err != nil {
		return nil, fmt.Errorf("scenario %q has no plan (run catchment solve --db): %w", scenario, err)
	}
	// The plan is rebuilt with the distance it was solved with, never
	// re-measured by another.
	recorded, err := planMetricName(ctx, db, rec)
	if err != nil {
		return nil, err
	}
	metric, err := metricForPlan(rec, recorded, ds, in.Metric())
	if err != nil {
		return nil, err
	}
	prep, err := pipeline.Prepare(ctx, ds, boundary, metric)
	if err != nil {
		return nil, err
	}
	plan, err := prep.FromRecord(ctx, rec)
	if err != nil {
		return nil, err
	}
	return allocation.NewLookup(plan, prep.Cells), nil
}

func printAnswer(env *cliEnv, a allocation.Answer) {
	w := env.stdout
	if !a.Inside {
		fmt.Fprintln(w, a.Message)
		for _, n := range a.Nearest {
			fmt.Fprintf(w, "  %-8s %s (%s) %.0f m\n", n.Stage, n.Name, n.SchoolID, n.Meters)
		}
		return
	}
	name := a.UnitName
	if name == "" {
		name = a.UnitID
	}
	fmt.Fprintf(w, "%s (unit %s)\n", name, a.UnitID)
	for _, s := range a.Stages {
		if s.SchoolID == "" {
			fmt.Fprintf(w, "  %-8s -\n           %s\n", s.Stage, s.Explanation)
			continue
		}
		fmt.Fprintf(w, "  %-8s %s (%s), %.0f m, %s\n           %s\n", s.Stage, s.SchoolName, s.SchoolID, s.Meters, s.Placement, s.Explanation)
	}
}
