package demo

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"catchment/data"
)

// File names written by WriteDir.
const (
	SchoolsFile    = "schools.csv"
	UnitsFile      = "units.geojson"
	CurrentFile    = "current.csv"
	CandidatesFile = "candidates.csv"
	BoundaryFile   = "boundary.geojson"
	StreetsFile    = "streets.osm"
	HouseholdsFile = "households.csv"
)

// WriteDir writes the city's files into dir (created if missing):
// schools.csv, units.geojson, current.csv, candidates.csv, boundary.geojson
// and, when the city has streets, streets.osm. The bytes are a function of
// Config alone. Households are not written here; see WriteHouseholds.
func (c *City) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: create output directory: %w", err)
	}
	d := &c.Dataset
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{SchoolsFile, func(w io.Writer) error { return data.WriteSchoolsCSV(w, d.Schools, false) }},
		{UnitsFile, func(w io.Writer) error { return data.WriteUnitsGeoJSON(w, d.Units, false) }},
		{CurrentFile, func(w io.Writer) error { return data.WriteCurrentCSV(w, d.Current) }},
		{CandidatesFile, func(w io.Writer) error { return data.WriteCandidatesCSV(w, d.Candidates, false) }},
		{BoundaryFile, c.WriteBoundary},
	}
	if c.Streets != nil {
		files = append(files, struct {
			name  string
			write func(io.Writer) error
		}{StreetsFile, c.Streets.WriteOSM})
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

// writeFile creates path and streams write into it through a buffer.
func writeFile(path string, write func(io.Writer) error) (err error) {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("demo: close %s: %w", path, cerr)
		}
	}()
	bw := bufio.NewWriterSize(fh, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return nil
}

// WriteBoundary writes the study boundary as a GeoJSON FeatureCollection
// with one Polygon feature.
func (c *City) WriteBoundary(w io.Writer) error {
	b := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"study boundary"},"geometry":{"type":"Polygon","coordinates":[`)
	for ri, r := range c.Boundary {
		if ri > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for i, p := range r {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
			b = append(b, ',')
			b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	b = append(b, "]}}]}\n"...)
	_, err := w.Write(b)
	return err
}

// EachHousehold calls fn for every household of the city, unit by unit:
// the unit's pupils broken into households of one or two children (migrant
// households first, so that per-unit child and migrant counts add up
// exactly), each at a point inside its unit (within 40 m of a point unit).
// The sequence is deterministic per Config. It stops at fn's first error.
func (c *City) EachHousehold(fn func(data.Household) error) error {
	for i := range c.units {
		ui := &c.units[i]
		u := &c.Dataset.Units[i]
		rng := rand.New(rand.NewPCG(uint64(c.Config.Seed)^0x40D5E401D, uint64(i)))
		emit := func(p, j int, migrant bool) error {
			var x, y float64
			if ui.kind == kindCompound {
				a := int(ui.a0) + rng.IntN(int(ui.a1-ui.a0))
				b := int(ui.b0) + rng.IntN(int(ui.b1-ui.b0))
				x, y = c.g.fracPos(a, b, 0.1+0.8*rng.Float64(), 0.1+0.8*rng.Float64())
			} else {
				r, phi := 40*math.Sqrt(rng.Float64()), 2*math.Pi*rng.Float64()
				x, y = ui.x+r*math.Cos(phi), ui.y+r*math.Sin(phi)
			}
			return fn(data.Household{Loc: c.proj.lonLat(x, y), Primary: p, Junior: j, Migrant: migrant, UnitID: u.ID})
		}
		// split breaks p primary and j junior children into households.
		split := func(p, j int, migrant bool) error {
			for p+j > 0 {
				n := 1
				if p+j >= 2 && rng.Float64() < 0.3 {
					n = 2
				}
				hp, hj := 0, 0
				for range n {
					if rng.IntN(p+j-hp-hj) < p-hp {
						hp++
					} else {
						hj++
					}
				}
				if err := emit(hp, hj, migrant); err != nil {
					return err
				}
				p -= hp
				j -= hj
			}
			return nil
		}
		if err := split(u.Migrants[data.Primary], u.Migrants[data.Junior], true); err != nil {
			return err
		}
		if err := split(u.Pupils[data.Primary]-u.Migrants[data.Primary], u.Pupils[data.Junior]-u.Migrants[data.Junior], false); err != nil {
			return err
		}
	}
	return nil
}

// WriteHouseholds writes households.csv (see EachHousehold) to w.
func (c *City) WriteHouseholds(w io.Writer) error {
	hw := data.NewHouseholdWriter(w, false)
	if err := c.EachHousehold(hw.Write); err != nil {
		return err
	}
	return hw.Flush()
}

// WriteHouseholdsFile writes households.csv into dir.
func (c *City) WriteHouseholdsFile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: create output directory: %w", err)
	}
	return writeFile(filepath.Join(dir, HouseholdsFile), c.WriteHouseholds)
}
