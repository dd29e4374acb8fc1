package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/data/store"
	"catchment/geo"
	"catchment/geo/roads"
)

// RoadsBlob is the store blob key under which a scenario's walking graph
// (roads.Graph.MarshalBinary) is cached, so that a scenario imported with a
// road network solves, looks up and serves without re-reading the
// OpenStreetMap file.
const RoadsBlob = "roads"

// DefaultBarrierPenaltyMeters is what crossing a river, a railway or a
// motorway (on a bridge, in a tunnel, at a level crossing) costs by
// default in the zoning's walking metric: a pupil is zoned up to 2 km of
// extra walk away rather than across such a barrier (POLICY.md §B4: day
// pupils should not cross trunk roads, highways or railways), and only
// crosses where the seats on their own side run out. Distances reported
// stay the metres walked.
const DefaultBarrierPenaltyMeters = 2000

// DefaultRoadOptions are the walking-metric options of the command line
// and the service unless told otherwise: RoadOptions with the default
// barrier penalty and no major-road crossing penalty.
func DefaultRoadOptions() roads.Options {
	o, _ := RoadOptions(0, DefaultBarrierPenaltyMeters)
	return o
}

// RoadOptions returns the walking-metric options with the given penalties
// (metres per at-grade crossing of a trunk or primary road, and per
// barrier crossed), or an error naming the flag when one is negative or
// not finite. The search radius (roads.Options.MaxWalkMeters, which bounds
// the cost, penalties included) is the roads default widened by two
// barrier penalties, so that a school within the default walk is still
// found across a bridge or two.
func RoadOptions(crossingPenalty, barrierPenalty float64) (roads.Options, error) {
	for _, f := range []struct {
		name string
		v    float64
	}{{"--crossing-penalty", crossingPenalty}, {"--barrier-penalty", barrierPenalty}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return roads.Options{}, fmt.Errorf("%s must be a finite number of metres ≥ 0, not %v", f.name, f.v)
		}
	}
	return roads.Options{MajorCrossingPenaltyMeters: crossingPenalty, BarrierPenaltyMeters: barrierPenalty,
		MaxWalkMeters: roads.DefaultMaxWalkMeters + 2*barrierPenalty}, nil
}

// LoadRoads imports the OpenStreetMap extract at path (.osm, .osm.bz2 or
// .osm.pbf) and returns the walking-distance metric over it, with
// DefaultRoadOptions. The metric is a *roads.Network (Name "walking").
func LoadRoads(ctx context.Context, path string) (geo.Metric, error) {
	return LoadRoadsWith(ctx, path, DefaultRoadOptions())
}

// LoadRoadsWith is LoadRoads with options (e.g. a major-road crossing
// penalty); zero fields take the roads package defaults.
func LoadRoadsWith(ctx context.Context, path string, opts roads.Options) (*roads.Network, error) {
	g, err := ReadRoads(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return newNetwork(g, opts, path)
}

// ReadRoads imports the OpenStreetMap extract at path into a walking graph
// (package roads logs what the import kept). import uses it to cache the graph with the
// scenario (see StoreRoads / RoadsBlob).
func ReadRoads(ctx context.Context, path string, opts roads.Options) (*roads.Graph, error) {
	g, err := roads.ReadFile(ctx, path, opts)
	if err != nil {
		return nil, fmt.Errorf("road network %s: %w", path, err)
	}
	if g.NumEdges() == 0 {
		return nil, fmt.Errorf("road network %s: no walkable ways", path)
	}
	return g, nil
}

// StoreRoads caches g as the scenario's road network (blob RoadsBlob),
// replacing any previous one. The scenario must exist.
func StoreRoads(ctx context.Context, st *store.Store, scenario string, g *roads.Graph) error {
	b, err := g.MarshalBinary()
	if err != nil {
		return fmt.Errorf("encode road network: %w", err)
	}
	return st.PutBlob(ctx, scenario, RoadsBlob, b)
}

// StoredRoads returns the walking metric over the road network cached with
// the scenario (no OpenStreetMap parsing). The error wraps store.ErrNotFound
// when the scenario has no road network (then use the straight line), and
// reports a corrupt blob rather than ignoring it.
func StoredRoads(ctx context.Context, st *store.Store, scenario string, opts roads.Options) (*roads.Network, error) {
	start := time.Now()
	b, err := st.Blob(ctx, scenario, RoadsBlob)
	if err != nil {
		return nil, err
	}
	var g roads.Graph
	if err := g.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("scenario %q: cached road network: %w", scenario, err)
	}
	nw, err := newNetwork(&g, opts, "scenario "+scenario)
	if err != nil {
		return nil, err
	}
	slog.Info("road network loaded from the store", "scenario", scenario, "bytes", len(b), "seconds", time.Since(start).Seconds())
	return nw, nil
}

func newNetwork(g *roads.Graph, opts roads.Options, from string) (*roads.Network, error) {
	nw, err := roads.NewNetwork(g, opts)
	if err != nil {
		return nil, fmt.Errorf("road network %s: %w", from, err)
	}
	return nw, nil
}

// UnreachableUnit is a residential unit whose pupils of a stage cannot walk
// to any zoneable school of that stage on the road network. Such a unit is
// reported, never given a straight-line distance: the solver sees no
// candidate school for it, so its pupils end up unplaced (or in overflow)
// unless the planner fixes the data (a missing street, a unit far off the
// network).
type UnreachableUnit struct {
	Unit   int        // index into Dataset.Units
	ID     string     // Dataset.Units[Unit].ID
	Stage  data.Stage // the stage whose schools it cannot reach
	Pupils int        // the unit's pupils of that stage
	Reason string     // roads.Reason: "too far from the network", …
}

