package data

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// The writers produce exactly the FORMATS.md columns, so that the readers
// read their output back to equal values (for CSV; GeoJSON coordinates are
// rounded). Floats use the fewest digits that read back exactly, so output
// is deterministic. Values are written as given: a record that fails
// Validate is written but will not read back; ids and names with leading or
// trailing spaces read back trimmed. Non-finite numbers are refused with an
// error, since no reader accepts them.

// coordHeader returns the coordinate column names.
func coordHeader(planar bool) (string, string) {
	if planar {
		return "x", "y"
	}
	return "lon", "lat"
}

// finiteOrErr checks a value before it is written.
func finiteOrErr(what, id string, vs ...float64) error {
	for _, v := range vs {
		if !finite(v) {
			return fmt.Errorf("write %s %q: non-finite number %v", what, id, v)
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// writeCSV writes a header and rows produced by row, then flushes.
func writeCSV(w io.Writer, header []string, n int, row func(i int, rec []string) ([]string, error)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	rec := make([]string, 0, len(header))
	for i := range n {
		var err error
		rec, err = row(i, rec[:0])
		if err != nil {
			return err
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write record %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteSchoolsCSV writes schools.csv with every FORMATS.md column, in the
// order id, name, lon, lat (x, y when planar), seats, classes, ownership,
// purchased_seats, boarding, area, status and the eight resources (empty
// when HasResource is false). ReadSchools reads the output back to equal
// values for schools that pass Validate and have trimmed ids and names.
func WriteSchoolsCSV(w io.Writer, schools []School, planar bool) error {
	x, y := coordHeader(planar)
	header := []string{"id", "name", x, y}
	header = append(header, schoolColumns[2:]...)
	return writeCSV(w, header, len(schools), func(i int, rec []string) ([]string, error) {
		s := &schools[i]
		if err := finiteOrErr("school", s.ID, s.Loc[0], s.Loc[1]); err != nil {
			return nil, err
		}
		rec = append(rec, s.ID, s.Name, fmtFloat(s.Loc[0]), fmtFloat(s.Loc[1]),
			itoa(s.Seats[Primary]), itoa(s.Seats[Junior]), itoa(s.Classes[Primary]), itoa(s.Classes[Junior]),
			s.Ownership.String(), itoa(s.PurchasedSeats), strconv.FormatBool(s.Boarding),
			s.Area.String(), s.Status.String())
		for k := range NumResources {
			if !s.HasResource[k] {
				rec = append(rec, "")
				continue
			}
			if err := finiteOrErr("school", s.ID, s.Resources[k]); err != nil {
				return nil, err
			}
			rec = append(rec, fmtFloat(s.Resources[k]))
		}
		return rec, nil
	})
}

// WriteUnitsCSV writes units.csv: id, name, area, lon, lat (x, y when
// planar), pupils and migrants per stage. A polygon unit is written as its
// Loc; its outline is dropped (use WriteUnitsGeoJSON to keep it).
// ReadUnitsCSV reads point units back to equal values.
func WriteUnitsCSV(w io.Writer, units []Unit, planar bool) error {
	x, y := coordHeader(planar)
	header := []string{"id", "name", "area", x, y}
	header = append(header, unitColumns[3:]...)
	return writeCSV(w, header, len(units), func(i int, rec []string) ([]string, error) {
		u := &units[i]
		if err := finiteOrErr("unit", u.ID, u.Loc[0], u.Loc[1]); err != nil {
			return nil, err
		}
		return append(rec, u.ID, u.Name, u.Area.String(), fmtFloat(u.Loc[0]), fmtFloat(u.Loc[1]),
			itoa(u.Pupils[Primary]), itoa(u.Pupils[Junior]), itoa(u.Migrants[Primary]), itoa(u.Migrants[Junior])), nil
	})
}

// WriteHouseholdsCSV writes households.csv: lon, lat (x, y when planar),
// primary, junior, migrant, unit_id. ReadHouseholds reads them back to
// equal values.
func WriteHouseholdsCSV(w io.Writer, hs []Household, planar bool) error {
	hw := NewHouseholdWriter(w, planar)
	for i := range hs {
		if err := hw.Write(hs[i]); err != nil {
			return err
		}
	}
	return hw.Flush()
}

// HouseholdWriter streams households.csv, for files too large to build in
// memory. The header is written before the first record (or by Flush when
// there is none). It is not safe for concurrent use.
type HouseholdWriter struct {
	bw     *bufio.Writer
	planar bool
	header bool
	n      int
	buf    []byte
	err    error
}

// NewHouseholdWriter returns a writer of households.csv to w. Call Flush
// when done.
func NewHouseholdWriter(w io.Writer, planar bool) *HouseholdWriter {
	return &HouseholdWriter{bw: bufio.NewWriterSize(w, 64<<10), planar: planar}
}

func (hw *HouseholdWriter) writeHeader() {
	if hw.header {
		return
	}
	hw.header = true
	x, y := coordHeader(hw.planar)
	_, hw.err = hw.bw.WriteString(x + "," + y + ",primary,junior,migrant,unit_id\n")
}

// Write appends one household. After an error every later call returns it.
func (hw *HouseholdWriter) Write(h Household) error {
	if hw.err != nil {
		return hw.err
	}
	hw.writeHeader()
	if hw.err != nil {
		return hw.err
	}
	hw.n++
	if !finitePoint(h.Loc) {
		hw.err = fmt.Errorf("write household %d: non-finite location", hw.n)
		return hw.err
	}
	b := hw.buf[:0]
	b = strconv.AppendFloat(b, h.Loc[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, h.Loc[1], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(h.Primary), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(h.Junior), 10)
	b = append(b, ',')
	b = strconv.AppendBool(b, h.Migrant)
	b = append(b, ',')
	b = appendCSVField(b, h.UnitID)
	b = append(b, '\n')
	hw.buf = b
	if _, err := hw.bw.Write(b); err != nil {
		hw.err = fmt.Errorf("write household %d: %w", hw.n, err)
	}
	return hw.err
}

// Flush writes the header if nothing was written yet, then any buffered
// data.
func (hw *HouseholdWriter) Flush() error {
	if hw.err != nil {
		return hw.err
	}
	hw.writeHeader()
	if hw.err == nil {
		hw.err = hw.bw.Flush()
	}
	if hw.err != nil {
		hw.err = fmt.Errorf("write households: %w", hw.err)
	}
	return hw.err
}

// appendCSVField appends s as one CSV field, quoted when encoding/csv would
// quote it.
func appendCSVField(b []byte, s string) []byte {
	if s == "" || (!strings.ContainsAny(s, ",\"\r\n") && s[0] != ' ' && s[0] != '\t' && s != `\.`) {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// WriteCurrentCSV writes current.csv: unit_id, stage, school_id. A stage
// outside Primary..Junior is an error.
func WriteCurrentCSV(w io.Writer, zones []CurrentZone) error {
	return writeCSV(w, currentColumns, len(zones), func(i int, rec []string) ([]string, error) {
		z := &zones[i]
		if z.Stage < 0 || z.Stage >= NumStages {
			return nil, fmt.Errorf("write current zone of unit %q: invalid stage %d", z.UnitID, int(z.Stage))
		}
		return append(rec, z.UnitID, z.Stage.String(), z.SchoolID), nil
	})
}

// WriteCandidatesCSV writes candidates.csv: id, lon, lat (x, y when
// planar), primary_seats, junior_seats, name, cost. ReadCandidates reads
// them back to equal values.
func WriteCandidatesCSV(w io.Writer, cs []Candidate, planar bool) error {
	x, y := coordHeader(planar)
	header := []string{"id", x, y, "primary_seats", "junior_seats", "name", "cost"}
	return writeCSV(w, header, len(cs), func(i int, rec []string) ([]string, error) {
		c := &cs[i]
		if err := finiteOrErr("candidate", c.ID, c.Loc[0], c.Loc[1], c.Cost); err != nil {
			return nil, err
		}
		return append(rec, c.ID, fmtFloat(c.Loc[0]), fmtFloat(c.Loc[1]),
			itoa(c.Seats[Primary]), itoa(c.Seats[Junior]), c.Name, fmtFloat(c.Cost)), nil
	})
}

// WriteUnitsGeoJSON writes the units as a GeoJSON FeatureCollection, one
// Feature per line: id (also as the Feature id), geometry (the Geom
// Polygon or MultiPolygon, or a Point at Loc for point units) and the
// properties id, name, area, pupils and migrants per stage. Coordinates are
// rounded to 7 decimals for degrees (about 1 cm) or 3 for planar metres and
// written with trailing zeros removed, so the output is deterministic.
// ReadUnitsGeoJSON reads the output back with the same ids, names, areas
// and counts; polygon Locs are recomputed from the rounded outline.
func WriteUnitsGeoJSON(w io.Writer, units []Unit, planar bool) error {
	prec := 7
	if planar {
		prec = 3
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var b []byte
	b = append(b, `{"type":"FeatureCollection","features":[`...)
	for i := range units {
		u := &units[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n{\"type\":\"Feature\",\"id\":"...)
		b = appendJSONString(b, u.ID)
		b = append(b, `,"geometry":`...)
		var err error
		if b, err = appendGeometry(b, u, prec); err != nil {
			return err
		}
		b = append(b, `,"properties":{"id":`...)
		b = appendJSONString(b, u.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, u.Name)
		b = append(b, `,"area":`...)
		b = appendJSONString(b, u.Area.String())
		for st := range NumStages {
			b = append(b, ',', '"')
			b = append(b, pupilColumns[st]...)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, int64(u.Pupils[st]), 10)
		}
		for st := range NumStages {
			b = append(b, ',', '"')
			b = append(b, migrantColumns[st]...)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, int64(u.Migrants[st]), 10)
		}
		b = append(b, "}}"...)
		if len(b) > 32<<10 {
			if _, err := bw.Write(b); err != nil {
				return fmt.Errorf("write units geojson: %w", err)
			}
			b = b[:0]
		}
	}
	b = append(b, "\n]}\n"...)
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("write units geojson: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write units geojson: %w", err)
	}
	return nil
}

// appendGeometry appends the unit's geometry object.
func appendGeometry(b []byte, u *Unit, prec int) ([]byte, error) {
	bad := func() ([]byte, error) {
		return nil, fmt.Errorf("write unit %q: non-finite coordinate", u.ID)
	}
	switch g := u.Geom.(type) {
	case nil:
		if !finitePoint(u.Loc) {
			return bad()
		}
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPosition(b, u.Loc, prec)
	case orb.Polygon:
		if !finiteRings(g) {
			return bad()
		}
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendPolygon(b, g, prec)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range g {
			if !finiteRings(p) {
				return bad()
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, p, prec)
		}
		b = append(b, ']')
	default:
		return nil, fmt.Errorf("write unit %q: geometry %s is not a Polygon or MultiPolygon", u.ID, g.GeoJSONType())
	}
	return append(b, '}'), nil
}

func finiteRings(p orb.Polygon) bool {
	for _, r := range p {
		for _, pt := range r {
			if !finitePoint(pt) {
				return false
			}
		}
	}
	return true
}

func appendPolygon(b []byte, p orb.Polygon, prec int) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, pt := range r {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendPosition(b, pt, prec)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func appendPosition(b []byte, p orb.Point, prec int) []byte {
	b = append(b, '[')
	b = appendRounded(b, p[0], prec)
	b = append(b, ',')
	b = appendRounded(b, p[1], prec)
	return append(b, ']')
}

// appendRounded appends v rounded to prec decimals without trailing zeros;
// negative zero is written as 0.
func appendRounded(b []byte, v float64, prec int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	if prec > 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// roundCoord rounds v as WriteUnitsGeoJSON writes it: to 7 decimals for
// degrees, 3 for planar metres.
func roundCoord(v float64, planar bool) float64 {
	prec := 7
	if planar {
		prec = 3
	}
	r, err := strconv.ParseFloat(string(appendRounded(nil, v, prec)), 64)
	if err != nil || math.IsNaN(r) {
		return v
	}
	return r
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s) // never fails for a string
	if err != nil {
		return append(b, `""`...)
	}
	return append(b, q...)
}
