// Package engine implements api.Engine over catchment's lower layers: the
// SQLite store (data/store) keeps scenarios and plans, geo/ingest reads
// uploads, allocation/pipeline prepares a scenario (unit cells, their
// adjacency, the distance metric), solves it and converts plans to and from
// their stored records — the same code path as the CLI's solve — and
// allocation evaluates, compares and answers look-ups. The engine caches
// one prepared scenario per import.
//
// Distance metric: a scenario is solved by walking distance when it has a
// road network — the one stored with it by `catchment import --roads`
// (blob pipeline.RoadsBlob), else the engine's fallback network (SetRoads,
// `catchment serve --roads FILE`) — and by straight line otherwise. Every
// stored plan records its metric (Meta "metric", pipeline.MetaMetric; an
// edit revision inherits its lineage's), and a stored plan is always
// rebuilt with the metric it was solved with, never re-evaluated with
// another: a walking plan whose scenario has no road network at load time
// fails with an error wrapping ErrNoRoads and api.ErrConflict that says how
// to fix it (start the server with --roads, or import the scenario with
// --roads), rather than serving straight-line distances as walking ones.
// Units that cannot walk to a school are logged (pipeline.RoadCheck.Log)
// when the scenario is first prepared.
//
// Published-plan rule: Current returns the most recent of (a) every stored
// plan, at its creation time, and (b) every explicit Publish, at the time
// it was recorded. So a fresh solve is served after a restart, and so is
// an older plan a planner re-published later. A planner's edit revision
// (a plan with a parent, written by allocation/edit) counts only through
// an explicit Publish: drafts are never served to parents by accident.
//
// Planner edits (api.Editor): one allocation/edit Session per scenario,
// opened lazily on the cached dataset and cell adjacency. Edit revisions
// store zones only; Snapshot rebuilds their placements and report with
// allocation.FromZones.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/api"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/cells"
	"catchment/geo/ingest"
	"catchment/geo/roads"
)

// Blob keys the engine keeps per scenario.
const (
	blobBoundary   = "boundary"          // the study boundary, GeoJSON geometry
	blobPublished  = "api.published"     // {"plan": id, "at": time} of the last Publish
	metaMetric     = pipeline.MetaMetric // key in PlanRecord.Meta: the distance metric
	metaComparison = "comparison"        // key in PlanRecord.Meta: a comparisonDoc
)

// walkingMetric is the name of the walking metric (roads.Network.Name) as
// plans record it.
const walkingMetric = "walking"

// ErrNoRoads is wrapped (together with api.ErrConflict) by the error of
// loading a plan solved with walking distances when its scenario has no
// road network: neither stored with it nor given to SetRoads.
var ErrNoRoads = errors.New("no road network")

// Engine is an api.Engine backed by a store. It is safe for concurrent use.
type Engine struct {
	st  *store.Store
	log *slog.Logger

	mu      sync.Mutex
	geoms   map[string]*scenarioGeom // by scenario name
	metrics map[int64]string         // metric of edit revisions, by plan id

	// roads is the fallback walking network, roadOpts the options of
	// stored ones (see SetRoads).
	roads    *roads.Network
	roadOpts roads.Options

	// solver, when set, runs solves elsewhere (see SetSolver).
	solver SolverFunc

	// editMu guards edits, the open planner editing sessions by scenario.
	editMu sync.Mutex
	edits  map[string]*editSession
}

// SolverFunc solves a stored scenario and stores the plan, returning its
// id; e.g. in a separate low-priority process running SolveAndStore, so
// that a long solve does not take CPU from the look-ups being served.
type SolverFunc func(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (planID int64, err error)

// SetSolver makes Solve delegate solving and storing to f; Solve then
// loads the stored plan and builds its snapshot. Call it before serving.
func (e *Engine) SetSolver(f SolverFunc) { e.solver = f }

// SetRoads sets where scenarios get walking distances: fallback (nil for
// none) is the network of every WGS-84 scenario without a stored one (e.g.
// `serve --roads FILE`), and opts (e.g. the crossing penalty) apply to the
// networks stored with scenarios. It drops the prepared scenarios; call it
// before serving.
func (e *Engine) SetRoads(fallback *roads.Network, opts roads.Options) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.roads, e.roadOpts = fallback, opts
	e.geoms = map[string]*scenarioGeom{}
}

