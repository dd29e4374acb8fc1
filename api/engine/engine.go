// Package engine implements api.Engine over catchment's lower layers: the
// SQLite store (data/store) keeps scenarios and plans, geo/ingest reads
// uploads, geo/cells tessellates units into cells (adjacency, zone
// polygons, point location), and allocation solves, evaluates, compares
// and answers look-ups. It owns the conversion between allocation.Plan
// and store.PlanRecord, and caches one tessellation per scenario.
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
)

// Blob keys the engine keeps per scenario.
const (
	blobBoundary   = "boundary"          // the study boundary, GeoJSON geometry
	blobPublished  = "api.published"     // {"plan": id, "at": time} of the last Publish
	metaMetric     = pipeline.MetaMetric // key in PlanRecord.Meta: the distance metric
	metaComparison = "comparison"        // key in PlanRecord.Meta: a comparisonDoc
)

// Engine is an api.Engine backed by a store. It is safe for concurrent use.
type Engine struct {
	st  *store.Store
	log *slog.Logger

	mu    sync.Mutex
	geoms map[string]*scenarioGeom // by scenario name

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

// scenarioGeom is a loaded scenario with its tessellation, valid while the
// scenario's creation time is unchanged.
type scenarioGeom struct {
	created time.Time
	ds      *data.Dataset
	tess    *cells.Tessellation
	adj     [][]int32
	ready   chan struct{} // closed when built
	err     error
}

// New returns an Engine over st. log may be nil.
func New(st *store.Store, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{st: st, log: log, geoms: map[string]*scenarioGeom{}}
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
	blobs := map[string][]byte{}
	if boundary != nil {
		b, err := geojson.NewGeometry(boundary).MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode boundary: %w", err)
		}
		blobs[blobBoundary] = b
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
	t, err := cells.BuildContext(ctx, ds.Units, ds.Planar, boundary, cells.Options{GapMeters: pipeline.AdjacencyGapMeters})
	if err != nil {
		return fmt.Errorf("scenario %q: tessellate units: %w", name, err)
	}
	g.ds, g.tess, g.adj = ds, t, t.Adjacency()
	e.log.Info("scenario geometry ready", "scenario", name, "units", len(ds.Units), "dur", time.Since(start).Round(time.Millisecond))
	return nil
}

// Solve solves the scenario, stores the plan and returns its snapshot.
func (e *Engine) Solve(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (*api.Snapshot, error) {
	if e.solver == nil {
		plan, rec, g, err := e.solveAndStore(ctx, scenario, pol, progress)
		if err != nil {
			return nil, err
		}
		report(progress, "", "drawing zones", 0.95)
		return e.snapshot(ctx, g, plan, rec)
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
	var mu sync.Mutex
	in := allocation.Input{
		Dataset: g.ds, Policy: pol, Metric: geo.StraightLine(g.ds.Planar), Adjacency: g.adj,
		Progress: func(p allocation.Progress) {
			mu.Lock()
			defer mu.Unlock()
			report(progress, p.Stage, p.Step, 0.05+0.85*p.Fraction)
		},
	}
	plan, err := allocation.Solve(ctx, in)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("solve scenario %q: %w", scenario, err)
	}
	report(progress, "", "comparing with today's zoning", 0.9)
	cmp, err := comparison(ctx, g, plan)
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

// planFromRecord rebuilds the exact stored plan over its scenario's
// dataset: zones and placements from the rows, distances to the zone
// school from the metric. The report stays the stored JSON.
func planFromRecord(rec *store.PlanRecord, ds *data.Dataset) (*allocation.Plan, allocation.Policy, error) {
	pol := allocation.DefaultPolicy()
	if len(rec.Policy) > 0 {
		if err := json.Unmarshal(rec.Policy, &pol); err != nil {
			return nil, pol, fmt.Errorf("plan %d: policy: %w", rec.ID, err)
		}
	}
	metric := geo.StraightLine(ds.Planar)
	p := &allocation.Plan{Dataset: ds, Policy: pol, Metric: metric.Name()}
	var meta struct {
		Metric string `json:"metric"`
	}
	if json.Unmarshal(rec.Meta, &meta) == nil && meta.Metric != "" {
		p.Metric = meta.Metric
	}
	ui, si := ds.UnitIndex(), ds.SchoolIndex()
	for st := range data.NumStages {
		sp := &p.Stages[st]
		sp.Stage = data.Stage(st)
		sp.Zone = make([]int32, len(ds.Units))
		sp.ZoneMeters = make([]float64, len(ds.Units))
		for i := range sp.Zone {
			sp.Zone[i] = -1
		}
	}
	for _, z := range rec.Zones {
		u, ok1 := ui[z.UnitID]
		s, ok2 := si[z.SchoolID]
		if !ok1 || !ok2 || z.Stage < 0 || z.Stage >= data.NumStages {
			return nil, pol, fmt.Errorf("plan %d: zone row %+v names an unknown unit or school", rec.ID, z)
		}
		sp := &p.Stages[z.Stage]
		sp.Zone[u] = int32(s)
		sp.ZoneMeters[u] = metric.Meters(ds.Units[u].Loc, ds.Schools[s].Loc)
	}
	for _, r := range rec.Placements {
		u, ok := ui[r.UnitID]
		if !ok || r.Stage < 0 || r.Stage >= data.NumStages {
			return nil, pol, fmt.Errorf("plan %d: placement row names unknown unit %q", rec.ID, r.UnitID)
		}
		kind, err := allocation.ParsePlacementKind(r.Placement)
		if err != nil {
			return nil, pol, fmt.Errorf("plan %d: %w", rec.ID, err)
		}
		s := int32(-1)
		if r.SchoolID != "" {
			x, ok := si[r.SchoolID]
			if !ok {
				return nil, pol, fmt.Errorf("plan %d: placement row names unknown school %q", rec.ID, r.SchoolID)
			}
			s = int32(x)
		}
		p.Stages[r.Stage].Placements = append(p.Stages[r.Stage].Placements, allocation.Placement{
			Unit: int32(u), School: s, Pupils: int32(r.Pupils), Migrants: int32(r.Migrants), Meters: r.Meters, Kind: kind})
	}
	for st := range data.NumStages {
		ps := p.Stages[st].Placements
		sort.SliceStable(ps, func(a, b int) bool {
			if ps[a].Unit != ps[b].Unit {
				return ps[a].Unit < ps[b].Unit
			}
			if ps[a].Kind != ps[b].Kind {
				return ps[a].Kind < ps[b].Kind
			}
			return ps[a].School < ps[b].School
		})
	}
	return p, pol, nil
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
	p, _, err := planFromRecord(rec, g.ds)
	if err != nil {
		return nil, err
	}
	if zonesOnly(rec) {
		// A planner's edit revision: placements and report follow from its zones.
		if p, err = planFromZones(ctx, rec, g); err != nil {
			return nil, err
		}
		if p.Report != nil {
			r := *rec
			if r.Report, err = json.Marshal(p.Report); err != nil {
				return nil, fmt.Errorf("plan %d: encode report: %w", rec.ID, err)
			}
			rec = &r
		}
	}
	return e.snapshot(ctx, g, p, rec)
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
