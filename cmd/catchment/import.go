package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/paulmach/orb/geojson"

	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/ingest"
	"catchment/geo/roads"
)

func init() {
	register(command{
		name:    "import",
		summary: "load input files into a named scenario of a SQLite database (all or nothing)",
		run:     runImport,
	})
}

// boundaryBlob is the blob key under which import stores the study
// boundary (GeoJSON geometry, WGS-84 or planar metres like the scenario).
const boundaryBlob = "boundary"

// runImport reads the input files with ingest.Load and stores them as one
// scenario. Nothing is written unless every file is clean: with bad input
// it prints one line per problem (file, line or feature, column) to stderr
// and exits 1 without opening the database. The store replaces an
// existing scenario of the same name in one transaction, so a failure at
// any point leaves the previous scenario as it was.
func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "import",
		"--db FILE --scenario NAME --schools F (--units F | --households F | both) [--current F] [--candidates F] [--boundary F] [--roads F] [--crs C] [--cell-meters M]")
	var (
		files             ingest.Files
		db, name, crsName string
		parent, note      string
		roadsFile         string
		cellMeters        float64
		maxErrors         int
	)
	fs.StringVar(&db, "db", "", "SQLite database `file` (created if missing)")
	fs.StringVar(&name, "scenario", "", "scenario `name`; an existing scenario of that name is replaced, with its plans")
	fs.StringVar(&files.Schools, "schools", "", "schools.csv `file`")
	fs.StringVar(&files.Units, "units", "", "units.csv or units.geojson `file`")
	fs.StringVar(&files.Households, "households", "", "households.csv `file`, aggregated into the --units polygons or grid cells")
	fs.StringVar(&files.Current, "current", "", "current.csv `file`: today's zoning")
	fs.StringVar(&files.Candidates, "candidates", "", "candidates.csv `file`: sites for new schools")
	fs.StringVar(&files.Boundary, "boundary", "", "study boundary GeoJSON `file`, stored with the scenario")
	fs.StringVar(&roadsFile, "roads", "", "OpenStreetMap extract `file` (.osm, .osm.bz2, .osm.pbf): its walking graph is stored with the scenario, so solve, lookup, sites and serve use walking distances without re-reading it")
	fs.StringVar(&crsName, "crs", "wgs84", "coordinate system of the files: wgs84, gcj02, bd09 or xy")
	fs.Float64Var(&cellMeters, "cell-meters", geo.DefaultCellMeters, "grid cell side in `metres` for households outside every unit")
	fs.IntVar(&maxErrors, "max-errors", 0, "report at most `N` problems per file (0: the reader's default)")
	fs.StringVar(&parent, "parent", "", "scenario this one is derived from (informational)")
	fs.StringVar(&note, "note", "", "free-text note stored with the scenario")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usageErr := func(format string, a ...any) error {
		fmt.Fprintf(env.stderr, "catchment import: "+format+"\n", a...)
		fs.Usage()
		return errUsage
	}
	switch {
	case db == "":
		return usageErr("--db is required")
	case name == "":
		return usageErr("--scenario is required")
	case files.Schools == "":
		return usageErr("--schools is required")
	case files.Units == "" && files.Households == "":
		return usageErr("give --units, --households, or both")
	case maxErrors < 0:
		return usageErr("--max-errors must be ≥ 0")
	}
	if err := store.ValidateName(name); err != nil {
		return usageErr("--scenario: %v", err)
	}
	crs, err := geo.ParseCRS(crsName)
	if err != nil {
		return usageErr("--crs: %v", err)
	}
	if roadsFile != "" && crs == geo.XY {
		return usageErr("--roads needs WGS-84 coordinates (or gcj02/bd09), not --crs xy")
	}

	prog := newImportProgress(env)
	d, err := ingest.Load(ctx, files, ingest.Options{
		CRS:        crs,
		CellMeters: cellMeters,
		MaxErrors:  maxErrors,
		Warn:       func(msg string) { env.log.Warn(msg) },
		Progress:   prog.households,
	})
	prog.done()
	if err != nil {
		var list data.ErrorList
		if errors.As(err, &list) {
			n, cut := 0, false
			for _, e := range list {
				fmt.Fprintln(env.stderr, e)
				if errors.Is(e, data.ErrTooManyErrors) {
					cut = true
				} else {
					n++
				}
			}
			atLeast := ""
			if cut {
				atLeast = "at least "
			}
			return fmt.Errorf("%s%d %s in the input files; database not changed", atLeast, n, importPlural(n, "problem", "problems"))
		}
		return fmt.Errorf("%w; database not changed", err)
	}
	var blobs map[string][]byte
	if files.Boundary != "" {
		g, err := ingest.LoadBoundary(files.Boundary, crs)
		if err != nil {
			return fmt.Errorf("%w; database not changed", err)
		}
		b, err := geojson.NewGeometry(g).MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode boundary: %w; database not changed", err)
		}
		blobs = map[string][]byte{boundaryBlob: b}
	}
	var roadsLine string
	if roadsFile != "" {
		b, line, err := importRoads(ctx, env, roadsFile, d)
		if err != nil {
			return fmt.Errorf("%w; database not changed", err)
		}
		if blobs == nil {
			blobs = map[string][]byte{}
		}
		blobs[pipeline.RoadsBlob] = b
		roadsLine = line
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	prog.writing()
	meta := store.ScenarioInfo{CRS: crs.String(), Parent: parent, Note: note}
	if err := st.ImportScenarioWithBlobs(ctx, name, d, meta, blobs); err != nil {
		return err
	}
	prog.done()
	fmt.Fprintf(env.stdout, "imported scenario %q into %s: %d schools, %d units, %d current zone rows, %d candidate sites (crs %s)\n",
		name, db, len(d.Schools), len(d.Units), len(d.Current), len(d.Candidates), crs)
	if roadsLine != "" {
		fmt.Fprintln(env.stdout, roadsLine)
	}
	return nil
}

