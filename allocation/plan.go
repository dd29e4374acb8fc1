package allocation

import (
	"fmt"

	"catchment/data"
)

// PlacementKind says how a group of pupils is placed.
type PlacementKind uint8

// The placements of FORMATS.md.
const (
	InZone   PlacementKind = iota // in the unit's zone school
	Overflow                      // 统筹: at another school with free seats
	Unplaced                      // no seat anywhere within reach
)

// String returns the FORMATS.md spelling: zone, overflow or unplaced.
func (k PlacementKind) String() string {
	switch k {
	case InZone:
		return "zone"
	case Overflow:
		return "overflow"
	case Unplaced:
		return "unplaced"
	}
	return fmt.Sprintf("placement(%d)", int(k))
}

// ParsePlacementKind parses zone, overflow or unplaced.
func ParsePlacementKind(s string) (PlacementKind, error) {
	switch s {
	case "zone":
		return InZone, nil
	case "overflow":
		return Overflow, nil
	case "unplaced":
		return Unplaced, nil
	}
	return 0, fmt.Errorf("unknown placement %q (want zone, overflow or unplaced)", s)
}

// Placement is a group of one unit's pupils of one stage placed together.
// School is an index into Dataset.Schools, or -1 when Kind is Unplaced.
// Meters is the home-to-school distance (0 when unplaced).
type Placement struct {
	Unit     int32
	School   int32
	Pupils   int32
	Migrants int32
	Meters   float64
	Kind     PlacementKind
}

// StagePlan is the zoning of one stage.
//
// Invariants: len(Zone) == len(ZoneMeters) == number of units; Zone[u] is a
// school offering the stage, or -1 when no school could be reached (a unit
// without pupils of the stage is given the zone of its neighbours, so that
// a stage's zones cover the whole area); for every unit the Pupils of its Placements
// sum to the unit's pupils of the stage; Placements are sorted by Unit, then
// Kind, then School; no school receives more pupils (zone plus overflow)
// than its seats, except pupils that a given zoning (FromZones) put there.
type StagePlan struct {
	Stage data.Stage
	// Zone[u] is unit u's zone school (index into Dataset.Schools) or -1.
	Zone []int32
	// ZoneMeters[u] is the distance from unit u to its zone school: the
	// length walked on a road network (without the metric's crossing
	// penalties), else the straight line.
	ZoneMeters []float64
	// Placements lists where every pupil is placed.
	Placements []Placement
	// LowerBound is a proven lower bound on the Objective of any placement
	// that respects the seats and places as many pupils as this plan does;
	// 0 when unknown (plans not made by Solve).
	LowerBound float64
	// Objective is what the optimiser minimises: Σ pupils × the metric's
	// cost of their placement (the distance, plus a road network's
	// crossing penalties when set; unplaced pupils excluded). It equals the
	// total distance when the metric has no penalties.
	Objective float64
	// OverflowByTier counts the pupils who did not get their zone school,
	// by priority tier (see Tier).
	OverflowByTier map[string]int
	// ZoneCrossings[u], when non-nil, is the number of major roads crossed
	// at grade on unit u's route to its zone school (-1 unknown); only
	// road-network metrics know it.
	ZoneCrossings []int32
	// ZoneBarriers[u], when non-nil, is the number of barriers (rivers,
	// railways, motorways) crossed on a bridge, tunnel or level crossing on
	// unit u's route to its zone school (-1 unknown); only road-network
	// metrics know it.
	ZoneBarriers []int32
	// ZoneBarrierKinds[u], when non-nil, is the set of kinds of those
	// barriers, a geo.BarrierKind bit set (geo.BarrierWater,
	// BarrierRailway, BarrierMotorway): empty exactly when ZoneBarriers[u]
	// is 0 or unknown. It is non-nil exactly when ZoneBarriers is (the
	// metric knows barriers) and then has one entry per unit.
	ZoneBarrierKinds []uint8
	// WholeUnitOptimal is true when an exact search proved the whole-unit
	// zoning optimal (small stages without contiguity constraints).
	WholeUnitOptimal bool
	// Adjacency is the unit adjacency this stage's zones were judged by:
	// Plan.Adjacency, less, with a road-network metric, the neighbours that
	// cannot walk to each other without a long detour (and, for primary,
	// without crossing water). Nil means Plan.Adjacency. Shared, never
	// modified.
	Adjacency [][]int32
}

// adjacency returns the adjacency the stage's zones are judged by.
func (sp *StagePlan) adjacency(p *Plan) [][]int32 {
	if sp.Adjacency != nil {
		return sp.Adjacency
	}
	return p.Adjacency
}

// Plan is a solved (or given) zoning of both stages with its report. A Plan
// is immutable once returned: callers share it between goroutines freely
// and publish new plans by swapping pointers.
type Plan struct {
	Dataset *data.Dataset
	Policy  Policy
	// Metric names the distance used ("geodesic", "euclidean", "walking").
	Metric string
	Stages [data.NumStages]StagePlan
	// Adjacency is the map's unit adjacency given to Solve or FromZones
	// (nil when contiguity was not considered); each stage's zones were
	// judged by StagePlan.Adjacency. Shared, never modified.
	Adjacency [][]int32
	Report    *Report
}

// PlacementsOf returns the placements of unit u in stage st (a sub-slice of
// the stage's Placements; do not modify).
func (p *Plan) PlacementsOf(st data.Stage, u int) []Placement {
	ps := p.Stages[st].Placements
	lo, hi := 0, len(ps)
	for lo < hi { // first placement with Unit >= u
		m := int(uint(lo+hi) >> 1)
		if int(ps[m].Unit) < u {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(ps) && int(ps[end].Unit) == u {
		end++
	}
	return ps[lo:end]
}
