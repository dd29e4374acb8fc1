package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/api"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
)

// snapshot builds everything the service serves for plan p (stored as rec),
// solved on prep (its metric evaluates today's zoning for the comparison).
func (e *Engine) snapshot(ctx context.Context, g *scenarioGeom, prep *pipeline.Prepared, p *allocation.Plan, rec *store.PlanRecord) (*api.Snapshot, error) {
	start := time.Now()
	ds := g.ds
	s := &api.Snapshot{
		Plan:   api.PlanInfo{ID: rec.ID, Scenario: rec.Scenario, Revision: rec.Revision, Parent: rec.Parent, Author: rec.Author, Comment: rec.Comment, Created: rec.Created, Metric: p.Metric},
		Planar: ds.Planar,
		Report: rec.Report,
	}
	var err error
	lap := start
	var laps []any
	mark := func(step string) {
		now := time.Now()
		laps = append(laps, slog.Duration(step, now.Sub(lap).Round(time.Millisecond)))
		lap = now
	}
	for st := range data.NumStages {
		if s.Zones[st], err = allocation.ZoneFeatures(p, g.tess, data.Stage(st)); err != nil {
			return nil, fmt.Errorf("plan %d: %w", rec.ID, err)
		}
	}
	mark("zones")
	s.Schools = schoolFeatures(p)
	if s.Publication, err = json.Marshal(p.Publication()); err != nil {
		return nil, fmt.Errorf("plan %d: publication: %w", rec.ID, err)
	}
	var meta struct {
		Comparison *comparisonDoc `json:"comparison"`
	}
	cmp := (*comparisonDoc)(nil)
	if json.Unmarshal(rec.Meta, &meta) == nil && meta.Comparison != nil {
		cmp = meta.Comparison
	} else if cmp, err = comparison(ctx, prep, p); err != nil {
		return nil, err
	}
	if cmp != nil {
		if s.Comparison, err = json.Marshal(cmp); err != nil {
			return nil, fmt.Errorf("plan %d: comparison: %w", rec.ID, err)
		}
		if s.Changes, err = changeFeatures(g, cmp.Comparison); err != nil {
			return nil, fmt.Errorf("plan %d: %w", rec.ID, err)
		}
		mark("comparison")
	}
	s.Units = make([]api.UnitRef, len(ds.Units))
	for i := range ds.Units {
		u := &ds.Units[i]
		s.Units[i] = api.UnitRef{ID: u.ID, Name: u.Name, Loc: publicLoc(u, ds.Planar)}
	}
	s.WriteAssignments = func(w io.Writer) error { return p.WriteAssignmentsCSV(w) }
	s.Locator = &locator{look: allocation.NewLookup(p, g.tess), planar: ds.Planar}
	mark("lookup")
	e.log.Info("plan snapshot ready", append([]any{"plan", rec.ID, "dur", time.Since(start).Round(time.Millisecond)}, laps...)...)
	return s, nil
}

// publicLoc is where the name search places a unit. A point unit made
// from household points (a grid cell) has its households' mean location,
// which for a cell of one household is that household's address: it is
// coarsened to a ~100 m grid (0.001°, or 100 m when planar).
func publicLoc(u *data.Unit, planar bool) orb.Point {
	if u.Households == 0 || u.Geom != nil {
		return u.Loc
	}
	if planar {
		return orb.Point{math.Round(u.Loc[0]/100) * 100, math.Round(u.Loc[1]/100) * 100}
	}
	return orb.Point{math.Round(u.Loc[0]*1000) / 1000, math.Round(u.Loc[1]*1000) / 1000}
}

// comparisonDoc is the comparison with today's zoning as served and stored
// with a plan: the changed units per stage and the report of today's zoning.
type comparisonDoc struct {
	*allocation.Comparison
	CurrentReport *allocation.Report `json:"current_report"`
}

// comparison evaluates today's zoning (Dataset.Current) on prep, with the
// plan's metric and policy, and compares the plan with it; nil when the
// scenario has no current zoning.
func comparison(ctx context.Context, prep *pipeline.Prepared, p *allocation.Plan) (*comparisonDoc, error) {
	cur, err := prep.Current(ctx, p.Policy)
	if err != nil {
		return nil, fmt.Errorf("evaluate today's zoning: %w", err)
	}
	if cur == nil {
		return nil, nil
	}
	cmp, err := allocation.Compare(cur, p)
	if err != nil {
		return nil, err
	}
	return &comparisonDoc{Comparison: cmp, CurrentReport: cur.Report}, nil
}

