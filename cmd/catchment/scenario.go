package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/allocation/whatif"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

func init() {
	register(command{name: "scenario", summary: "what-if scenarios: derive, list, compare, provision", run: runScenario})
}

const scenarioUsage = `usage: catchment scenario <derive|list|compare|provision> [flags]

  derive     derive a what-if scenario from a stored one, solve and compare it
  list       list stored scenarios with their parents
  compare    compare the latest plans of two scenarios (solving any without a plan)
  provision  check new-school provision (POLICY.md §B5) for communities`

func runScenario(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.stderr, scenarioUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "derive":
		return runScenarioDerive(ctx, env, args[1:])
	case "list":
		return runScenarioList(ctx, env, args[1:])
	case "compare":
		return runScenarioCompare(ctx, env, args[1:])
	case "provision":
		return runScenarioProvision(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "scenario: unknown subcommand %q\n%s\n", args[0], scenarioUsage)
	return errUsage
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, "; ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func openDB(ctx context.Context, path string) (*store.Store, error) {
	if path == "" {
		return nil, errors.New("--db is required")
	}
	if !dbFileExists(path) {
		return nil, fmt.Errorf("database %s does not exist", path)
	}
	return store.Open(ctx, path)
}

// parseSchoolSpec parses "id,name,lon,lat,primary_seats,junior_seats".
func parseSchoolSpec(s string) (data.School, error) {
	f := strings.Split(s, ",")
	if len(f) != 6 {
		return data.School{}, fmt.Errorf("--add-school %q: want id,name,lon,lat,primary_seats,junior_seats", s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(f[3]), 64)
	ps, err3 := strconv.Atoi(strings.TrimSpace(f[4]))
	js, err4 := strconv.Atoi(strings.TrimSpace(f[5]))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return data.School{}, fmt.Errorf("--add-school %q: %w", s, err)
	}
	return data.School{ID: strings.TrimSpace(f[0]), Name: strings.TrimSpace(f[1]), Loc: orb.Point{lon, lat}, Seats: [2]int{ps, js}}, nil
}

// parseStageValue parses "ID:stage=N".
func parseStageValue(flagName, s string) (id string, st data.Stage, n int, err error) {
	id, rest, ok1 := strings.Cut(s, ":")
	stage, num, ok2 := strings.Cut(rest, "=")
	if !ok1 || !ok2 || id == "" {
		return "", 0, 0, fmt.Errorf("--%s %q: want SCHOOL_ID:stage=N", flagName, s)
	}
	if st, err = data.ParseStage(stage); err != nil {
		return "", 0, 0, fmt.Errorf("--%s %q: %w", flagName, s, err)
	}
	if n, err = strconv.Atoi(strings.TrimSpace(num)); err != nil || n < 0 {
		return "", 0, 0, fmt.Errorf("--%s %q: N must be a whole number ≥ 0", flagName, s)
	}
	return id, st, n, nil
}

// parseFactor parses "KEY=FACTOR".
func parseFactor(flagName, s string) (string, float64, error) {
	k, v, ok := strings.Cut(s, "=")
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if !ok || k == "" || err != nil || !(f >= 0) || f > 1e6 {
		return "", 0, fmt.Errorf("--%s %q: want KEY=FACTOR with 0 ≤ FACTOR ≤ 1e6", flagName, s)
	}
	return k, f, nil
}

// readPolygon reads a GeoJSON Polygon or MultiPolygon (a geometry, a
// Feature, or the union of a FeatureCollection's polygons).
func readPolygon(path string) (orb.Geometry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var mp orb.MultiPolygon
	add := func(g orb.Geometry) error {
		switch t := g.(type) {
		case orb.Polygon:
			mp = append(mp, t)
		case orb.MultiPolygon:
			mp = append(mp, t...)
		default:
			return fmt.Errorf("%s: want a Polygon or MultiPolygon", path)
		}
		return nil
	}
	if fc, err := geojson.UnmarshalFeatureCollection(b); err == nil && fc.Type == "FeatureCollection" {
		for _, f := range fc.Features {
			if f == nil {
				continue
			}
			if err := add(f.Geometry); err != nil {
				return nil, err
			}
		}
	} else if f, err := geojson.UnmarshalFeature(b); err == nil && f.Type == "Feature" {
		if err := add(f.Geometry); err != nil {
			return nil, err
		}
	} else {
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := add(g.Geometry()); err != nil {
			return nil, err
		}
	}
	if len(mp) == 0 {
		return nil, fmt.Errorf("%s: no polygon", path)
	}
	if err := data.ValidatePolygonal(mp); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return mp, nil
}

