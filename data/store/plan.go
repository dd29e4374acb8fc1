package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"catchment/data"
)

// Placement kinds of PlacementRow.Placement (FORMATS.md assignments.csv).
const (
	PlacementZone     = "zone"     // in the unit's zone school
	PlacementOverflow = "overflow" // 统筹: placed at another school
	PlacementUnplaced = "unplaced" // no seat anywhere
)

// ZoneRow says that unit UnitID's zone school for Stage is SchoolID. Both
// ids name rows of the plan's scenario.
type ZoneRow struct {
	UnitID   string
	Stage    data.Stage
	SchoolID string
}

// PlacementRow is one row of a plan's placement of pupils (assignments.csv):
// Pupils pupils of unit UnitID in Stage, Migrants of them migrant children,
// placed at SchoolID Meters away. Placement is PlacementZone,
// PlacementOverflow or PlacementUnplaced; SchoolID is "" exactly when
// unplaced. Pupils ≥ Migrants ≥ 0; Meters is not NaN.
type PlacementRow struct {
	UnitID    string
	Stage     data.Stage
	SchoolID  string
	Pupils    int
	Migrants  int
	Meters    float64
	Placement string
}

// PlanRecord is a solved plan as stored: one revision of a scenario's
// zoning, immutable once saved.
type PlanRecord struct {
	// ID is assigned by SavePlan; ids grow with every save.
	ID int64
	// Scenario names the scenario the plan zones.
	Scenario string
	// Revision numbers the scenario's plans 1, 2, …; SavePlan assigns the
	// next one when it is 0. Unique within the scenario.
	Revision int
	// Parent is the ID of the plan this revision was derived from (a plan
	// of the same scenario), 0 for none.
	Parent  int64
	Author  string
	Comment string
	// Created is set by SavePlan (UTC).
	Created time.Time
	// Policy, Report and Meta are JSON documents (nil or valid JSON),
	// stored byte for byte. Meta is free-form, e.g. pins and locks.
	Policy     json.RawMessage
	Report     json.RawMessage
	Zones      []ZoneRow
	Placements []PlacementRow
	Meta       json.RawMessage
}

// PlanInfo is a plan's header without its rows.
type PlanInfo struct {
	ID       int64
	Scenario string
	Revision int
	Parent   int64
	Author   string
	Comment  string
	Created  time.Time
	// Zones and Placements count the plan's rows.
	Zones, Placements int
}

var (
	planCols      = []string{"id", "revision", "parent", "author", "comment", "created", "zones", "placements"}
	zoneCols      = []string{"ord", "unit_id", "stage", "school_id"}
	placementCols = []string{"ord", "unit_id", "stage", "school_id", "pupils", "migrants", "meters", "placement"}
)

func validJSON(field string, b json.RawMessage) error {
	if b != nil && !json.Valid(b) {
		return fmt.Errorf("%s is not valid JSON", field)
	}
	return nil
}

