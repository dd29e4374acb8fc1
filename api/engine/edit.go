package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/api"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

var _ api.Editor = (*Engine)(nil)

// editSession is the open edit.Session of one scenario, valid while the
// scenario's geometry (one import) is the same.
type editSession struct {
	geom *scenarioGeom
	s    *edit.Session
}

// EditSession returns the scenario's planner editing session, opened
// lazily (once per import) on the engine's prepared dataset, cell
// adjacency and straight-line metric, with the policy of the newest plan.
// When a plan was stored behind the session's back (a new solve, another
// process), the session re-reads the newest revision first. A scenario
// without a plan fails with an error wrapping edit.ErrNotFound.
func (e *Engine) EditSession(ctx context.Context, scenario string) (*edit.Session, error) {
	g, err := e.geom(ctx, scenario)
	if err != nil {
		return nil, err
	}
	e.editMu.Lock()
	defer e.editMu.Unlock()
	if e.edits == nil {
		e.edits = map[string]*editSession{}
	}
	if es := e.edits[scenario]; es != nil && es.geom == g {
		infos, err := e.st.Plans(ctx, scenario)
		if err != nil {
			return nil, fmt.Errorf("edit session %q: %w", scenario, err)
		}
		head, _ := es.s.Head()
		if newest := newestRevision(infos); newest != head {
			if err := es.s.Reload(ctx); err != nil {
				return nil, err
			}
		}
		return es.s, nil
	}
	rec, err := e.st.LatestPlan(ctx, scenario)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("scenario %q has no plan to edit (solve it first): %w", scenario, edit.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("edit session %q: %w", scenario, err)
	}
	pol := allocation.DefaultPolicy()
	if len(rec.Policy) > 0 {
		if err := json.Unmarshal(rec.Policy, &pol); err != nil {
			return nil, fmt.Errorf("edit session %q: policy of revision %d: %w", scenario, rec.Revision, err)
		}
	}
	s, err := edit.Open(ctx, e.st, scenario, g.ds, pol, geo.StraightLine(g.ds.Planar), g.adj)
	if err != nil {
		return nil, err
	}
	e.edits[scenario] = &editSession{geom: g, s: s}
	return s, nil
}

// newestRevision is the revision of the most recently saved plan.
func newestRevision(infos []store.PlanInfo) int {
	var best store.PlanInfo
	for _, in := range infos {
		if in.ID > best.ID {
			best = in
		}
	}
	return best.Revision
}

// zonesOnly reports whether a stored plan is an edit revision: zones
// without placements (edit.Session stores placements nowhere; they follow
// from the zones).
func zonesOnly(rec *store.PlanRecord) bool { return len(rec.Placements) == 0 && len(rec.Zones) > 0 }

// planFromZones rebuilds an edit revision's full plan with
// allocation.FromZones (placements and report), under the revision's
// policy and the engine's metric.
func planFromZones(ctx context.Context, rec *store.PlanRecord, g *scenarioGeom) (*allocation.Plan, error) {
	p, pol, err := planFromRecord(rec, g.ds)
	if err != nil {
		return nil, err
	}
	var zones [data.NumStages][]int32
	for st := range data.NumStages {
		zones[st] = p.Stages[st].Zone
	}
	full, err := allocation.FromZones(ctx, g.ds, pol, geo.StraightLine(g.ds.Planar), g.adj, zones)
	if err != nil {
		return nil, fmt.Errorf("plan %d (revision %d): %w", rec.ID, rec.Revision, err)
	}
	// FromZones leaves units without pupils of a stage unzoned, while the
	// solver (and so every revision) zones them with their neighbours: put
	// them back, so the revision's map has no holes and its publication
	// lists exactly the revision's zones. They carry no pupils, so the
	// placements and the report do not change.
	for st := range data.NumStages {
		sp := &full.Stages[st]
		for u, z := range zones[st] {
			if z >= 0 && sp.Zone[u] < 0 {
				sp.Zone[u] = z
				sp.ZoneMeters[u] = p.Stages[st].ZoneMeters[u]
			}
		}
	}
	return full, nil
}
