package geo

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// Pair asks for the distance from origins[Origin] to dests[Dest]. Limit is
// the cost above which the caller has no use for the answer (math.Inf(1)
// when it always has): a metric may then stop searching and report +Inf.
type Pair struct {
	Origin, Dest int32
	Limit        float64
}

// BarrierKind is a bit set of the kinds of barrier a walking path crosses
// (on a bridge, in a tunnel or at grade). The zero value is the empty set.
// Only the bits below are ever set; an edge that crosses several barriers
// at once (a river beside a railway) carries several bits.
type BarrierKind uint8

// The barrier kinds, one bit each.
const (
	// BarrierWater is a river or canal centre line or a water-area outline
	// (riverbank, lake, natural=water).
	BarrierWater BarrierKind = 1 << iota
	// BarrierRailway is a railway, light rail, narrow-gauge, subway or
	// monorail track on the surface.
	BarrierRailway
	// BarrierMotorway is a motorway or motorway link (an expressway).
	BarrierMotorway

	// AllBarrierKinds is the set of every kind above.
	AllBarrierKinds = BarrierWater | BarrierRailway | BarrierMotorway
)

// BarrierKinds lists the single kinds in bit order (water, railway,
// motorway): the order of Names and of report keys.
var BarrierKinds = [...]BarrierKind{BarrierWater, BarrierRailway, BarrierMotorway}

// Name returns the name of a single kind — "water", "railway" or
// "motorway" — and "" for the empty set, a combination or an unknown bit.
func (k BarrierKind) Name() string {
	switch k {
	case BarrierWater:
		return "water"
	case BarrierRailway:
		return "railway"
	case BarrierMotorway:
		return "motorway"
	}
	return ""
}

// Names returns the names of the kinds in the set, in bit order (nil for
// the empty set); unknown bits are ignored.
func (k BarrierKind) Names() []string {
	var out []string
	for _, b := range BarrierKinds {
		if k&b != 0 {
			out = append(out, b.Name())
		}
	}
	return out
}

// String joins Names with "|" ("none" for the empty set), for logs and
// test messages.
func (k BarrierKind) String() string {
	if k&AllBarrierKinds == 0 {
		return "none"
	}
	return strings.Join(k.Names(), "|")
}

// PairResult is the answer for one Pair.
//
// Invariants: Cost ≥ Meters ≥ the straight-line distance when finite (Cost
// adds a metric's penalties to the walked metres; for straight-line metrics
// Cost == Meters); Cost is exact whenever it is ≤ the pair's Limit, and
// +Inf (with Meters +Inf) when the destination cannot be reached or, at the
// metric's choice, when the cost exceeds Limit. Crossings and Barriers are
// -1 when the metric does not know them.
type PairResult struct {
	// Cost is what zoning minimises: the metric's Meters(origin, dest).
	Cost float64
	// Meters is the length walked (or the straight line) of that path.
	Meters float64
	// Crossings counts the at-grade crossings of major roads on the path.
	Crossings int32
	// Barriers counts the barriers (rivers, railways, motorways) the path
	// crosses on bridges, tunnels or level crossings.
	Barriers int32
	// BarrierKinds is the set of kinds of the barriers counted in Barriers
	// (the OR over the path's barrier crossings): empty exactly when
	// Barriers ≤ 0. It is also empty when the metric does not know
	// barriers (Barriers -1) — straight-line metrics and any metric
	// measured through Meters — so read it only when Barriers ≥ 0.
	BarrierKinds BarrierKind
}

// PairMetric is a Metric that measures many pairs at once far faster than
// one Meters call per pair — a road network runs one bounded search per
// destination instead of one per pair — and reports what the path crosses.
// Results are aligned with pairs and agree with Meters up to float
// rounding (Cost) whenever Cost ≤ Limit.
type PairMetric interface {
	Metric
	Pairs(ctx context.Context, origins, dests []orb.Point, pairs []Pair) ([]PairResult, error)
}

// MeasurePairs measures pairs with m: in one batch when m is a PairMetric,
// else with one Meters call per pair spread over the machine's cores
// (Cost == Meters, Crossings and Barriers -1, BarrierKinds empty). It stops with ctx's error
// when ctx is cancelled.
func MeasurePairs(ctx context.Context, m Metric, origins, dests []orb.Point, pairs []Pair) ([]PairResult, error) {
	if pm, ok := m.(PairMetric); ok {
		return pm.Pairs(ctx, origins, dests, pairs)
	}
	out := make([]PairResult, len(pairs))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(pairs)/1024))
	chunk := (len(pairs) + workers - 1) / max(workers, 1)
	var wg sync.WaitGroup
	for lo := 0; lo < len(pairs); lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if i%4096 == 0 && ctx.Err() != nil {
					return
				}
				p := pairs[i]
				d := m.Meters(origins[p.Origin], dests[p.Dest])
				out[i] = PairResult{Cost: d, Meters: d, Crossings: -1, Barriers: -1}
				if math.IsNaN(d) {
					out[i].Cost, out[i].Meters = math.Inf(1), math.Inf(1)
				}
			}
		}(lo, min(len(pairs), lo+chunk))
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// PricedMetric is a Metric that answers the pricing step of column
// generation for capacitated zoning in one search: for every origin, the
// destinations with the least distance plus a per-destination price (a
// seat price, in metres). A road network runs one k-label search seeded
// with the prices instead of one search per pair.
type PricedMetric interface {
	Metric
	// NearestPriced returns, for every origin, its k destinations with the
	// least Meters(origin, dest) + price[dest] (prices finite and ≥ 0), in
	// non-decreasing order of that sum. Candidates.Meters holds the
	// distances without the price, and Beyond[i] bounds distance + price
	// of every unlisted destination (+Inf when all reachable ones are
	// listed). There is no search radius.
	NearestPriced(ctx context.Context, origins, dests []orb.Point, price []float64, k int) (*Candidates, error)
}
