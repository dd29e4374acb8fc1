package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"catchment/data"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// ScenarioInfo describes a stored scenario: a named data set (schools,
// units, today's zoning, candidate sites) and its metadata.
type ScenarioInfo struct {
	// Name is the scenario's unique name (see ImportScenario for the rules).
	Name string
	// Planar is the Dataset's Planar flag: coordinates are metres, not WGS-84.
	Planar bool
	// CRS is the name of the input coordinate system; informational only,
	// stored coordinates are always WGS-84 or planar metres.
	CRS string
	// Created is when the scenario was imported (UTC, nanosecond precision).
	Created time.Time
	// Schools, Units, Current and Candidates count the stored rows.
	Schools, Units, Current, Candidates int
	// Parent names the scenario a what-if scenario was derived from, "" for
	// none. It is informational: deleting the parent keeps the child.
	Parent string
	// Note is free text.
	Note string
}

// maxNameBytes bounds scenario names.
const maxNameBytes = 200

// ValidateName checks a scenario name: 1–200 bytes of valid UTF-8, no
// control characters, no leading or trailing space.
func ValidateName(name string) error {
	switch {
	case name == "":
		return errors.New("empty scenario name")
	case len(name) > maxNameBytes:
		return fmt.Errorf("scenario name longer than %d bytes", maxNameBytes)
	case !utf8.ValidString(name):
		return errors.New("scenario name is not valid UTF-8")
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("scenario name %q has leading or trailing space", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("scenario name %q contains a control character", name)
	}
	return nil
}

// Column lists, shared by inserts, loads and Checksum so they cannot drift.
var (
	schoolCols = []string{"ord", "id", "name", "x", "y", "primary_seats", "junior_seats",
		"primary_classes", "junior_classes", "ownership", "purchased_seats", "boarding", "area", "status",
		"staff", "qualified_teachers", "key_teachers", "pe_art_teachers", "building_m2", "sports_m2",
		"equipment_yuan", "multimedia_rooms", "has_resources"}
	unitCols = []string{"ord", "id", "name", "area", "x", "y", "geom", "primary_pupils", "junior_pupils",
		"primary_migrants", "junior_migrants", "households"}
	currentCols   = []string{"ord", "unit_id", "stage", "school_id"}
	candidateCols = []string{"ord", "id", "name", "x", "y", "primary_seats", "junior_seats", "cost"}
	scenarioCols  = []string{"planar", "crs", "created", "parent", "note", "schools", "units", "current", "candidates"}
)

func withScenario(cols []string) []string {
	return append([]string{"scenario_id"}, cols...)
}

// validateDataset runs d.Validate and the checks the store needs beyond it:
// enumerations in range (they are stored by name) and candidate sites
// (ids, finite numbers).
func validateDataset(d *data.Dataset) error {
	if d == nil {
		return errors.New("nil dataset")
	}
	var errs []error
	if err := d.Validate(); err != nil {
		errs = append(errs, err)
	}
	for i := range d.Schools {
		s := &d.Schools[i]
		if s.Ownership < data.Public || s.Ownership > data.Purchased {
			errs = append(errs, fmt.Errorf("school %q: invalid %v", s.ID, s.Ownership))
		}
		if s.Area < data.Urban || s.Area > data.Rural {
			errs = append(errs, fmt.Errorf("school %q: invalid %v", s.ID, s.Area))
		}
		if s.Status < data.Open || s.Status > data.Closed {
			errs = append(errs, fmt.Errorf("school %q: invalid %v", s.ID, s.Status))
		}
	}
	for i := range d.Units {
		u := &d.Units[i]
		if u.Area < data.Urban || u.Area > data.Rural {
			errs = append(errs, fmt.Errorf("unit %q: invalid %v", u.ID, u.Area))
		}
		if u.Households < 0 {
			errs = append(errs, fmt.Errorf("unit %q: negative households %d", u.ID, u.Households))
		}
	}
	for _, c := range d.Current {
		if c.Stage < 0 || c.Stage >= data.NumStages {
			errs = append(errs, fmt.Errorf("current zoning of unit %q: invalid %v", c.UnitID, c.Stage))
		}
	}
	seen := make(map[string]bool, len(d.Candidates))
	for i := range d.Candidates {
		c := &d.Candidates[i]
		if strings.TrimSpace(c.ID) == "" {
			errs = append(errs, fmt.Errorf("candidate site %d: empty id", i+1))
		}
		if seen[c.ID] {
			errs = append(errs, fmt.Errorf("candidate site %q: duplicate id", c.ID))
		}
		seen[c.ID] = true
		if !finite(c.Loc[0]) || !finite(c.Loc[1]) {
			errs = append(errs, fmt.Errorf("candidate site %q: location is not a finite number", c.ID))
		}
		if !finite(c.Cost) {
			errs = append(errs, fmt.Errorf("candidate site %q: cost is not a finite number", c.ID))
		}
		for st := range data.NumStages {
			if c.Seats[st] < 0 {
				errs = append(errs, fmt.Errorf("candidate site %q: negative %s seats %d", c.ID, data.Stage(st), c.Seats[st]))
			}
		}
	}
	return errors.Join(errs...)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// ImportScenario stores d under name in one transaction, replacing any
// scenario of that name atomically.
//
// The dataset is validated first (d.Validate plus enumeration ranges and
// candidate sites); an invalid dataset is refused before the database is
// touched. Replacing a scenario deletes its plans and blobs too, because
// they refer to the old units; the new scenario starts with no plans. If
// the import fails, ctx is cancelled, or the process dies, the previous
// scenario of that name (if any) is left exactly as it was.
//
// The stored metadata is meta with Name = name, Planar = d.Planar, the
// counts taken from d, and Created = now when meta.Created is zero.
func (s *Store) ImportScenario(ctx context.Context, name string, d *data.Dataset, meta ScenarioInfo) error {
	return s.ImportScenarioWithBlobs(ctx, name, d, meta, nil)
}

// ImportScenarioWithBlobs is ImportScenario that also stores blobs (key →
// bytes, as PutBlob would) for the new scenario in the same transaction,
// e.g. the study boundary read with the files, so that the scenario never
// exists without them.
func (s *Store) ImportScenarioWithBlobs(ctx context.Context, name string, d *data.Dataset, meta ScenarioInfo, blobs map[string][]byte) error {
	if err := ValidateName(name); err != nil {
		return fmt.Errorf("store: import scenario: %w", err)
	}
	if err := validateDataset(d); err != nil {
		return fmt.Errorf("store: import scenario %q: invalid dataset: %w", name, err)
	}
	keys := make([]string, 0, len(blobs))
	for k := range blobs {
		if k == "" {
			return fmt.Errorf("store: import scenario %q: blob with an empty key", name)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	created := meta.Created
	if created.IsZero() {
		created = time.Now()
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM scenarios WHERE name = ?`, name); err != nil {
			return fmt.Errorf("delete previous scenario: %w", err)
		}
		s.checkpoint("import:deleted", 0)
		res, err := tx.ExecContext(ctx, `INSERT INTO scenarios (name, `+strings.Join(scenarioCols, ", ")+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			name, b2i(d.Planar), meta.CRS, created.UnixNano(), meta.Parent, meta.Note,
			len(d.Schools), len(d.Units), len(d.Current), len(d.Candidates))
		if err != nil {
			return fmt.Errorf("insert scenario: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert scenario: %w", err)
		}
		if err := insertSchools(ctx, tx, id, d.Schools); err != nil {
			return err
		}
		if err := s.insertUnits(ctx, tx, id, d.Units); err != nil {
			return err
		}
		if err := insertCurrent(ctx, tx, id, d.Current); err != nil {
			return err
		}
		if err := insertCandidates(ctx, tx, id, d.Candidates); err != nil {
			return err
		}
		for _, k := range keys {
			b := blobs[k]
			if b == nil {
				b = []byte{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (scenario_id, key, data) VALUES (?, ?, ?)`, id, k, b); err != nil {
				return fmt.Errorf("insert blob %q: %w", k, err)
			}
		}
		s.checkpoint("import:inserted", len(d.Units))
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: import scenario %q: %w", name, err)
	}
	return nil
}

func insertSchools(ctx context.Context, tx *sql.Tx, id int64, schools []data.School) error {
	in, err := newInserter(ctx, tx, "schools", withScenario(schoolCols))
	if err != nil {
		return err
	}
	for i := range schools {
		sc := &schools[i]
		var has int64
		for r := range data.NumResources {
			if sc.HasResource[r] {
				has |= 1 << r
			}
		}
		rs := &sc.Resources
		if err := in.add(ctx, id, i, sc.ID, sc.Name, sc.Loc[0], sc.Loc[1],
			sc.Seats[data.Primary], sc.Seats[data.Junior], sc.Classes[data.Primary], sc.Classes[data.Junior],
			sc.Ownership.String(), sc.PurchasedSeats, b2i(sc.Boarding), sc.Area.String(), sc.Status.String(),
			rs[0], rs[1], rs[2], rs[3], rs[4], rs[5], rs[6], rs[7], has); err != nil {
			in.full.Close()
			return err
		}
	}
	return in.close(ctx)
}

// unitCheckpoint is how often (in units) a long import checks ctx and
// calls the test hook.
const unitCheckpoint = 4096

func (s *Store) insertUnits(ctx context.Context, tx *sql.Tx, id int64, units []data.Unit) error {
	in, err := newInserter(ctx, tx, "units", withScenario(unitCols))
	if err != nil {
		return err
	}
	fail := func(err error) error { in.full.Close(); return err }
	for i := range units {
		u := &units[i]
		var geom any
		if u.Geom != nil {
			b, err := wkb.Marshal(u.Geom, binary.LittleEndian)
			if err != nil {
				return fail(fmt.Errorf("unit %q: encode geometry: %w", u.ID, err))
			}
			geom = b
		}
		if err := in.add(ctx, id, i, u.ID, u.Name, u.Area.String(), u.Loc[0], u.Loc[1], geom,
			u.Pupils[data.Primary], u.Pupils[data.Junior], u.Migrants[data.Primary], u.Migrants[data.Junior],
			u.Households); err != nil {
			return fail(err)
		}
		if (i+1)%unitCheckpoint == 0 {
			if err := ctx.Err(); err != nil {
				return fail(err)
			}
			s.checkpoint("import:units", i+1)
		}
	}
	return in.close(ctx)
}

func insertCurrent(ctx context.Context, tx *sql.Tx, id int64, cur []data.CurrentZone) error {
	in, err := newInserter(ctx, tx, "current_zones", withScenario(currentCols))
	if err != nil {
		return err
	}
	for i, c := range cur {
		if err := in.add(ctx, id, i, c.UnitID, c.Stage.String(), c.SchoolID); err != nil {
			in.full.Close()
			return err
		}
	}
	return in.close(ctx)
}

func insertCandidates(ctx context.Context, tx *sql.Tx, id int64, cands []data.Candidate) error {
	in, err := newInserter(ctx, tx, "candidates", withScenario(candidateCols))
	if err != nil {
		return err
	}
	for i := range cands {
		c := &cands[i]
		if err := in.add(ctx, id, i, c.ID, c.Name, c.Loc[0], c.Loc[1],
			c.Seats[data.Primary], c.Seats[data.Junior], c.Cost); err != nil {
			in.full.Close()
			return err
		}
	}
	return in.close(ctx)
}

// scenarioRow reads the scenario's id and metadata inside tx.
func scenarioRow(ctx context.Context, tx *sql.Tx, name string) (int64, ScenarioInfo, error) {
	var (
		id      int64
		info    ScenarioInfo
		planar  int64
		created int64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, `+strings.Join(scenarioCols, ", ")+` FROM scenarios WHERE name = ?`, name).
		Scan(&id, &planar, &info.CRS, &created, &info.Parent, &info.Note,
			&info.Schools, &info.Units, &info.Current, &info.Candidates)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, info, fmt.Errorf("scenario %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, info, fmt.Errorf("read scenario %q: %w", name, err)
	}
	info.Name = name
	info.Planar = planar != 0
	info.Created = time.Unix(0, created).UTC()
	return id, info, nil
}

// Scenarios lists every stored scenario, ordered by name.
func (s *Store) Scenarios(ctx context.Context) ([]ScenarioInfo, error) {
	var out []ScenarioInfo
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, `+strings.Join(scenarioCols, ", ")+` FROM scenarios ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				info    ScenarioInfo
				planar  int64
				created int64
			)
			if err := rows.Scan(&info.Name, &planar, &info.CRS, &created, &info.Parent, &info.Note,
				&info.Schools, &info.Units, &info.Current, &info.Candidates); err != nil {
				return err
			}
			info.Planar = planar != 0
			info.Created = time.Unix(0, created).UTC()
			out = append(out, info)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: list scenarios: %w", err)
	}
	return out, nil
}

// LoadScenario reads the scenario called name: its Dataset, equal field by
// field to the one imported (empty collections load as nil slices), and
// its metadata. It fails with ErrNotFound when there is no such scenario.
func (s *Store) LoadScenario(ctx context.Context, name string) (*data.Dataset, ScenarioInfo, error) {
	var (
		d    data.Dataset
		info ScenarioInfo
	)
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		id, in, err := scenarioRow(ctx, tx, name)
		if err != nil {
			return err
		}
		info = in
		d.Planar = info.Planar
		if d.Schools, err = loadSchools(ctx, tx, id, info.Schools); err != nil {
			return err
		}
		if d.Units, err = loadUnits(ctx, tx, id, info.Units); err != nil {
			return err
		}
		if d.Current, err = loadCurrent(ctx, tx, id, info.Current); err != nil {
			return err
		}
		d.Candidates, err = loadCandidates(ctx, tx, id, info.Candidates)
		return err
	})
	if err != nil {
		return nil, ScenarioInfo{}, fmt.Errorf("store: load scenario %q: %w", name, err)
	}
	return &d, info, nil
}

func selectRows(ctx context.Context, tx *sql.Tx, table string, cols []string, id int64) (*sql.Rows, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` WHERE scenario_id = ? ORDER BY ord`, id)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return rows, nil
}

func loadSchools(ctx context.Context, tx *sql.Tx, id int64, n int) ([]data.School, error) {
	rows, err := selectRows(ctx, tx, "schools", schoolCols, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []data.School
	if n > 0 {
		out = make([]data.School, 0, n)
	}
	for rows.Next() {
		var (
			sc                data.School
			ord               int
			own, area, status string
			boarding, has     int64
			rs                = &sc.Resources
		)
		if err := rows.Scan(&ord, &sc.ID, &sc.Name, &sc.Loc[0], &sc.Loc[1],
			&sc.Seats[data.Primary], &sc.Seats[data.Junior], &sc.Classes[data.Primary], &sc.Classes[data.Junior],
			&own, &sc.PurchasedSeats, &boarding, &area, &status,
			&rs[0], &rs[1], &rs[2], &rs[3], &rs[4], &rs[5], &rs[6], &rs[7], &has); err != nil {
			return nil, fmt.Errorf("read schools: %w", err)
		}
		if sc.Ownership, err = data.ParseOwnership(own); err != nil {
			return nil, fmt.Errorf("school %q: %w", sc.ID, err)
		}
		if sc.Area, err = data.ParseArea(area); err != nil {
			return nil, fmt.Errorf("school %q: %w", sc.ID, err)
		}
		if sc.Status, err = data.ParseStatus(status); err != nil {
			return nil, fmt.Errorf("school %q: %w", sc.ID, err)
		}
		sc.Boarding = boarding != 0
		for r := range data.NumResources {
			sc.HasResource[r] = has&(1<<r) != 0
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schools: %w", err)
	}
	return out, nil
}

func loadUnits(ctx context.Context, tx *sql.Tx, id int64, n int) ([]data.Unit, error) {
	rows, err := selectRows(ctx, tx, "units", unitCols, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []data.Unit
	if n > 0 {
		out = make([]data.Unit, 0, n)
	}
	for rows.Next() {
		var (
			u    data.Unit
			ord  int
			area string
			geom []byte
		)
		if err := rows.Scan(&ord, &u.ID, &u.Name, &area, &u.Loc[0], &u.Loc[1], &geom,
			&u.Pupils[data.Primary], &u.Pupils[data.Junior], &u.Migrants[data.Primary], &u.Migrants[data.Junior],
			&u.Households); err != nil {
			return nil, fmt.Errorf("read units: %w", err)
		}
		if u.Area, err = data.ParseArea(area); err != nil {
			return nil, fmt.Errorf("unit %q: %w", u.ID, err)
		}
		if geom != nil {
			g, err := wkb.Unmarshal(geom)
			if err != nil {
				return nil, fmt.Errorf("unit %q: decode geometry: %w", u.ID, err)
			}
			switch g.(type) {
			case orb.Polygon, orb.MultiPolygon:
			default:
				return nil, fmt.Errorf("unit %q: stored geometry is a %s, want Polygon or MultiPolygon", u.ID, g.GeoJSONType())
			}
			u.Geom = g
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	return out, nil
}

func loadCurrent(ctx context.Context, tx *sql.Tx, id int64, n int) ([]data.CurrentZone, error) {
	rows, err := selectRows(ctx, tx, "current_zones", currentCols, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []data.CurrentZone
	if n > 0 {
		out = make([]data.CurrentZone, 0, n)
	}
	for rows.Next() {
		var (
			c     data.CurrentZone
			ord   int
			stage string
		)
		if err := rows.Scan(&ord, &c.UnitID, &stage, &c.SchoolID); err != nil {
			return nil, fmt.Errorf("read current zoning: %w", err)
		}
		if c.Stage, err = data.ParseStage(stage); err != nil {
			return nil, fmt.Errorf("current zoning of unit %q: %w", c.UnitID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read current zoning: %w", err)
	}
	return out, nil
}

func loadCandidates(ctx context.Context, tx *sql.Tx, id int64, n int) ([]data.Candidate, error) {
	rows, err := selectRows(ctx, tx, "candidates", candidateCols, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []data.Candidate
	if n > 0 {
		out = make([]data.Candidate, 0, n)
	}
	for rows.Next() {
		var (
			c   data.Candidate
			ord int
		)
		if err := rows.Scan(&ord, &c.ID, &c.Name, &c.Loc[0], &c.Loc[1],
			&c.Seats[data.Primary], &c.Seats[data.Junior], &c.Cost); err != nil {
			return nil, fmt.Errorf("read candidate sites: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read candidate sites: %w", err)
	}
	return out, nil
}

// DeleteScenario deletes the scenario called name with its plans and
// blobs, in one transaction. It fails with ErrNotFound when there is no
// such scenario.
func (s *Store) DeleteScenario(ctx context.Context, name string) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM scenarios WHERE name = ?`, name)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("scenario %q: %w", name, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: delete scenario %q: %w", name, err)
	}
	return nil
}

// Checksum returns the hex SHA-256 of the scenario's stored state: its
// metadata (all ScenarioInfo fields except Name) and every row of its
// schools, units, today's zoning and candidate sites, in stored order, each
// value encoded with its SQLite type. Plans and blobs are not included.
// Equal checksums mean the scenario is unchanged byte for byte; a
// re-import of the same data has a different checksum only through
// Created. It fails with ErrNotFound when there is no such scenario.
func (s *Store) Checksum(ctx context.Context, name string) (string, error) {
	h := sha256.New()
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM scenarios WHERE name = ?`, name).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("scenario %q: %w", name, ErrNotFound)
			}
			return err
		}
		if err := hashQuery(ctx, tx, h, "scenario", `SELECT `+strings.Join(scenarioCols, ", ")+` FROM scenarios WHERE id = ?`, id); err != nil {
			return err
		}
		for _, t := range []struct {
			table string
			cols  []string
		}{{"schools", schoolCols}, {"units", unitCols}, {"current_zones", currentCols}, {"candidates", candidateCols}} {
			q := `SELECT ` + strings.Join(t.cols, ", ") + ` FROM ` + t.table + ` WHERE scenario_id = ? ORDER BY ord`
			if err := hashQuery(ctx, tx, h, t.table, q, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store: checksum of scenario %q: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashQuery feeds a section header and every value of the query's rows to
// h with an unambiguous encoding: a type tag, then a fixed-width number or
// a length-prefixed byte string.
func hashQuery(ctx context.Context, tx *sql.Tx, h hash.Hash, section, q string, args ...any) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("checksum %s: %w", section, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("checksum %s: %w", section, err)
	}
	var buf [9]byte
	writeBytes := func(tag byte, b []byte) {
		buf[0] = tag
		binary.BigEndian.PutUint64(buf[1:], uint64(len(b)))
		h.Write(buf[:])
		h.Write(b)
	}
	writeBytes('S', []byte(section))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("checksum %s: %w", section, err)
		}
		h.Write([]byte{'R'})
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				h.Write([]byte{'N'})
			case int64:
				buf[0] = 'I'
				binary.BigEndian.PutUint64(buf[1:], uint64(v))
				h.Write(buf[:])
			case float64:
				buf[0] = 'F'
				binary.BigEndian.PutUint64(buf[1:], math.Float64bits(v))
				h.Write(buf[:])
			case string:
				writeBytes('T', []byte(v))
			case []byte:
				writeBytes('B', v)
			case bool:
				buf[0] = 'I'
				binary.BigEndian.PutUint64(buf[1:], uint64(b2i(v)))
				h.Write(buf[:])
			case time.Time:
				writeBytes('D', []byte(v.UTC().Format(time.RFC3339Nano)))
			default:
				return fmt.Errorf("checksum %s: unexpected value type %T", section, v)
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checksum %s: %w", section, err)
	}
	buf[0] = 'E'
	binary.BigEndian.PutUint64(buf[1:], uint64(n))
	h.Write(buf[:])
	return nil
}
