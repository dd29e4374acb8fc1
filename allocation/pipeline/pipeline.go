// Package pipeline owns the end-to-end runs that the CLI and the HTTP
// service share: preparing a dataset for solving (unit cells, adjacency,
// distance metric), solving it into a plan, writing the FORMATS.md outputs,
// and converting plans to and from their stored records. Keeping this in
// one place means `catchment solve` and the server produce identical plans
// from identical data.
package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/cells"
)

// AdjacencyGapMeters is the widest gap between two compounds' outlines
// (a street, a green belt, a canal) across which they still count as
// neighbours for zone contiguity. Compounds in Chinese cities face each
// other across roads whose red lines are 20–70 m wide plus setbacks, so
// 200 m keeps a zone that spans an arterial road whole while a wide river
// or a rail yard still separates zones. Walking distances (--roads) are
// the way to keep zones from straddling a barrier that has no crossing.
const AdjacencyGapMeters = 200

// Prepared is a dataset made ready for solving and look-ups: its unit
// cells (tessellation), their adjacency, and the distance metric. It is
// immutable after Prepare and safe for concurrent use.
type Prepared struct {
	Dataset   *data.Dataset
	Boundary  orb.Geometry
	Cells     *cells.Tessellation
	Adjacency [][]int32
	Metric    geo.Metric
}

