package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/paulmach/orb"

	"catchment/allocation/pipeline"
	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/ingest"
	"catchment/geo/roads"
)

// inputFlags are the flags that name a data set, either as files or as a
// stored scenario; solve, validate, lookup and sites share them.
//
// With --roads FILE (an OpenStreetMap extract) distances are walking
// distances on its street network; with --db and no --roads, the road
// network cached with the scenario by `catchment import --roads` is used
// when there is one. Otherwise distances are straight lines.
type inputFlags struct {
	files           ingest.Files
	crs             string
	cellMeters      float64
	db              string
	scenario        string
	roads           string
	crossingPenalty float64
	barrierPenalty  float64

	// Set by load: the distance metric the flags name (nil: straight line,
	// which pipeline.Prepare takes as its default) and, for a road network,
	// the walking reachability check (already logged).
	metric    geo.Metric
	roadCheck *pipeline.RoadCheck
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.files.Schools, "schools", "", "schools.csv `file`")
	fs.StringVar(&f.files.Units, "units", "", "units.csv or units.geojson `file`")
	fs.StringVar(&f.files.Households, "households", "", "households.csv `file` (aggregated into units)")
	fs.StringVar(&f.files.Current, "current", "", "current.csv `file`: today's zoning")
	fs.StringVar(&f.files.Candidates, "candidates", "", "candidates.csv `file`: sites for new schools")
	fs.StringVar(&f.files.Boundary, "boundary", "", "study boundary GeoJSON `file` (default: buffered hull of the units)")
	fs.StringVar(&f.crs, "crs", "wgs84", "coordinate system of the files: wgs84, gcj02, bd09 or xy")
	fs.Float64Var(&f.cellMeters, "cell-meters", geo.DefaultCellMeters, "grid cell size for households outside every unit")
	fs.StringVar(&f.db, "db", "", "SQLite `file` to read the scenario from (instead of files)")
	fs.StringVar(&f.scenario, "scenario", "", "scenario `name` in --db")
	fs.StringVar(&f.roads, "roads", "", "OpenStreetMap extract `file` (.osm, .osm.bz2, .osm.pbf): use walking distances on its streets (default with --db: the scenario's imported road network, if any)")
	registerPenaltyFlags(fs, f)
}

// registerPenaltyFlags adds the walking metric's --crossing-penalty and
// --barrier-penalty to fs.
func registerPenaltyFlags(fs *flag.FlagSet, f *inputFlags) {
	fs.Float64Var(&f.crossingPenalty, "crossing-penalty", 0, "extra cost in `metres` of crossing a trunk or primary road at grade, with a road network")
	fs.Float64Var(&f.barrierPenalty, "barrier-penalty", pipeline.DefaultBarrierPenaltyMeters, "extra cost in `metres` of crossing a river, railway or motorway, with a road network (0: plain walking metres)")
}

// roadOptions are the walking-metric options the flags give (checked by
// load; see pipeline.RoadOptions).
func (f *inputFlags) roadOptions() roads.Options {
	o, _ := pipeline.RoadOptions(f.crossingPenalty, f.barrierPenalty)
	return o
}

// Metric returns the distance metric chosen by the flags, known after load:
// the walking network, or nil for the straight line.
func (f *inputFlags) Metric() geo.Metric { return f.metric }

// load returns the dataset and boundary named by the flags. With --db it
// also returns the open store (the caller closes it). It also sets the
// metric (see Metric): with a road network it loads it and logs every unit
// that cannot walk to a school of its stage and every school off the
// network; those units get no straight-line distance.
func (f *inputFlags) load(ctx context.Context, env *cliEnv) (*data.Dataset, orb.Geometry, *store.Store, error) {
	if _, err := pipeline.RoadOptions(f.crossingPenalty, f.barrierPenalty); err != nil {
		return nil, nil, nil, err
	}
	ds, boundary, st, err := f.loadData(ctx, env)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := f.loadMetric(ctx, env, ds, st); err != nil {
		if st != nil {
			st.Close()
		}
		return nil, nil, nil, err
	}
	return ds, boundary, st, nil
}

// loadMetric sets f.metric from --roads or the scenario's cached road
// network, and checks walking reachability.
func (f *inputFlags) loadMetric(ctx context.Context, env *cliEnv, ds *data.Dataset, st *store.Store) error {
	f.metric, f.roadCheck = nil, nil
	var nw *roads.Network
	switch {
	case f.roads != "":
		if ds.Planar {
			return fmt.Errorf("--roads needs WGS-84 coordinates (or gcj02/bd09), not --crs xy")
		}
		var err error
		if nw, err = pipeline.LoadRoadsWith(ctx, f.roads, f.roadOptions()); err != nil {
			return err
		}
	case st != nil:
		var err error
		nw, err = pipeline.StoredRoads(ctx, st, f.scenario, f.roadOptions())
		if errors.Is(err, store.ErrNotFound) {
			if f.crossingPenalty > 0 {
				env.log.Warn("--crossing-penalty ignored: the scenario has no road network", "scenario", f.scenario)
			}
			return nil
		}
		if err != nil {
			return err
		}
	default:
		if f.crossingPenalty > 0 {
			env.log.Warn("--crossing-penalty ignored without --roads")
		}
		return nil
	}
	check, err := pipeline.CheckRoads(ctx, ds, nw)
	if err != nil {
		return err
	}
	check.Log(env.log, 20)
	env.log.Info("walking distances", "graph", nw.Graph().String(), "unreachable_units", len(check.Units),
		"unreachable_schools", len(check.Schools))
	f.metric, f.roadCheck = nw, check
	return nil
}

// loadData reads the dataset and boundary from the files or the store.
func (f *inputFlags) loadData(ctx context.Context, env *cliEnv) (*data.Dataset, orb.Geometry, *store.Store, error) {
	if f.db != "" {
		if f.scenario == "" {
			return nil, nil, nil, fmt.Errorf("--db needs --scenario")
		}
		st, err := store.Open(ctx, f.db)
		if err != nil {
			return nil, nil, nil, err
		}
		ds, _, err := st.LoadScenario(ctx, f.scenario)
		if err != nil {
			st.Close()
			return nil, nil, nil, fmt.Errorf("scenario %q: %w", f.scenario, err)
		}
		var boundary orb.Geometry
		if b, err := st.Blob(ctx, f.scenario, "boundary"); err == nil {
			if boundary, err = ingest.ParseBoundary(b, geo.WGS84); err != nil {
				st.Close()
				return nil, nil, nil, err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			st.Close()
			return nil, nil, nil, err
		}
		return ds, boundary, st, nil
	}
	crs, err := geo.ParseCRS(f.crs)
	if err != nil {
		return nil, nil, nil, err
	}
	ds, err := ingest.Load(ctx, f.files, ingest.Options{CRS: crs, CellMeters: f.cellMeters,
		Warn: func(m string) { env.log.Warn(m) }})
	if err != nil {
		return nil, nil, nil, err
	}
	var boundary orb.Geometry
	if f.files.Boundary != "" {
		if boundary, err = ingest.LoadBoundary(f.files.Boundary, crs); err != nil {
			return nil, nil, nil, err
		}
	}
	return ds, boundary, nil, nil
}
