package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"catchment/allocation"
	"catchment/allocation/edit"
	"catchment/api"
	"catchment/data/store"
)

var _ api.Editor = (*Engine)(nil)

// editSession is the open edit.Session of one scenario, valid while the
// scenario's geometry (one import) is the same and its newest plan has
// the session's metric.
type editSession struct {
	geom   *scenarioGeom
	metric string // the metric name the session evaluates with
	s      *edit.Session
}

// EditSession returns the scenario's planner editing session, opened
// lazily (once per import) on the engine's prepared dataset and cell
// adjacency, with the metric and policy of the newest plan (a walking
// plan is edited by walking distance). When a plan was stored behind the
// session's back (a new solve, another process), the session re-reads
// the newest revision first, or is reopened when that plan was solved
// with another metric. A scenario without a plan fails with an error
// wrapping edit.ErrNotFound; a walking plan without a road network, with
// one wrapping ErrNoRoads.
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
		newest := newestRevision(infos)
		if newest == head {
			return es.s, nil
		}
		rec, err := e.st.LatestPlan(ctx, scenario)
		if err != nil {
			return nil, fmt.Errorf("edit session %q: %w", scenario, err)
		}
		m, err := e.metricOf(ctx, rec)
		if err != nil {
			return nil, err
		}
		if m == es.metric {
			if err := es.s.Reload(ctx); err != nil {
				return nil, err
			}
			return es.s, nil
		}
		delete(e.edits, scenario) // solved with another metric: reopen below
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
	m, err := e.metricOf(ctx, rec)
	if err != nil {
		return nil, err
	}
	prep, err := g.forMetric(scenario, m)
	if err != nil {
		return nil, fmt.Errorf("edit session %q: %w", scenario, err)
	}
	s, err := edit.Open(ctx, e.st, scenario, prep.Dataset, pol, prep.Metric, prep.Adjacency)
	if err != nil {
		return nil, err
	}
	e.edits[scenario] = &editSession{geom: g, metric: m, s: s}
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