// Prepare builds the cells and adjacency of ds. boundary may be nil (the
// buffered hull of the units is used); metric nil means straight-line.
func Prepare(ctx context.Context, ds *data.Dataset, boundary orb.Geometry, metric geo.Metric) (*Prepared, error) {
	if metric == nil {
		metric = geo.StraightLine(ds.Planar)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := cells.Build(ds.Units, ds.Planar, boundary, cells.Options{GapMeters: AdjacencyGapMeters})
	if err != nil {
		return nil, fmt.Errorf("unit cells: %w", err)
	}
	return &Prepared{Dataset: ds, Boundary: boundary, Cells: t, Adjacency: t.Adjacency(), Metric: metric}, nil
}

// Solve zones the prepared dataset under pol.
func (p *Prepared) Solve(ctx context.Context, pol allocation.Policy, progress func(allocation.Progress)) (*allocation.Plan, error) {
	return allocation.Solve(ctx, allocation.Input{Dataset: p.Dataset, Policy: pol, Metric: p.Metric,
		Adjacency: p.Adjacency, Progress: progress})
}

// Current evaluates today's zoning of the dataset (nil when it has none).
func (p *Prepared) Current(ctx context.Context, pol allocation.Policy) (*allocation.Plan, error) {
	if len(p.Dataset.Current) == 0 {
		return nil, nil
	}
	return allocation.FromZones(ctx, p.Dataset, pol, p.Metric, p.Adjacency, allocation.CurrentZones(p.Dataset))
}

// Zones returns the zone polygons of both stages in one FeatureCollection
// (primary first), as zones.geojson holds them.
func (p *Prepared) Zones(plan *allocation.Plan) (*geojson.FeatureCollection, error) {
	fc := geojson.NewFeatureCollection()
	for st := range data.NumStages {
		z, err := allocation.ZoneFeatures(plan, p.Cells, data.Stage(st))
		if err != nil {
			return nil, err
		}
		fc.Features = append(fc.Features, z.Features...)
	}
	return fc, nil
}

// WriteOutputs writes the FORMATS.md outputs of plan into dir (created if
// missing): assignments.csv, zones.geojson, report.json, plus the
// publication list zones.csv and zones.json, and unit_zones.csv (every
// unit's zone school per stage, in current.csv's format, so that next
// year's run can take this plan as today's zoning). Each file is written to a
// temporary name and renamed, so a reader never sees half a file.
func (p *Prepared) WriteOutputs(dir string, plan *allocation.Plan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	write := func(name string, fill func() error) error {
		buf.Reset()
		if err := fill(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, filepath.Join(dir, name))
	}
	if err := write("assignments.csv", func() error { return plan.WriteAssignmentsCSV(&buf) }); err != nil {
		return err
	}
	if err := write("report.json", func() error { return plan.WriteReportJSON(&buf) }); err != nil {
		return err
	}
	zones, err := p.Zones(plan)
	if err != nil {
		return err
	}
	if err := write("zones.geojson", func() error {
		b, err := zones.MarshalJSON()
		buf.Write(b)
		return err
	}); err != nil {
		return err
	}
	if err := write("unit_zones.csv", func() error { return data.WriteCurrentCSV(&buf, ZoneRows(plan)) }); err != nil {
		return err
	}
	pub := plan.Publication()
	if err := write("zones.csv", func() error { return allocation.WritePublicationCSV(&buf, pub) }); err != nil {
		return err
	}
	return write("zones.json", func() error {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		return enc.Encode(pub)
	})
}

// Record converts a plan into its stored form: policy and report as JSON,
// Meta {"metric": name}, one zone row per zoned unit and stage, one
// placement row per placement (no school for unplaced pupils, distance 0
// where it is not finite). SavePlan sets ID and Created.
func Record(plan *allocation.Plan, scenario, author, comment string) (*store.PlanRecord, error) {
	rec := &store.PlanRecord{Scenario: scenario, Author: author, Comment: comment}
	var err error
	if rec.Policy, err = json.Marshal(plan.Policy); err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	if plan.Report != nil {
		if rec.Report, err = json.Marshal(plan.Report); err != nil {
			return nil, fmt.Errorf("encode report: %w", err)
		}
	}
	if rec.Meta, err = json.Marshal(map[string]string{MetaMetric: plan.Metric}); err != nil {
		return nil, err
	}
	ds := plan.Dataset
	for st := range data.NumStages {
		for u, s := range plan.Stages[st].Zone {
			if s >= 0 {
				rec.Zones = append(rec.Zones, store.ZoneRow{UnitID: ds.Units[u].ID, Stage: data.Stage(st), SchoolID: ds.Schools[s].ID})
			}
		}
		for _, pl := range plan.Stages[st].Placements {
			row := store.PlacementRow{UnitID: ds.Units[pl.Unit].ID, Stage: data.Stage(st), Pupils: int(pl.Pupils),
				Migrants: int(pl.Migrants), Meters: pl.Meters, Placement: pl.Kind.String()}
			if pl.School >= 0 && pl.Kind != allocation.Unplaced {
				row.SchoolID = ds.Schools[pl.School].ID
			}
			if math.IsInf(row.Meters, 0) || math.IsNaN(row.Meters) {
				row.Meters = 0
			}
			rec.Placements = append(rec.Placements, row)
		}
	}
	return rec, nil
}

// MetaMetric is the key of the distance metric's name in PlanRecord.Meta.
const MetaMetric = "metric"

// FromRecord rebuilds a stored plan on the prepared dataset: the zones are
// taken from the record and the placements and report recomputed (they are
// a deterministic function of the zones), then the stored lower bounds are
// restored from the stored report.
func (p *Prepared) FromRecord(ctx context.Context, rec *store.PlanRecord) (*allocation.Plan, error) {
	pol := allocation.DefaultPolicy()
	if len(rec.Policy) > 0 {
		if err := json.Unmarshal(rec.Policy, &pol); err != nil {
			return nil, fmt.Errorf("plan %d: policy: %w", rec.ID, err)
		}
	}
	rows := make([]data.CurrentZone, len(rec.Zones))
	for i, z := range rec.Zones {
		rows[i] = data.CurrentZone{UnitID: z.UnitID, Stage: z.Stage, SchoolID: z.SchoolID}
	}
	zones, err := ZonesFromRows(p.Dataset, rows)
	if err != nil {
		return nil, fmt.Errorf("plan %d: %w", rec.ID, err)
	}
	plan, err := allocation.FromZones(ctx, p.Dataset, pol, p.Metric, p.Adjacency, zones)
	if err != nil {
		return nil, err
	}
	var stored allocation.Report
	if len(rec.Report) > 0 && json.Unmarshal(rec.Report, &stored) == nil {
		for st := range data.NumStages {
			name := data.Stage(st).String()
			if sr, ok := stored.Stages[name]; ok && sr != nil {
				plan.Stages[st].LowerBound = sr.LowerBoundMeters
				if cur := plan.Report.Stages[name]; cur != nil {
					cur.LowerBoundMeters = sr.LowerBoundMeters
					cur.OptimalityGap = allocation.OptimalityGap(cur.ObjectiveMeters, cur.TotalDistanceMeters, sr.LowerBoundMeters)
				}
			}
		}
		plan.Report.SolveSeconds = stored.SolveSeconds
	}
	return plan, nil
}

// ZoneRows lists every unit's zone school per stage, in unit order.
func ZoneRows(plan *allocation.Plan) []data.CurrentZone {
	ds := plan.Dataset
	var out []data.CurrentZone
	for st := range data.NumStages {
		for u, s := range plan.Stages[st].Zone {
			if s >= 0 {
				out = append(out, data.CurrentZone{UnitID: ds.Units[u].ID, Stage: data.Stage(st), SchoolID: ds.Schools[s].ID})
			}
		}
	}
	return out
}

// ZonesFromRows turns zone rows (unit_zones.csv, or current.csv) into
// per-stage arrays of school indices over ds, -1 where a unit has no row.
func ZonesFromRows(ds *data.Dataset, rows []data.CurrentZone) ([data.NumStages][]int32, error) {
	ui, si := ds.UnitIndex(), ds.SchoolIndex()
	var zones [data.NumStages][]int32
	for st := range data.NumStages {
		zones[st] = make([]int32, len(ds.Units))
		for i := range zones[st] {
			zones[st][i] = -1
		}
	}
	for _, z := range rows {
		u, ok1 := ui[z.UnitID]
		s, ok2 := si[z.SchoolID]
		if !ok1 || !ok2 || z.Stage < 0 || z.Stage >= data.NumStages {
			return zones, fmt.Errorf("zone row %s/%s/%s does not match the data set", z.UnitID, z.Stage, z.SchoolID)
		}
		zones[z.Stage][u] = int32(s)
	}
	return zones, nil
}
