package roads

import (
	"fmt"
	"math"
)

// Defaults applied by Options.withDefaults to zero fields.
const (
	DefaultMaxSnapMeters     = 500
	DefaultMaxWalkMeters     = 10000
	DefaultMinComponentNodes = 20
)

// Options configures import and queries. The zero value means "defaults".
type Options struct {
	// MinComponentNodes drops connected components with fewer nodes at
	// import (mapping fragments a point would otherwise snap onto and be
	// stranded). 0 means DefaultMinComponentNodes; negative keeps all.
	// Only Read and ReadFile use it.
	MinComponentNodes int
	// MaxSnapMeters is how far a point may be from the nearest walkable edge
	// before it is reported unreachable. 0 means DefaultMaxSnapMeters.
	MaxSnapMeters float64
	// MaxWalkMeters bounds the search radius of Nearest: destinations
	// farther than this are not listed and Beyond is at least this. 0 means
	// DefaultMaxWalkMeters; math.Inf(1) means unbounded.
	MaxWalkMeters float64
	// MajorCrossingPenaltyMeters is the extra cost, in equivalent metres, of
	// crossing a trunk/primary road at grade (see package doc). 0 (the
	// default) measures plain distance; crossings are counted either way.
	MajorCrossingPenaltyMeters float64
	// BarrierPenaltyMeters is the extra cost, in equivalent metres, of
	// crossing a barrier — a river, canal or water area, a railway or a
	// motorway — on a bridge, in a tunnel or at a level crossing: it is
	// added once to the cost of every barrier edge (see package doc). 0
	// (the default) measures plain distance; crossings are counted either
	// way. It must be finite and ≥ 0.
	BarrierPenaltyMeters float64
	// Workers bounds the goroutines used by snapping, row assembly and the
	// per-destination searches of very large k; 0 means 2.
	Workers int
}

func (o Options) withDefaults() (Options, error) {
	if o.MinComponentNodes == 0 {
		o.MinComponentNodes = DefaultMinComponentNodes
	}
	if o.MaxSnapMeters == 0 {
		o.MaxSnapMeters = DefaultMaxSnapMeters
	}
	if o.MaxWalkMeters == 0 {
		o.MaxWalkMeters = DefaultMaxWalkMeters
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	switch {
	case math.IsNaN(o.MaxSnapMeters) || o.MaxSnapMeters < 0:
		return o, fmt.Errorf("roads: MaxSnapMeters %v must be ≥ 0", o.MaxSnapMeters)
	case math.IsNaN(o.MaxWalkMeters) || o.MaxWalkMeters < 0:
		return o, fmt.Errorf("roads: MaxWalkMeters %v must be ≥ 0", o.MaxWalkMeters)
	case math.IsNaN(o.MajorCrossingPenaltyMeters) || o.MajorCrossingPenaltyMeters < 0 || math.IsInf(o.MajorCrossingPenaltyMeters, 0):
		return o, fmt.Errorf("roads: MajorCrossingPenaltyMeters %v must be finite and ≥ 0", o.MajorCrossingPenaltyMeters)
	case math.IsNaN(o.BarrierPenaltyMeters) || o.BarrierPenaltyMeters < 0 || math.IsInf(o.BarrierPenaltyMeters, 0):
		return o, fmt.Errorf("roads: BarrierPenaltyMeters %v must be finite and ≥ 0", o.BarrierPenaltyMeters)
	}
	return o, nil
}