// importRoads reads the OpenStreetMap extract into a walking graph,
// checks which units of d cannot walk to a school (logged one by one and
// counted in the returned summary line) and returns the graph's blob.
func importRoads(ctx context.Context, env *cliEnv, path string, d *data.Dataset) ([]byte, string, error) {
	g, err := pipeline.ReadRoads(ctx, path, roads.Options{})
	if err != nil {
		return nil, "", err
	}
	b, err := g.MarshalBinary()
	if err != nil {
		return nil, "", fmt.Errorf("encode road network: %w", err)
	}
	nw, err := roads.NewNetwork(g, pipeline.DefaultRoadOptions())
	if err != nil {
		return nil, "", fmt.Errorf("road network %s: %w", path, err)
	}
	check, err := pipeline.CheckRoads(ctx, d, nw)
	if err != nil {
		return nil, "", err
	}
	check.Log(env.log, 20)
	line := fmt.Sprintf("road network: %s; %d units (%d primary, %d junior pupils) cannot walk to a school, %d schools off the network",
		g, len(check.Units), check.Pupils[data.Primary], check.Pupils[data.Junior], len(check.Schools))
	return b, line, nil
}

func importPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// importProgress shows what import is doing on stderr, only when stderr is
// a terminal (scripts and logs get no carriage-return noise).
type importProgress struct {
	env  *cliEnv
	line bool // a progress line is open
}

func newImportProgress(env *cliEnv) *importProgress { return &importProgress{env: env} }

// households is the ingest.Options.Progress callback (total < 0 while
// the count is unknown).
func (p *importProgress) households(done, total int64) {
	if !p.env.isTerminal {
		return
	}
	if total >= 0 {
		fmt.Fprintf(p.env.stderr, "\rimport: read %d of %d households", done, total)
	} else {
		fmt.Fprintf(p.env.stderr, "\rimport: read %d households", done)
	}
	p.line = true
}

func (p *importProgress) writing() {
	if !p.env.isTerminal {
		return
	}
	fmt.Fprint(p.env.stderr, "\rimport: writing the scenario in one transaction…")
	p.line = true
}

// done ends an open progress line.
func (p *importProgress) done() {
	if p.line {
		fmt.Fprintln(p.env.stderr)
		p.line = false
	}
}

// dbFileExists reports whether path names an existing file; commands that
// only read a database use it so that a typo does not create an empty one.
func dbFileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