// schoolFeatures lists each school as a Point with its seats, enrolled
// pupils (zone and overflow placements) and utilisation per stage.
func schoolFeatures(p *allocation.Plan) *geojson.FeatureCollection {
	ds := p.Dataset
	enrolled := make([][data.NumStages]int, len(ds.Schools))
	for st := range data.NumStages {
		for _, pl := range p.Stages[st].Placements {
			if pl.School >= 0 && pl.Kind != allocation.Unplaced {
				enrolled[pl.School][st] += int(pl.Pupils)
			}
		}
	}
	fc := geojson.NewFeatureCollection()
	for i := range ds.Schools {
		sc := &ds.Schools[i]
		f := geojson.NewFeature(sc.Loc)
		f.Properties["id"] = sc.ID
		f.Properties["name"] = sc.Name
		f.Properties["ownership"] = sc.Ownership.String()
		f.Properties["status"] = sc.Status.String()
		f.Properties["boarding"] = sc.Boarding
		seats, pupils := 0, 0
		for st := range data.NumStages {
			name := data.Stage(st).String()
			f.Properties[name+"_seats"] = sc.Seats[st]
			f.Properties[name+"_pupils"] = enrolled[i][st]
			u := 0.0
			if sc.Seats[st] > 0 {
				u = math.Round(float64(enrolled[i][st])/float64(sc.Seats[st])*1000) / 1000
			}
			f.Properties[name+"_utilization"] = u
			seats += sc.Seats[st]
			pupils += enrolled[i][st]
		}
		f.Properties["seats"] = seats
		f.Properties["pupils"] = pupils
		u := 0.0
		if seats > 0 {
			u = math.Round(float64(pupils)/float64(seats)*1000) / 1000
		}
		f.Properties["utilization"] = u
		fc.Append(f)
	}
	return fc
}

// changeFeatures draws the cells of the units whose zone school changes,
// one feature per unit and stage. Units without pupils of the stage move
// nobody and are left out (Compare lists them when their zone changes).
func changeFeatures(g *scenarioGeom, cmp *allocation.Comparison) (*geojson.FeatureCollection, error) {
	fc := geojson.NewFeatureCollection()
	ui := g.ds.UnitIndex()
	for st := range data.NumStages {
		sc := cmp.Stages[data.Stage(st).String()]
		if sc == nil {
			continue
		}
		for _, ch := range sc.Units {
			if ch.Pupils == 0 {
				continue
			}
			u, ok := ui[ch.UnitID]
			if !ok {
				return nil, fmt.Errorf("changed unit %q is not in the scenario", ch.UnitID)
			}
			cell := g.tess.Cell(u)
			if cell == nil {
				continue
			}
			f := geojson.NewFeature(cell)
			f.Properties["unit_id"] = ch.UnitID
			f.Properties["name"] = ch.Name
			f.Properties["stage"] = data.Stage(st).String()
			f.Properties["from"] = ch.From
			f.Properties["to"] = ch.To
			f.Properties["pupils"] = ch.Pupils
			fc.Append(f)
		}
	}
	return fc, nil
}

// locator adapts allocation.Lookup to api.Locator, converting the query
// point's coordinate system first.
type locator struct {
	look   *allocation.Lookup
	planar bool
}

func (l *locator) Lookup(crsName string, x, y float64, dst *api.Answer) error {
	p := orb.Point{x, y}
	switch crsName {
	case "", "wgs84", "WGS84":
		if l.planar && crsName != "" {
			return fmt.Errorf("%w: this plan is in planar metres; use crs=xy", api.ErrInvalid)
		}
	default:
		crs, err := geo.ParseCRS(crsName)
		if err != nil {
			return fmt.Errorf("%w: %v", api.ErrInvalid, err)
		}
		if crs.Planar() != l.planar {
			if l.planar {
				return fmt.Errorf("%w: this plan is in planar metres; use crs=xy", api.ErrInvalid)
			}
			return fmt.Errorf("%w: this plan is in longitude/latitude; crs=xy does not apply", api.ErrInvalid)
		}
		p = crs.ToWGS84(p)
	}
	if !l.planar && (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
		return fmt.Errorf("%w: longitude must be in [-180, 180] and latitude in [-90, 90]", api.ErrInvalid)
	}
	a := l.look.At(p)
	dst.Inside, dst.UnitID, dst.UnitName, dst.Message = a.Inside, a.UnitID, a.UnitName, a.Message
	dst.Lon, dst.Lat = p[0], p[1]
	for _, s := range a.Stages {
		dst.Stages = append(dst.Stages, api.StageAnswer{Stage: s.Stage, SchoolID: s.SchoolID, SchoolName: s.SchoolName,
			Meters: s.Meters, Placement: s.Placement, Explanation: s.Explanation})
	}
	for _, n := range a.Nearest {
		dst.Nearest = append(dst.Nearest, api.NearSchool{SchoolID: n.SchoolID, Name: n.Name, Stage: n.Stage, Meters: n.Meters})
	}
	return nil
}
