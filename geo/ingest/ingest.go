// Package ingest owns turning the input files of FORMATS.md into one
// validated data.Dataset: it picks the readers, converts coordinates from
// the declared CRS to WGS-84, aggregates household points into units, and
// checks the references between files (today's zoning naming known units
// and schools). It reports every problem of every file at once.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/data"
	"catchment/geo"
)

// Files names the input files; empty names are not read. Schools and one
// of Units or Households are required.
type Files struct {
	Schools    string
	Units      string
	Households string
	Current    string
	Candidates string
	// Boundary is an optional study-boundary GeoJSON (a Polygon or
	// MultiPolygon, bare or in a Feature or FeatureCollection); see
	// LoadBoundary.
	Boundary string
}

// Options configure Load.
type Options struct {
	// CRS is the coordinate system of every input file.
	CRS geo.CRS
	// CellMeters is the grid size for households outside every unit
	// (0: geo.DefaultCellMeters).
	CellMeters float64
	// MaxErrors caps the problems reported per file (0: 100).
	MaxErrors int
	// Warn receives non-fatal findings; nil discards them.
	Warn func(string)
	// Progress, when set, is called with household rows read so far.
	Progress func(done, total int64)
}

// Load reads the files into a Dataset. When any file has problems it
// returns a data.ErrorList holding all of them (each naming file, line or
// feature, and column); other failures (a missing file) are returned
// wrapped. It reads nothing from and writes nothing to any store.
func Load(ctx context.Context, f Files, opt Options) (*data.Dataset, error) {
	if f.Schools == "" {
		return nil, errors.New("no schools file given")
	}
	if f.Units == "" && f.Households == "" {
		return nil, errors.New("give a units file or a households file (or both)")
	}
	ro := readOptions(opt)
	ds := &data.Dataset{Planar: opt.CRS.Planar()}
	var all data.ErrorList
	collect := func(err error) error {
		if err == nil {
			return nil
		}
		var el data.ErrorList
		if errors.As(err, &el) {
			all = append(all, el...)
			return nil
		}
		return err
	}
	var err error
	ds.Schools, err = data.ReadSchoolsFile(f.Schools, ro)
	if err := collect(err); err != nil {
		return nil, err
	}
	if f.Units != "" {
		ds.Units, err = data.ReadUnitsFile(f.Units, ro)
		if err := collect(err); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Households != "" {
		known := make(map[string]bool, len(ds.Units))
		for i := range ds.Units {
			known[ds.Units[i].ID] = true
		}
		hro := ro
		hro.KnownUnit = func(id string) bool { return known[id] }
		agg := geo.NewAggregator(ds.Units, ds.Planar, opt.CellMeters)
		var n int64
		herr := data.ReadHouseholdsFile(f.Households, hro, func(h data.Household) error {
			n++
			if n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if opt.Progress != nil {
					opt.Progress(n, -1)
				}
			}
			return agg.Add(h)
		})
		if err := collect(herr); err != nil {
			return nil, err // already names the file and line
		}
		ds.Units = agg.Units()
		if opt.Progress != nil {
			opt.Progress(n, n)
		}
	}
	if f.Current != "" {
		ds.Current, err = data.ReadCurrentFile(f.Current, ro)
		if err := collect(err); err != nil {
			return nil, err
		}
	}
	if f.Candidates != "" {
		ds.Candidates, err = data.ReadCandidatesFile(f.Candidates, ro)
		if err := collect(err); err != nil {
			return nil, err
		}
	}
	if len(all) == 0 {
		all = append(all, crossCheck(ds, f)...)
	}
	if len(all) > 0 {
		return nil, all
	}
	if err := ds.Validate(); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return ds, nil
}