// parseHousing parses "id,lon,lat,population[,area[,name]]".
func parseHousing(s string) (whatif.Housing, error) {
	f := strings.Split(s, ",")
	if len(f) < 4 || len(f) > 6 {
		return whatif.Housing{}, fmt.Errorf("--housing %q: want id,lon,lat,population[,area[,name]]", s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(f[1]), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(f[2]), 64)
	pop, err3 := strconv.Atoi(strings.TrimSpace(f[3]))
	if err := errors.Join(err1, err2, err3); err != nil {
		return whatif.Housing{}, fmt.Errorf("--housing %q: %w", s, err)
	}
	h := whatif.Housing{ID: strings.TrimSpace(f[0]), Loc: orb.Point{lon, lat}, Population: pop}
	if len(f) >= 5 {
		a, err := data.ParseArea(f[4])
		if err != nil {
			return h, fmt.Errorf("--housing %q: %w", s, err)
		}
		h.Area = a
	}
	if len(f) == 6 {
		h.Name = strings.TrimSpace(f[5])
	}
	return h, nil
}

func runScenarioDerive(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "scenario derive", "--db FILE --from PARENT --name NEW [changes...] [--force] [--out DIR [--roads F]]")
	db := fs.String("db", "", "SQLite database `file`")
	from := fs.String("from", "", "parent scenario `name`")
	name := fs.String("name", "", "new scenario `name`")
	note := fs.String("note", "", "free-text note (default: the list of changes)")
	policyFile := fs.String("policy", "", "policy JSON `file` (class sizes, children per resident, solver)")
	force := fs.Bool("force", false, "close schools even when pupils would be left without a seat")
	out := fs.String("out", "", "solve parent and child and write the comparison into `dir`")
	var addSchool, closeSchool, seats, classes, growArea, growPoly, housing multiFlag
	fs.Var(&addSchool, "add-school", "add a planned school: `id,name,lon,lat,primary_seats,junior_seats` (repeatable)")
	fs.Var(&closeSchool, "close", "close school `ID` (先建后撤: refused unless the remaining seats suffice, or --force; repeatable)")
	fs.Var(&seats, "seats", "set seats: `ID:stage=N` (repeatable)")
	fs.Var(&classes, "classes", "set classes (seats = classes × class size): `ID:stage=N` (repeatable)")
	fs.Var(&growArea, "grow-area", "scale pupils of an area class: `area=FACTOR`, e.g. urban=1.1 (repeatable)")
	fs.Var(&growPoly, "grow-polygon", "scale pupils inside a GeoJSON polygon: `FILE=FACTOR` (repeatable)")
	fs.Var(&housing, "housing", "add a housing development: `id,lon,lat,population[,area[,name]]` (repeatable)")
	var rf inputFlags
	registerRoadFlags(fs, &rf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *from == "" || *name == "" {
		fmt.Fprintln(env.stderr, "scenario derive: --from and --name are required")
		fs.Usage()
		return errUsage
	}
	pol, err := allocation.ReadPolicyFile(*policyFile)
	if err != nil {
		return err
	}
	st, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	parent, info, err := st.LoadScenario(ctx, *from)
	if err != nil {
		return fmt.Errorf("scenario %q: %w", *from, err)
	}
	child := whatif.Clone(parent)
	var changes []string
	for _, s := range addSchool {
		sc, err := parseSchoolSpec(s)
		if err != nil {
			return err
		}
		if err := whatif.AddSchool(child, sc); err != nil {
			return err
		}
		changes = append(changes, "add school "+sc.ID)
	}
	for _, s := range seats {
		id, stg, n, err := parseStageValue("seats", s)
		if err != nil {
			return err
		}
		if err := whatif.SetSeats(child, id, stg, n); err != nil {
			return err
		}
		changes = append(changes, fmt.Sprintf("seats %s %s=%d", id, stg, n))
	}
	for _, s := range classes {
		id, stg, n, err := parseStageValue("classes", s)
		if err != nil {
			return err
		}
		if err := whatif.SetClasses(child, id, stg, n, pol.ClassSize[stg]); err != nil {
			return err
		}
		changes = append(changes, fmt.Sprintf("classes %s %s=%d", id, stg, n))
	}
	for _, s := range growArea {
		k, f, err := parseFactor("grow-area", s)
		if err != nil {
			return err
		}
		a, err := data.ParseArea(k)
		if err != nil {
			return fmt.Errorf("--grow-area %q: %w", s, err)
		}
		n, err := whatif.ScalePupils(child, whatif.Selection{Area: &a}, f)
		if err != nil {
			return err
		}
		changes = append(changes, fmt.Sprintf("pupils ×%g in %s units (%d changed)", f, a, n))
	}
	for _, s := range growPoly {
		k, f, err := parseFactor("grow-polygon", s)
		if err != nil {
			return err
		}
		poly, err := readPolygon(k)
		if err != nil {
			return err
		}
		n, err := whatif.ScalePupils(child, whatif.Selection{Polygon: poly}, f)
		if err != nil {
			return err
		}
		changes = append(changes, fmt.Sprintf("pupils ×%g inside %s (%d units changed)", f, filepath.Base(k), n))
	}
	for _, s := range housing {
		h, err := parseHousing(s)
		if err != nil {
			return err
		}
		u, err := whatif.AddHousing(child, h, pol.Provision)
		if err != nil {
			return err
		}
		changes = append(changes, fmt.Sprintf("housing %s: %d residents → %d primary, %d junior pupils", h.ID, h.Population, u.Pupils[0], u.Pupils[1]))
	}
	// Closures last: 先建后撤 counts the seats the other changes build.
	for _, id := range closeSchool {
		miss, err := whatif.CloseSchool(child, id, *force)
		if err != nil {
			return err
		}
		c := "close " + id
		if miss != [data.NumStages]int{} {
			c += fmt.Sprintf(" (forced: %d primary, %d junior pupils without a seat)", miss[0], miss[1])
			env.log.Warn("forced closure leaves pupils without a seat", "school", id, "primary", miss[0], "junior", miss[1])
		}
		changes = append(changes, c)
	}
	if len(changes) == 0 {
		fmt.Fprintln(env.stderr, "scenario derive: no change given")
		fs.Usage()
		return errUsage
	}
	if err := child.Validate(); err != nil {
		return fmt.Errorf("derived scenario: %w", err)
	}
	// The derived scenario keeps its parent's study boundary and cached
	// road network (same streets; the changes are schools and pupils).
	blobs := map[string][]byte{}
	for _, key := range []string{"boundary", pipeline.RoadsBlob} {
		if b, err := st.Blob(ctx, *from, key); err == nil {
			blobs[key] = b
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	n := *note
	if n == "" {
		n = strings.Join(changes, "; ")
	}
	if err := st.ImportScenarioWithBlobs(ctx, *name, child, store.ScenarioInfo{Parent: *from, CRS: info.CRS, Note: n}, blobs); err != nil {
		return fmt.Errorf("storing scenario %q: %w", *name, err)
	}
	fmt.Fprintf(env.stdout, "scenario %q derived from %q: %s\n", *name, *from, n)
	if *out == "" {
		return nil
	}
	return compareScenarios(ctx, env, st, *db, *from, *name, pol, *out, rf)
}

func runScenarioList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "scenario list", "--db FILE [--json]")
	db := fs.String("db", "", "SQLite database `file`")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Scenarios(ctx)
	if err != nil {
		return err
	}
	type row struct {
		Name    string `json:"name"`
		Parent  string `json:"parent"`
		Schools int    `json:"schools"`
		Units   int    `json:"units"`
		Plans   int    `json:"plans"`
		Note    string `json:"note"`
	}
	rows := []row{}
	for _, s := range list {
		plans, err := st.Plans(ctx, s.Name)
		if err != nil {
			return err
		}
		rows = append(rows, row{s.Name, s.Parent, s.Schools, s.Units, len(plans), s.Note})
	}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	fmt.Fprintf(env.stdout, "%-24s %-24s %7s %7s %5s  %s\n", "NAME", "PARENT", "SCHOOLS", "UNITS", "PLANS", "NOTE")
	for _, r := range rows {
		fmt.Fprintf(env.stdout, "%-24s %-24s %7d %7d %5d  %s\n", r.Name, r.Parent, r.Schools, r.Units, r.Plans, r.Note)
	}
	return nil
}

func runScenarioCompare(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "scenario compare", "--db FILE --a PARENT --b CHILD --out DIR [--policy F] [--roads F]")
	db := fs.String("db", "", "SQLite database `file`")
	a := fs.String("a", "", "base scenario `name` (default: the parent of --b)")
	b := fs.String("b", "", "derived scenario `name`")
	out := fs.String("out", "", "output `directory`")
	policyFile := fs.String("policy", "", "policy JSON `file` for scenarios that must be solved")
	var rf inputFlags
	registerRoadFlags(fs, &rf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *b == "" || *out == "" {
		fmt.Fprintln(env.stderr, "scenario compare: --b and --out are required")
		fs.Usage()
		return errUsage
	}
	pol, err := allocation.ReadPolicyFile(*policyFile)
	if err != nil {
		return err
	}
	st, err := openDB(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *a == "" {
		_, info, err := st.LoadScenario(ctx, *b)
		if err != nil {
			return err
		}
		if info.Parent == "" {
			return fmt.Errorf("scenario %q has no parent: give --a", *b)
		}
		*a = info.Parent
	}
	return compareScenarios(ctx, env, st, *db, *a, *b, pol, *out, rf)
}

// registerRoadFlags registers on fs the road-network flags of inputFlags
// (--roads, --crossing-penalty, --barrier-penalty) for commands that read
// stored scenarios: with --roads, scenarios are measured on its streets
// instead of the road network stored with them (needed for a walking plan
// of a scenario imported without --roads).
func registerRoadFlags(fs *flag.FlagSet, f *inputFlags) {
	fs.StringVar(&f.roads, "roads", "", "OpenStreetMap extract `file` (.osm, .osm.bz2, .osm.pbf): new plans are solved, and stored walking plans rebuilt, by walking distance on its streets (default: each scenario's imported road network, if any)")
	registerPenaltyFlags(fs, f)
}

// scenarioPlan returns the latest stored plan of a scenario, solving (and
// storing) one when there is none. The scenario is read as --db/--scenario
// would read it (boundary and cached road network included; rf's --roads
// and penalties apply as they do for solve --db).
//
// A stored plan is rebuilt with the metric it was solved with (its Meta's
// pipeline.MetaMetric, or for an edit revision its lineage's first plan's),
// never with another: a straight-line plan stays straight-line even when
// the scenario now has a road network, and a walking plan without a road
// network fails with an error wrapping errNoRoads.
func scenarioPlan(ctx context.Context, env *cliEnv, st *store.Store, dbPath, name string, pol allocation.Policy, rf inputFlags) (*allocation.Plan, *pipeline.Prepared, error) {
	in := inputFlags{db: dbPath, scenario: name, roads: rf.roads, crossingPenalty: rf.crossingPenalty, barrierPenalty: rf.barrierPenalty}
	ds, boundary, own, err := in.load(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	own.Close()
	rec, err := st.LatestPlan(ctx, name)
	if err == nil {
		recorded, err := planMetricName(ctx, st, rec)
		if err != nil {
			return nil, nil, err
		}
		m, err := metricForPlan(rec, recorded, ds, in.Metric())
		if err != nil {
			return nil, nil, err
		}
		prep, err := pipeline.Prepare(ctx, ds, boundary, m)
		if err != nil {
			return nil, nil, fmt.Errorf("scenario %q: %w", name, err)
		}
		plan, err := prep.FromRecord(ctx, rec)
		if err != nil {
			return nil, nil, fmt.Errorf("scenario %q: %w", name, err)
		}
		return plan, prep, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	prep, err := pipeline.Prepare(ctx, ds, boundary, in.Metric())
	if err != nil {
		return nil, nil, fmt.Errorf("scenario %q: %w", name, err)
	}
	env.log.Info("solving", "scenario", name, "metric", prep.Metric.Name())
	plan, err := prep.Solve(ctx, pol, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("scenario %q: %w", name, err)
	}
	rec, err = pipeline.Record(plan, name, "cli", "catchment scenario")
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.SavePlan(ctx, rec); err != nil {
		return nil, nil, fmt.Errorf("saving the plan of %q: %w", name, err)
	}
	return plan, prep, nil
}

// errNoRoads is wrapped by the error of rebuilding a plan solved with
// walking distances when no road network is at hand.
var errNoRoads = errors.New("no road network")

// walkingMetricName is the name walking plans record (roads.Network.Name).
const walkingMetricName = "walking"

// planMetricName is the name of the metric rec was solved with: its Meta's
// pipeline.MetaMetric, or for an edit revision (whose Meta has none) that of
// its lineage's first plan; "" (straight line) for plans stored before
// metrics were recorded.
func planMetricName(ctx context.Context, st *store.Store, rec *store.PlanRecord) (string, error) {
	if m := metaMetric(rec.Meta); m != "" || rec.Parent == 0 {
		return m, nil
	}
	infos, err := st.Plans(ctx, rec.Scenario)
	if err != nil {
		return "", fmt.Errorf("plan %d: lineage: %w", rec.ID, err)
	}
	parent := make(map[int64]int64, len(infos))
	for _, pi := range infos {
		parent[pi.ID] = pi.Parent
	}
	root := rec.Parent
	for range infos { // a lineage has no cycles, but never loop forever
		p, ok := parent[root]
		if !ok || p == 0 {
			break
		}
		root = p
	}
	r, err := st.Plan(ctx, root)
	if err != nil {
		return "", fmt.Errorf("plan %d: lineage plan %d: %w", rec.ID, root, err)
	}
	return metaMetric(r.Meta), nil
}

// metaMetric is the metric named in a plan's Meta, "" when none (or when
// Meta is not a JSON object).
func metaMetric(meta json.RawMessage) string {
	var m map[string]any
	if len(meta) == 0 || json.Unmarshal(meta, &m) != nil {
		return ""
	}
	s, _ := m[pipeline.MetaMetric].(string)
	return s
}

// metricForPlan returns the metric to rebuild plan rec with, given the name
// it records (see planMetricName) and the metric the scenario's flags give
// (nil: straight line): the straight line for straight-line plans (and old
// plans without a name), the road network for walking plans, and an error
// wrapping errNoRoads when a walking plan has no road network at hand.
func metricForPlan(rec *store.PlanRecord, recorded string, ds *data.Dataset, available geo.Metric) (geo.Metric, error) {
	switch recorded {
	case "", geo.Geodesic{}.Name(), geo.Euclidean{}.Name():
		return geo.StraightLine(ds.Planar), nil
	case walkingMetricName:
		if available == nil || available.Name() != walkingMetricName {
			return nil, fmt.Errorf("%w: scenario %q: plan %d was zoned by walking distance, but the scenario has no road network stored with it: give --roads FILE (the same OpenStreetMap extract) or re-import the scenario with catchment import --roads",
				errNoRoads, rec.Scenario, rec.ID)
		}
		return available, nil
	}
	return nil, fmt.Errorf("scenario %q: plan %d was solved with an unknown distance metric %q", rec.Scenario, rec.ID, recorded)
}

// compareScenarios writes comparison.json, changes.csv, changes.geojson and
// schools.csv into out, plus the derived plan's outputs under out/plan.
func compareScenarios(ctx context.Context, env *cliEnv, st *store.Store, dbPath, a, b string, pol allocation.Policy, out string, rf inputFlags) error {
	pa, _, err := scenarioPlan(ctx, env, st, dbPath, a, pol, rf)
	if err != nil {
		return err
	}
	pb, prepB, err := scenarioPlan(ctx, env, st, dbPath, b, pol, rf)
	if err != nil {
		return err
	}
	if pa.Metric != pb.Metric {
		env.log.Warn("the two plans are measured by different distances: their distances do not compare", a, pa.Metric, b, pb.Metric)
	}
	c, err := whatif.Compare(a, b, pa, pb)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	write := func(name string, fill func(f *os.File) error) error {
		f, err := os.Create(filepath.Join(out, name))
		if err != nil {
			return err
		}
		if err := fill(f); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
		return f.Close()
	}
	if err := write("comparison.json", func(f *os.File) error { return c.WriteJSON(f) }); err != nil {
		return err
	}
	if err := write("changes.csv", func(f *os.File) error { return c.WriteChangesCSV(f) }); err != nil {
		return err
	}
	if err := write("schools.csv", func(f *os.File) error { return c.WriteSchoolsCSV(f) }); err != nil {
		return err
	}
	if err := write("changes.geojson", func(f *os.File) error {
		bs, err := c.ChangesGeoJSON().MarshalJSON()
		if err == nil {
			_, err = f.Write(bs)
		}
		return err
	}); err != nil {
		return err
	}
	if err := prepB.WriteOutputs(filepath.Join(out, "plan"), pb); err != nil {
		return err
	}
	for _, stg := range []string{"primary", "junior"} {
		d := c.Stages[stg]
		if d == nil {
			continue
		}
		fmt.Fprintf(env.stdout, "%-8s in zone %.2f%% → %.2f%% (%+.2f), distance %.0f → %.0f m, unplaced %+d, units changed %d (%d pupils), zones changed %d\n",
			stg, 100*d.Before.NearZoneRatio, 100*d.After.NearZoneRatio, 100*d.NearZoneRatioDelta,
			d.Before.TotalDistanceMeters, d.After.TotalDistanceMeters, d.UnplacedDelta, d.UnitsChanged, d.PupilsChanged, d.ZonesChanged)
	}
	return nil
}

func runScenarioProvision(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "scenario provision", "(--schools F ... | --db FILE --scenario NAME) --communities F [--policy F] [--out DIR]")
	var in inputFlags
	in.register(fs)
	comms := fs.String("communities", "", "GeoJSON `file` of communities / growth areas (properties id, name, population)")
	policyFile := fs.String("policy", "", "policy JSON `file` (provision thresholds, class sizes, service radii)")
	out := fs.String("out", "", "write provision.csv and provision.json into `dir` (default: CSV on stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *comms == "" {
		fmt.Fprintln(env.stderr, "scenario provision: --communities is required")
		fs.Usage()
		return errUsage
	}
	pol, err := allocation.ReadPolicyFile(*policyFile)
	if err != nil {
		return err
	}
	ds, _, db, err := in.load(ctx, env)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	f, err := os.Open(*comms)
	if err != nil {
		return err
	}
	cs, err := whatif.ReadCommunitiesGeoJSON(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *comms, err)
	}
	ps, err := whatif.CheckProvision(ds, cs, pol, in.Metric())
	if err != nil {
		return err
	}
	deficits := 0
	for _, p := range ps {
		if p.Deficit {
			deficits++
		}
	}
	if *out == "" {
		if err := whatif.WriteProvisionCSV(env.stdout, ps); err != nil {
			return err
		}
	} else {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		cf, err := os.Create(filepath.Join(*out, "provision.csv"))
		if err != nil {
			return err
		}
		if err := whatif.WriteProvisionCSV(cf, ps); err != nil {
			cf.Close()
			return err
		}
		if err := cf.Close(); err != nil {
			return err
		}
		b, err := json.MarshalIndent(ps, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, "provision.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.stderr, "%d communities checked, %d with deficits\n", len(ps), deficits)
	return nil
}