// scenarioGeom is a loaded scenario prepared for solving, valid while the
// scenario's creation time is unchanged. ds, tess and adj are straight's
// Dataset, Cells and Adjacency, shared by walking.
type scenarioGeom struct {
	created time.Time
	ds      *data.Dataset
	tess    *cells.Tessellation
	adj     [][]int32
	// straight is the scenario prepared with the straight-line metric;
	// walking is the same with the walking metric, nil without a road
	// network (roadsFrom says where the network came from).
	straight, walking *pipeline.Prepared
	roadsFrom         string
	ready             chan struct{} // closed when built
	err               error
}

// solving is how new plans of the scenario are solved: by walking distance
// when it has a road network, else by straight line.
func (g *scenarioGeom) solving() *pipeline.Prepared {
	if g.walking != nil {
		return g.walking
	}
	return g.straight
}

// forMetric is the scenario prepared with the named metric (as a plan
// records it; "" for plans stored before metrics were recorded, which are
// straight-line).
func (g *scenarioGeom) forMetric(scenario, name string) (*pipeline.Prepared, error) {
	switch name {
	case "", g.straight.Metric.Name(), geo.Geodesic{}.Name(), geo.Euclidean{}.Name():
		return g.straight, nil
	case walkingMetric:
		if g.walking == nil {
			return nil, fmt.Errorf("%w: %w: scenario %q was zoned by walking distance, but it has no road network stored with it and the server has none (serve --roads): start the server with --roads FILE (the same OpenStreetMap extract) or re-import the scenario with import --roads",
				api.ErrConflict, ErrNoRoads, scenario)
		}
		return g.walking, nil
	}
	return nil, fmt.Errorf("scenario %q: plan solved with unknown distance metric %q", scenario, name)
}

// New returns an Engine over st. log may be nil.
func New(st *store.Store, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{st: st, log: log, geoms: map[string]*scenarioGeom{}, metrics: map[int64]string{},
		roadOpts: pipeline.DefaultRoadOptions()}
}

var _ api.Engine = (*Engine)(nil)

// Ping checks that the database answers a query.
func (e *Engine) Ping(ctx context.Context) error {
	_, err := e.st.Scenarios(ctx)
	return err
}

// Scenarios lists the stored scenarios, newest first.
func (e *Engine) Scenarios(ctx context.Context) ([]api.ScenarioInfo, error) {
	sc, err := e.st.Scenarios(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.ScenarioInfo, 0, len(sc))
	for _, s := range sc {
		out = append(out, scenarioInfo(s))
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Created.After(out[b].Created) })
	return out, nil
}

func scenarioInfo(s store.ScenarioInfo) api.ScenarioInfo {
	return api.ScenarioInfo{Name: s.Name, Planar: s.Planar, CRS: s.CRS, Created: s.Created,
		Schools: s.Schools, Units: s.Units, Current: s.Current, Candidates: s.Candidates, Parent: s.Parent, Note: s.Note}
}