// UnreachableSchool is a zoneable school that does not snap onto the road
// network, so no unit can reach it on foot.
type UnreachableSchool struct {
	School int    // index into Dataset.Schools
	ID     string // Dataset.Schools[School].ID
	Reason string
}

// RoadCheck is what CheckRoads found: every unit that cannot reach a
// zoneable school of a stage on foot, every zoneable school off the
// network, and the pupils concerned per stage. Units and schools are in
// (stage, index) order; each school is listed once.
type RoadCheck struct {
	Units   []UnreachableUnit
	Schools []UnreachableSchool
	// Pupils[st] sums Pupils over Units of stage st.
	Pupils [data.NumStages]int
}

// OK reports whether every unit with pupils reaches a school of its stage
// and every zoneable school is on the network.
func (c *RoadCheck) OK() bool { return len(c.Units) == 0 && len(c.Schools) == 0 }

// CheckRoads finds the units of ds that cannot reach any zoneable school of
// a stage by walking (one k = 1 search per stage over nw) and the zoneable
// schools that are off the network. A metric that is not a *roads.Network
// (straight-line) reaches everything: the check is empty. It stops with
// ctx's error when ctx is cancelled.
func CheckRoads(ctx context.Context, ds *data.Dataset, m geo.Metric) (*RoadCheck, error) {
	out := &RoadCheck{}
	nw, ok := m.(*roads.Network)
	if !ok {
		return out, nil
	}
	seenSchool := make([]bool, len(ds.Schools))
	for st := range data.NumStages {
		stage := data.Stage(st)
		var units, schools []int
		var uloc, sloc []orb.Point
		for u := range ds.Units {
			if ds.Units[u].Pupils[st] > 0 {
				units = append(units, u)
				uloc = append(uloc, ds.Units[u].Loc)
			}
		}
		for s := range ds.Schools {
			if ds.Schools[s].Zoneable(stage) {
				schools = append(schools, s)
				sloc = append(sloc, ds.Schools[s].Loc)
			}
		}
		if len(units) == 0 {
			continue
		}
		res, err := nw.NearestDetailed(ctx, uloc, sloc, 1)
		if err != nil {
			return nil, fmt.Errorf("%s: walking reachability: %w", stage, err)
		}
		for _, x := range res.Unreachable {
			switch x.Side {
			case roads.Origin:
				u := units[x.Index]
				n := ds.Units[u].Pupils[st]
				out.Units = append(out.Units, UnreachableUnit{Unit: u, ID: ds.Units[u].ID, Stage: stage, Pupils: n, Reason: x.Reason.String()})
				out.Pupils[st] += n
			case roads.Destination:
				s := schools[x.Index]
				if !seenSchool[s] {
					seenSchool[s] = true
					out.Schools = append(out.Schools, UnreachableSchool{School: s, ID: ds.Schools[s].ID, Reason: x.Reason.String()})
				}
			}
		}
		if len(schools) == 0 {
			// No zoneable school at all: NearestDetailed lists nothing, but
			// every unit of the stage is unreachable.
			for _, u := range units {
				n := ds.Units[u].Pupils[st]
				out.Units = append(out.Units, UnreachableUnit{Unit: u, ID: ds.Units[u].ID, Stage: stage, Pupils: n, Reason: "no zoneable school"})
				out.Pupils[st] += n
			}
		}
	}
	return out, nil
}

// Log writes the check to log: one warning per unreachable unit and school
// (at most limit of each, then a count of the rest; limit ≤ 0 means all)
// and a summary line.
func (c *RoadCheck) Log(log *slog.Logger, limit int) {
	for i, u := range c.Units {
		if limit > 0 && i == limit {
			log.Warn("more units cannot reach a school on foot", "more", len(c.Units)-limit)
			break
		}
		log.Warn("unit cannot reach a school on foot", "unit", u.ID, "stage", u.Stage.String(), "pupils", u.Pupils, "reason", u.Reason)
	}
	for i, s := range c.Schools {
		if limit > 0 && i == limit {
			log.Warn("more schools are off the road network", "more", len(c.Schools)-limit)
			break
		}
		log.Warn("school is off the road network", "school", s.ID, "reason", s.Reason)
	}
	if !c.OK() {
		args := []any{"units", len(c.Units), "schools", len(c.Schools)}
		for st := range data.NumStages {
			args = append(args, data.Stage(st).String()+"_pupils", c.Pupils[st])
		}
		log.Warn("walking distances: unreachable units and schools (no straight-line fallback)", args...)
	}
}

// PrepareWalking is Prepare with the walking metric nw plus CheckRoads: it
// returns the prepared dataset and the reachability check, logged to log
// (nil: slog.Default()). The HTTP service and the CLI use it so that a
// scenario with a road network is solved by walking distance everywhere.
func PrepareWalking(ctx context.Context, ds *data.Dataset, boundary orb.Geometry, nw *roads.Network, log *slog.Logger) (*Prepared, *RoadCheck, error) {
	if nw == nil {
		return nil, nil, errors.New("pipeline: PrepareWalking needs a road network")
	}
	if ds.Planar {
		return nil, nil, errors.New("pipeline: a road network needs WGS-84 data, not planar xy metres")
	}
	if log == nil {
		log = slog.Default()
	}
	check, err := CheckRoads(ctx, ds, nw)
	if err != nil {
		return nil, nil, err
	}
	check.Log(log, 20)
	p, err := Prepare(ctx, ds, boundary, nw)
	if err != nil {
		return nil, nil, err
	}
	return p, check, nil
}