// validatePlanRows checks the rows of p that do not need the database.
func validatePlanRows(p *PlanRecord) error {
	var errs []error
	for _, e := range []error{validJSON("policy", p.Policy), validJSON("report", p.Report), validJSON("meta", p.Meta)} {
		if e != nil {
			errs = append(errs, e)
		}
	}
	if p.Revision < 0 {
		errs = append(errs, fmt.Errorf("negative revision %d", p.Revision))
	}
	if p.Parent < 0 {
		errs = append(errs, fmt.Errorf("negative parent plan id %d", p.Parent))
	}
	for i, z := range p.Zones {
		if z.Stage < 0 || z.Stage >= data.NumStages {
			errs = append(errs, fmt.Errorf("zone row %d (unit %q): invalid %v", i+1, z.UnitID, z.Stage))
		}
		if z.SchoolID == "" {
			errs = append(errs, fmt.Errorf("zone row %d (unit %q): empty school id", i+1, z.UnitID))
		}
		if len(errs) > 20 {
			break
		}
	}
	for i, r := range p.Placements {
		if r.Stage < 0 || r.Stage >= data.NumStages {
			errs = append(errs, fmt.Errorf("placement row %d (unit %q): invalid %v", i+1, r.UnitID, r.Stage))
		}
		switch r.Placement {
		case PlacementZone, PlacementOverflow:
			if r.SchoolID == "" {
				errs = append(errs, fmt.Errorf("placement row %d (unit %q): %s placement without a school", i+1, r.UnitID, r.Placement))
			}
		case PlacementUnplaced:
			if r.SchoolID != "" {
				errs = append(errs, fmt.Errorf("placement row %d (unit %q): unplaced row names school %q", i+1, r.UnitID, r.SchoolID))
			}
		default:
			errs = append(errs, fmt.Errorf("placement row %d (unit %q): placement %q is not zone, overflow or unplaced", i+1, r.UnitID, r.Placement))
		}
		if r.Pupils < 0 || r.Migrants < 0 || r.Migrants > r.Pupils {
			errs = append(errs, fmt.Errorf("placement row %d (unit %q): need 0 ≤ migrants (%d) ≤ pupils (%d)", i+1, r.UnitID, r.Migrants, r.Pupils))
		}
		if math.IsNaN(r.Meters) {
			errs = append(errs, fmt.Errorf("placement row %d (unit %q): distance is NaN", i+1, r.UnitID))
		}
		if len(errs) > 20 {
			break
		}
	}
	return errors.Join(errs...)
}

// idSet reads the ids of a scenario table into a set.
func idSet(ctx context.Context, tx *sql.Tx, table string, scenario int64) (map[string]struct{}, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM `+table+` WHERE scenario_id = ?`, scenario)
	if err != nil {
		return nil, fmt.Errorf("read %s ids: %w", table, err)
	}
	defer rows.Close()
	m := make(map[string]struct{})
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read %s ids: %w", table, err)
		}
		m[id] = struct{}{}
	}
	return m, rows.Err()
}

// planCheckpoint is how often (in rows) SavePlan checks ctx and calls the
// test hook.
const planCheckpoint = 4096

// SavePlan stores p as a new plan of scenario p.Scenario in one
// transaction, sets p.ID, p.Created (now, UTC) and, when it was 0,
// p.Revision (one more than the scenario's highest), and returns the ID.
// Rows must name units and schools of the scenario; a plan whose parent is
// not a plan of the same scenario is refused. Until the transaction
// commits no reader sees the plan, and a failed, cancelled or killed save
// leaves the previous plans (and LatestPlan) unchanged. On error p is not
// modified.
func (s *Store) SavePlan(ctx context.Context, p *PlanRecord) (int64, error) {
	if p == nil {
		return 0, errors.New("store: save plan: nil plan")
	}
	if err := validatePlanRows(p); err != nil {
		return 0, fmt.Errorf("store: save plan for scenario %q: %w", p.Scenario, err)
	}
	created := time.Unix(0, time.Now().UnixNano()).UTC()
	var (
		id  int64
		rev = p.Revision
	)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var scen int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM scenarios WHERE name = ?`, p.Scenario).Scan(&scen)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("scenario %q: %w", p.Scenario, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read scenario: %w", err)
		}
		if p.Parent != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plans WHERE id = ? AND scenario_id = ?`, p.Parent, scen).Scan(&n); err != nil {
				return fmt.Errorf("read parent plan: %w", err)
			}
			if n == 0 {
				return fmt.Errorf("parent plan %d is not a plan of scenario %q: %w", p.Parent, p.Scenario, ErrNotFound)
			}
		}
		if err := checkPlanIDs(ctx, tx, scen, p); err != nil {
			return err
		}
		if rev == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(revision), 0) + 1 FROM plans WHERE scenario_id = ?`, scen).Scan(&rev); err != nil {
				return fmt.Errorf("next revision: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO plans (scenario_id, revision, parent, author, comment, created, policy, report, meta, zones, placements)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			scen, rev, p.Parent, p.Author, p.Comment, created.UnixNano(),
			jsonArg(p.Policy), jsonArg(p.Report), jsonArg(p.Meta), len(p.Zones), len(p.Placements))
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return fmt.Errorf("revision %d already exists in scenario %q: %w", rev, p.Scenario, err)
			}
			return fmt.Errorf("insert plan: %w", err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert plan: %w", err)
		}
		s.checkpoint("plan:header", 0)
		if err := s.insertZones(ctx, tx, id, p.Zones); err != nil {
			return err
		}
		if err := s.insertPlacements(ctx, tx, id, p.Placements); err != nil {
			return err
		}
		s.checkpoint("plan:inserted", len(p.Zones)+len(p.Placements))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: save plan for scenario %q: %w", p.Scenario, err)
	}
	p.ID, p.Created, p.Revision = id, created, rev
	return id, nil
}