// crossCheck reports references between files that do not resolve: today's
// zoning naming an unknown unit or school, or a school that does not offer
// the stage. Rows are numbered as in the file (header is line 1, one line
// per record).
func crossCheck(ds *data.Dataset, f Files) data.ErrorList {
	var out data.ErrorList
	name := filepath.Base(f.Current)
	ui, si := ds.UnitIndex(), ds.SchoolIndex()
	seen := map[[2]string]int{}
	for i, c := range ds.Current {
		line := i + 2
		if _, ok := ui[c.UnitID]; !ok {
			out = append(out, &data.ParseError{File: name, Line: line, Feature: -1, Column: "unit_id",
				Err: kindError{fmt.Sprintf("unknown unit %q", c.UnitID), data.ErrUnknownUnit}})
		}
		s, ok := si[c.SchoolID]
		switch {
		case !ok:
			out = append(out, &data.ParseError{File: name, Line: line, Feature: -1, Column: "school_id",
				Err: kindError{fmt.Sprintf("unknown school %q", c.SchoolID), data.ErrUnknownValue}})
		case !ds.Schools[s].Offers(c.Stage):
			out = append(out, &data.ParseError{File: name, Line: line, Feature: -1, Column: "school_id",
				Err: kindError{fmt.Sprintf("school %q has no %s seats", c.SchoolID, c.Stage), data.ErrNoSeats}})
		}
		key := [2]string{c.UnitID, c.Stage.String()}
		if first, dup := seen[key]; dup {
			out = append(out, &data.ParseError{File: name, Line: line, Feature: -1, Column: "unit_id",
				Err: kindError{fmt.Sprintf("unit %q already zoned for %s on line %d", c.UnitID, c.Stage, first), data.ErrDuplicateID}})
		} else {
			seen[key] = line
		}
	}
	return out
}

// kindError is a cross-file problem with its own message that wraps one of
// package data's error kinds, so errors.Is works as for reader errors.
type kindError struct {
	msg  string
	kind error
}

func (e kindError) Error() string { return e.msg }
func (e kindError) Unwrap() error { return e.kind }

func readOptions(opt Options) data.ReadOptions {
	ro := data.ReadOptions{Planar: opt.CRS.Planar(), MaxErrors: opt.MaxErrors, Warn: opt.Warn}
	if opt.CRS != geo.WGS84 && opt.CRS != geo.XY {
		ro.Transform = opt.CRS.ToWGS84
	}
	return ro
}

// LoadBoundary reads a study boundary: a GeoJSON Polygon or MultiPolygon,
// bare, as a Feature, or as a FeatureCollection whose polygonal features
// are combined. Coordinates are converted from crs to WGS-84.
func LoadBoundary(path string, crs geo.CRS) (orb.Geometry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	g, err := ParseBoundary(b, crs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return g, nil
}

// ParseBoundary parses the GeoJSON text of a study boundary (see
// LoadBoundary).
func ParseBoundary(b []byte, crs geo.CRS) (orb.Geometry, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("boundary: %w", err)
	}
	var polys orb.MultiPolygon
	add := func(g orb.Geometry) error {
		switch t := g.(type) {
		case orb.Polygon:
			polys = append(polys, t)
		case orb.MultiPolygon:
			polys = append(polys, t...)
		default:
			if g == nil {
				return errors.New("boundary: missing geometry")
			}
			return fmt.Errorf("boundary: geometry %s is not a Polygon or MultiPolygon", g.GeoJSONType())
		}
		return nil
	}
	switch probe.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			return nil, fmt.Errorf("boundary: %w", err)
		}
		for i, f := range fc.Features {
			if err := add(f.Geometry); err != nil {
				return nil, fmt.Errorf("feature %d: %w", i, err)
			}
		}
	case "Feature":
		f, err := geojson.UnmarshalFeature(b)
		if err != nil {
			return nil, fmt.Errorf("boundary: %w", err)
		}
		if err := add(f.Geometry); err != nil {
			return nil, err
		}
	default:
		g, err := geojson.UnmarshalGeometry(b)
		if err != nil {
			return nil, fmt.Errorf("boundary: %w", err)
		}
		if err := add(g.Geometry()); err != nil {
			return nil, err
		}
	}
	if len(polys) == 0 {
		return nil, errors.New("boundary: no polygon")
	}
	if err := data.ValidatePolygonal(polys); err != nil {
		return nil, fmt.Errorf("boundary: %w", err)
	}
	if crs != geo.WGS84 && crs != geo.XY {
		for _, p := range polys {
			for _, r := range p {
				for i := range r {
					r[i] = crs.ToWGS84(r[i])
				}
			}
		}
	}
	if len(polys) == 1 {
		return polys[0], nil
	}
	return polys, nil
}