// CreateScenario reads the files with geo/ingest and imports them in one
// transaction (with the study boundary, when given). File problems are
// returned wrapping api.ErrInvalid, with every located message.
func (e *Engine) CreateScenario(ctx context.Context, name string, f api.UploadFiles, crsName string) (api.ScenarioInfo, error) {
	if crsName == "" {
		crsName = "wgs84"
	}
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return api.ScenarioInfo{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	if err := store.ValidateName(name); err != nil {
		return api.ScenarioInfo{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	var warns []string
	ds, err := ingest.Load(ctx, ingest.Files{Schools: f.Schools, Units: f.Units, Households: f.Households,
		Current: f.Current, Candidates: f.Candidates}, ingest.Options{CRS: crs, Warn: func(s string) { warns = append(warns, s) }})
	if err != nil {
		if ctx.Err() != nil {
			return api.ScenarioInfo{}, ctx.Err()
		}
		return api.ScenarioInfo{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
	}
	blobs := map[string][]byte{}
	if f.Boundary != "" {
		g, err := ingest.LoadBoundary(f.Boundary, crs)
		if err != nil {
			return api.ScenarioInfo{}, fmt.Errorf("%w: boundary: %v", api.ErrInvalid, err)
		}
		if blobs[blobBoundary], err = geojson.NewGeometry(g).MarshalJSON(); err != nil {
			return api.ScenarioInfo{}, fmt.Errorf("encode boundary: %w", err)
		}
	}
	for _, w := range warns {
		e.log.Warn("upload", "scenario", name, "warning", w)
	}
	if err := e.st.ImportScenarioWithBlobs(ctx, name, ds, store.ScenarioInfo{CRS: crs.String()}, blobs); err != nil {
		return api.ScenarioInfo{}, err
	}
	return e.scenario(ctx, name)
}

// Import stores a dataset (and its boundary, may be nil) as scenario name,
// e.g. the built-in demo city.
func (e *Engine) Import(ctx context.Context, name string, ds *data.Dataset, boundary orb.Geometry, note string) error {
	return e.ImportWithRoads(ctx, name, ds, boundary, nil, note)
}

// ImportWithRoads is Import that also stores g (nil for none) as the
// scenario's road network, in the same transaction, as `catchment import
// --roads` does: the scenario is then zoned by walking distance. A road
// network needs WGS-84 data.
func (e *Engine) ImportWithRoads(ctx context.Context, name string, ds *data.Dataset, boundary orb.Geometry, g *roads.Graph, note string) error {
	blobs := map[string][]byte{}
	if boundary != nil {
		b, err := geojson.NewGeometry(boundary).MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode boundary: %w", err)
		}
		blobs[blobBoundary] = b
	}
	if g != nil {
		if ds.Planar {
			return fmt.Errorf("scenario %q: %w: a road network needs WGS-84 data, not planar metres", name, api.ErrInvalid)
		}
		b, err := g.MarshalBinary()
		if err != nil {
			return fmt.Errorf("scenario %q: encode road network: %w", name, err)
		}
		blobs[pipeline.RoadsBlob] = b
	}
	crs := "wgs84"
	if ds.Planar {
		crs = "xy"
	}
	return e.st.ImportScenarioWithBlobs(ctx, name, ds, store.ScenarioInfo{CRS: crs, Note: note}, blobs)
}

func (e *Engine) scenario(ctx context.Context, name string) (api.ScenarioInfo, error) {
	sc, err := e.st.Scenarios(ctx)
	if err != nil {
		return api.ScenarioInfo{}, err
	}
	for _, s := range sc {
		if s.Name == name {
			return scenarioInfo(s), nil
		}
	}
	return api.ScenarioInfo{}, fmt.Errorf("scenario %q: %w", name, api.ErrNotFound)
}

// DeleteScenario deletes a scenario with its plans.
func (e *Engine) DeleteScenario(ctx context.Context, name string) error {
	err := e.st.DeleteScenario(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("scenario %q: %w", name, api.ErrNotFound)
	}
	e.mu.Lock()
	delete(e.geoms, name)
	clear(e.metrics)
	e.mu.Unlock()
	e.editMu.Lock()
	delete(e.edits, name)
	e.editMu.Unlock()
	return err
}

// geom returns the scenario's dataset and tessellation, building them once
// per import (concurrent callers wait for one build).
func (e *Engine) geom(ctx context.Context, name string) (*scenarioGeom, error) {
	info, err := e.scenario(ctx, name)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	g := e.geoms[name]
	if g != nil && g.created.Equal(info.Created) {
		e.mu.Unlock()
		select {
		case <-g.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if g.err != nil {
			return nil, g.err
		}
		return g, nil
	}
	g = &scenarioGeom{created: info.Created, ready: make(chan struct{})}
	e.geoms[name] = g
	e.mu.Unlock()
	g.err = e.buildGeom(context.WithoutCancel(ctx), name, g)
	close(g.ready)
	if g.err != nil {
		e.mu.Lock()
		if e.geoms[name] == g {
			delete(e.geoms, name)
		}
		e.mu.Unlock()
		return nil, g.err
	}
	return g, nil
}

func (e *Engine) buildGeom(ctx context.Context, name string, g *scenarioGeom) error {
	start := time.Now()
	ds, _, err := e.st.LoadScenario(ctx, name)
	if err != nil {
		return fmt.Errorf("load scenario %q: %w", name, err)
	}
	var boundary orb.Geometry
	if b, err := e.st.Blob(ctx, name, blobBoundary); err == nil && len(b) > 0 {
		crs := geo.WGS84
		if ds.Planar {
			crs = geo.XY
		}
		if boundary, err = ingest.ParseBoundary(b, crs); err != nil {
			return fmt.Errorf("scenario %q: stored boundary: %w", name, err)
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("scenario %q: boundary: %w", name, err)
	}
	prep, err := pipeline.Prepare(ctx, ds, boundary, nil)
	if err != nil {
		return fmt.Errorf("scenario %q: %w", name, err)
	}
	g.ds, g.tess, g.adj, g.straight = ds, prep.Cells, prep.Adjacency, prep
	nw, from, err := e.scenarioRoads(ctx, name, ds)
	if err != nil {
		return err
	}
	if nw != nil {
		check, err := pipeline.CheckRoads(ctx, ds, nw)
		if err != nil {
			return fmt.Errorf("scenario %q: %w", name, err)
		}
		check.Log(e.log.With("scenario", name), 20)
		w := *prep
		w.Metric = nw
		g.walking, g.roadsFrom = &w, from
		e.log.Info("scenario zoned by walking distance", "scenario", name, "roads", from, "graph", nw.Graph().String(),
			"unreachable_units", len(check.Units), "unreachable_schools", len(check.Schools))
	}
	e.log.Info("scenario geometry ready", "scenario", name, "units", len(ds.Units), "metric", g.solving().Metric.Name(),
		"dur", time.Since(start).Round(time.Millisecond))
	return nil
}

// scenarioRoads is the scenario's walking network: the one stored with it,
// else the fallback (for WGS-84 data), else nil; from says which.
func (e *Engine) scenarioRoads(ctx context.Context, name string, ds *data.Dataset) (nw *roads.Network, from string, err error) {
	e.mu.Lock()
	fallback, opts := e.roads, e.roadOpts
	e.mu.Unlock()
	nw, err = pipeline.StoredRoads(ctx, e.st, name, opts)
	switch {
	case err == nil:
		return nw, "stored with the scenario", nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, "", fmt.Errorf("scenario %q: %w", name, err)
	case fallback == nil:
		return nil, "", nil
	case ds.Planar:
		e.log.Warn("scenario in planar metres: the --roads network does not apply; zoning by straight line", "scenario", name)
		return nil, "", nil
	}
	return fallback, "serve --roads", nil
}

// Solve solves the scenario, stores the plan and returns its snapshot.
func (e *Engine) Solve(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (*api.Snapshot, error) {
	if e.solver == nil {
		plan, rec, g, err := e.solveAndStore(ctx, scenario, pol, progress)
		if err != nil {
			return nil, err
		}
		report(progress, "", "drawing zones", 0.95)
		return e.snapshot(ctx, g, g.solving(), plan, rec)
	}
	id, err := e.solver(ctx, scenario, pol, progress)
	if err != nil {
		return nil, err
	}
	report(progress, "", "drawing zones", 0.95)
	return e.Snapshot(ctx, id)
}

// SolveAndStore solves the scenario and stores the plan, without building
// a snapshot; it returns the plan's id.
func (e *Engine) SolveAndStore(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (int64, error) {
	_, rec, _, err := e.solveAndStore(ctx, scenario, pol, progress)
	if err != nil {
		return 0, err
	}
	return rec.ID, nil
}

func report(progress func(api.Progress), stage, step string, f float64) {
	if progress != nil {
		progress(api.Progress{Stage: stage, Step: step, Fraction: f})
	}
}

func (e *Engine) solveAndStore(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (*allocation.Plan, *store.PlanRecord, *scenarioGeom, error) {
	report(progress, "", "loading scenario and building unit cells", 0)
	g, err := e.geom(ctx, scenario)
	if err != nil {
		return nil, nil, nil, err
	}
	prep := g.solving()
	var mu sync.Mutex
	plan, err := prep.Solve(ctx, pol, func(p allocation.Progress) {
		mu.Lock()
		defer mu.Unlock()
		report(progress, p.Stage, p.Step, 0.05+0.85*p.Fraction)
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve scenario %q: %w", scenario, err)
	}
	report(progress, "", "comparing with today's zoning", 0.9)
	cmp, err := comparison(ctx, prep, plan)
	if err != nil {
		return nil, nil, nil, err
	}
	report(progress, "", "saving plan", 0.92)
	rec, err := planRecord(plan, scenario, pol)
	if err != nil {
		return nil, nil, nil, err
	}
	if cmp != nil {
		// Stored with the plan, so whoever serves it need not recompute.
		if rec.Meta, err = json.Marshal(map[string]any{metaMetric: plan.Metric, metaComparison: cmp}); err != nil {
			return nil, nil, nil, fmt.Errorf("encode comparison: %w", err)
		}
	}
	id, err := e.st.SavePlan(ctx, rec)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("save plan of %q: %w", scenario, err)
	}
	saved, err := e.st.Plan(ctx, id)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reload plan %d: %w", id, err)
	}
	return plan, saved, g, nil
}

// planRecord is the stored form of a solved plan (pipeline.Record, the one
// conversion the CLI uses too), authored by the solver under policy pol.
func planRecord(p *allocation.Plan, scenario string, pol allocation.Policy) (*store.PlanRecord, error) {
	q := *p
	q.Policy = pol
	return pipeline.Record(&q, scenario, "solver", "")
}

// planOf rebuilds stored plan rec over its scenario, prepared with the
// metric the plan was solved with (pipeline.Prepared.FromRecord): zones
// from the rows, placements and report recomputed from them (identical to
// the stored ones for a solved plan). It returns the preparation used.
func (e *Engine) planOf(ctx context.Context, g *scenarioGeom, rec *store.PlanRecord) (*allocation.Plan, *pipeline.Prepared, error) {
	name, err := e.metricOf(ctx, rec)
	if err != nil {
		return nil, nil, err
	}
	prep, err := g.forMetric(rec.Scenario, name)
	if err != nil {
		return nil, nil, fmt.Errorf("plan %d: %w", rec.ID, err)
	}
	p, err := prep.FromRecord(ctx, rec)
	if err != nil {
		return nil, nil, fmt.Errorf("plan %d: %w", rec.ID, err)
	}
	return p, prep, nil
}

// recordedMetric is the metric named in a plan's Meta, "" when none.
func recordedMetric(meta json.RawMessage) string {
	var m struct {
		Metric string `json:"metric"`
	}
	if len(meta) == 0 || json.Unmarshal(meta, &m) != nil {
		return ""
	}
	return m.Metric
}

// metricOf is the name of the metric rec was solved with: its Meta's, or
// for an edit revision (whose Meta has none) that of its lineage's first
// plan; "" (straight line) for plans stored before metrics were recorded.
func (e *Engine) metricOf(ctx context.Context, rec *store.PlanRecord) (string, error) {
	if m := recordedMetric(rec.Meta); m != "" || rec.Parent == 0 {
		return m, nil
	}
	e.mu.Lock()
	m, ok := e.metrics[rec.ID]
	e.mu.Unlock()
	if ok {
		return m, nil
	}
	infos, err := e.st.Plans(ctx, rec.Scenario)
	if err != nil {
		return "", fmt.Errorf("plan %d: lineage: %w", rec.ID, err)
	}
	parent := make(map[int64]int64, len(infos))
	for _, in := range infos {
		parent[in.ID] = in.Parent
	}
	root := rec.Parent
	for range infos { // bounded: a lineage has no cycles, but never loop forever
		p, ok := parent[root]
		if !ok || p == 0 {
			break
		}
		root = p
	}
	r, err := e.st.Plan(ctx, root)
	if err != nil {
		return "", fmt.Errorf("plan %d: lineage plan %d: %w", rec.ID, root, err)
	}
	m = recordedMetric(r.Meta)
	e.mu.Lock()
	e.metrics[rec.ID] = m
	e.mu.Unlock()
	return m, nil
}

// Plans lists stored plans, newest first.
func (e *Engine) Plans(ctx context.Context, scenario string) ([]api.PlanInfo, error) {
	names := []string{scenario}
	if scenario == "" {
		sc, err := e.st.Scenarios(ctx)
		if err != nil {
			return nil, err
		}
		names = names[:0]
		for _, s := range sc {
			names = append(names, s.Name)
		}
	}
	var out []api.PlanInfo
	for _, n := range names {
		ps, err := e.st.Plans(ctx, n)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("scenario %q: %w", n, api.ErrNotFound)
		}
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, planInfo(p))
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID > out[b].ID })
	return out, nil
}

func planInfo(p store.PlanInfo) api.PlanInfo {
	return api.PlanInfo{ID: p.ID, Scenario: p.Scenario, Revision: p.Revision, Parent: p.Parent,
		Author: p.Author, Comment: p.Comment, Created: p.Created}
}

// Snapshot loads stored plan id.
func (e *Engine) Snapshot(ctx context.Context, id int64) (*api.Snapshot, error) {
	rec, err := e.st.Plan(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("plan %d: %w", id, api.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	g, err := e.geom(ctx, rec.Scenario)
	if err != nil {
		return nil, err
	}
	p, prep, err := e.planOf(ctx, g, rec)
	if err != nil {
		return nil, err
	}
	if zonesOnly(rec) && p.Report != nil {
		// A planner's edit revision stores zones only: its report follows
		// from them.
		r := *rec
		if r.Report, err = json.Marshal(p.Report); err != nil {
			return nil, fmt.Errorf("plan %d: encode report: %w", rec.ID, err)
		}
		rec = &r
	}
	return e.snapshot(ctx, g, prep, p, rec)
}

type publishMark struct {
	Plan int64     `json:"plan"`
	At   time.Time `json:"at"`
}

// Publish records plan id as published now.
func (e *Engine) Publish(ctx context.Context, id int64) error {
	rec, err := e.st.Plan(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("plan %d: %w", id, api.ErrNotFound)
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(publishMark{Plan: id, At: time.Now().UTC()})
	if err != nil {
		return err
	}
	return e.st.PutBlob(ctx, rec.Scenario, blobPublished, b)
}

// Current returns the published plan (see the package doc).
func (e *Engine) Current(ctx context.Context) (*api.Snapshot, error) {
	sc, err := e.st.Scenarios(ctx)
	if err != nil {
		return nil, err
	}
	var best int64
	var bestAt time.Time
	for _, s := range sc {
		ps, err := e.st.Plans(ctx, s.Name)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.Parent != 0 {
				continue // a planner's edit revision is a draft until published explicitly
			}
			if p.Created.After(bestAt) || (p.Created.Equal(bestAt) && p.ID > best) {
				best, bestAt = p.ID, p.Created
			}
		}
		if b, err := e.st.Blob(ctx, s.Name, blobPublished); err == nil {
			var m publishMark
			if json.Unmarshal(b, &m) == nil && m.At.After(bestAt) && planIn(ps, m.Plan) {
				best, bestAt = m.Plan, m.At
			}
		}
	}
	if best == 0 {
		return nil, fmt.Errorf("no stored plan: %w", api.ErrNotFound)
	}
	return e.Snapshot(ctx, best)
}

func planIn(ps []store.PlanInfo, id int64) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}