// checkPlanIDs verifies that every unit and school a plan row names exists
// in the scenario.
func checkPlanIDs(ctx context.Context, tx *sql.Tx, scen int64, p *PlanRecord) error {
	if len(p.Zones) == 0 && len(p.Placements) == 0 {
		return nil
	}
	units, err := idSet(ctx, tx, "units", scen)
	if err != nil {
		return err
	}
	schools, err := idSet(ctx, tx, "schools", scen)
	if err != nil {
		return err
	}
	var errs []error
	check := func(kind string, i int, unit, school string) {
		if _, ok := units[unit]; !ok {
			errs = append(errs, fmt.Errorf("%s row %d: unknown unit %q", kind, i+1, unit))
		}
		if _, ok := schools[school]; school != "" && !ok {
			errs = append(errs, fmt.Errorf("%s row %d: unknown school %q", kind, i+1, school))
		}
	}
	for i := 0; i < len(p.Zones) && len(errs) <= 20; i++ {
		check("zone", i, p.Zones[i].UnitID, p.Zones[i].SchoolID)
	}
	for i := 0; i < len(p.Placements) && len(errs) <= 20; i++ {
		check("placement", i, p.Placements[i].UnitID, p.Placements[i].SchoolID)
	}
	return errors.Join(errs...)
}

func jsonArg(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

func (s *Store) insertZones(ctx context.Context, tx *sql.Tx, plan int64, zs []ZoneRow) error {
	in, err := newInserter(ctx, tx, "plan_zones", append([]string{"plan_id"}, zoneCols...))
	if err != nil {
		return err
	}
	for i, z := range zs {
		if err := in.add(ctx, plan, i, z.UnitID, z.Stage.String(), z.SchoolID); err != nil {
			in.full.Close()
			return err
		}
		if (i+1)%planCheckpoint == 0 {
			if err := ctx.Err(); err != nil {
				in.full.Close()
				return err
			}
			s.checkpoint("plan:zones", i+1)
		}
	}
	return in.close(ctx)
}

func (s *Store) insertPlacements(ctx context.Context, tx *sql.Tx, plan int64, ps []PlacementRow) error {
	in, err := newInserter(ctx, tx, "plan_placements", append([]string{"plan_id"}, placementCols...))
	if err != nil {
		return err
	}
	for i := range ps {
		r := &ps[i]
		if err := in.add(ctx, plan, i, r.UnitID, r.Stage.String(), r.SchoolID, r.Pupils, r.Migrants, r.Meters, r.Placement); err != nil {
			in.full.Close()
			return err
		}
		if (i+1)%planCheckpoint == 0 {
			if err := ctx.Err(); err != nil {
				in.full.Close()
				return err
			}
			s.checkpoint("plan:placements", i+1)
		}
	}
	return in.close(ctx)
}

// Plan reads the plan with the given id, rows included. It fails with
// ErrNotFound when there is no such plan.
func (s *Store) Plan(ctx context.Context, id int64) (*PlanRecord, error) {
	var p *PlanRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = loadPlan(ctx, tx, `p.id = ?`, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read plan %d: %w", id, err)
	}
	return p, nil
}

// LatestPlan reads the newest committed plan of the scenario (the one saved
// last), rows included. It fails with ErrNotFound when the scenario does
// not exist or has no plans.
func (s *Store) LatestPlan(ctx context.Context, scenario string) (*PlanRecord, error) {
	var p *PlanRecord
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = loadPlan(ctx, tx, `p.id = (SELECT MAX(q.id) FROM plans q JOIN scenarios t ON t.id = q.scenario_id WHERE t.name = ?)`, scenario)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: latest plan of scenario %q: %w", scenario, err)
	}
	return p, nil
}

const planSelect = `SELECT s.name, p.id, p.revision, p.parent, p.author, p.comment, p.created, p.zones, p.placements`

func scanPlanInfo(sc interface{ Scan(...any) error }, extra ...any) (PlanInfo, error) {
	var (
		pi      PlanInfo
		created int64
	)
	dest := append([]any{&pi.Scenario, &pi.ID, &pi.Revision, &pi.Parent, &pi.Author, &pi.Comment, &created, &pi.Zones, &pi.Placements}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return pi, err
	}
	pi.Created = time.Unix(0, created).UTC()
	return pi, nil
}

func loadPlan(ctx context.Context, tx *sql.Tx, where string, arg any) (*PlanRecord, error) {
	var policy, report, meta []byte
	row := tx.QueryRowContext(ctx, planSelect+`, p.policy, p.report, p.meta FROM plans p JOIN scenarios s ON s.id = p.scenario_id WHERE `+where, arg)
	pi, err := scanPlanInfo(row, &policy, &report, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	p := &PlanRecord{
		ID: pi.ID, Scenario: pi.Scenario, Revision: pi.Revision, Parent: pi.Parent,
		Author: pi.Author, Comment: pi.Comment, Created: pi.Created,
		Policy: rawJSON(policy), Report: rawJSON(report), Meta: rawJSON(meta),
	}
	if pi.Zones > 0 {
		p.Zones = make([]ZoneRow, 0, pi.Zones)
	}
	if pi.Placements > 0 {
		p.Placements = make([]PlacementRow, 0, pi.Placements)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(zoneCols, ", ")+` FROM plan_zones WHERE plan_id = ? ORDER BY ord`, pi.ID)
	if err != nil {
		return nil, fmt.Errorf("read plan zones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			z     ZoneRow
			ord   int
			stage string
		)
		if err := rows.Scan(&ord, &z.UnitID, &stage, &z.SchoolID); err != nil {
			return nil, fmt.Errorf("read plan zones: %w", err)
		}
		if z.Stage, err = data.ParseStage(stage); err != nil {
			return nil, fmt.Errorf("read plan zones: %w", err)
		}
		p.Zones = append(p.Zones, z)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read plan zones: %w", err)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT `+strings.Join(placementCols, ", ")+` FROM plan_placements WHERE plan_id = ? ORDER BY ord`, pi.ID)
	if err != nil {
		return nil, fmt.Errorf("read plan placements: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r     PlacementRow
			ord   int
			stage string
		)
		if err := rows.Scan(&ord, &r.UnitID, &stage, &r.SchoolID, &r.Pupils, &r.Migrants, &r.Meters, &r.Placement); err != nil {
			return nil, fmt.Errorf("read plan placements: %w", err)
		}
		if r.Stage, err = data.ParseStage(stage); err != nil {
			return nil, fmt.Errorf("read plan placements: %w", err)
		}
		p.Placements = append(p.Placements, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read plan placements: %w", err)
	}
	return p, nil
}

// rawJSON converts a scanned TEXT value back to the stored bytes; NULL
// stays nil.
func rawJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(append([]byte{}, b...))
}

// Plans lists the scenario's plans without their rows, oldest first. It
// fails with ErrNotFound when the scenario does not exist.
func (s *Store) Plans(ctx context.Context, scenario string) ([]PlanInfo, error) {
	var out []PlanInfo
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := scenarioRow(ctx, tx, scenario); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, planSelect+` FROM plans p JOIN scenarios s ON s.id = p.scenario_id WHERE s.name = ? ORDER BY p.id`, scenario)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			pi, err := scanPlanInfo(rows)
			if err != nil {
				return err
			}
			out = append(out, pi)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: list plans of scenario %q: %w", scenario, err)
	}
	return out, nil
}

// DeletePlan deletes the plan with the given id and its rows. Plans that
// name it as Parent keep the number. It fails with ErrNotFound when there
// is no such plan.
func (s *Store) DeletePlan(ctx context.Context, id int64) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM plans WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete plan %d: %w", id, err)
	}
	return nil
}
