package geo

import (
	"context"

	"github.com/paulmach/orb"
)

// Neighbor is an item, by its index in some slice, with its distance in
// metres from a query point.
type Neighbor struct {
	ID     int32
	Meters float64
}

// Candidates lists, for each origin (a unit), destinations (schools) in
// non-decreasing distance, in compressed-row form: origin i's row is
// Dest[Off[i]:Off[i+1]] with distances Meters[Off[i]:Off[i+1]].
//
// Invariant: every destination not listed in row i is at least Beyond[i]
// metres from origin i (math.Inf(1) when the row lists every destination the
// origin can reach). Solvers rely on this bound to prove that the arcs they
// never built could not improve a solution.
type Candidates struct {
	Off    []int32
	Dest   []int32
	Meters []float64
	Beyond []float64
	// Crossings, when non-nil, is aligned with Dest: the number of major
	// roads (trunk, primary) crossed at grade on that shortest path. Nil
	// when the metric does not know (straight-line metrics).
	Crossings []int32
}

// Len returns the number of origins.
func (c *Candidates) Len() int { return len(c.Off) - 1 }

// Row returns origin i's destinations and their distances.
func (c *Candidates) Row(i int) (dest []int32, meters []float64) {
	a, b := c.Off[i], c.Off[i+1]
	return c.Dest[a:b], c.Meters[a:b]
}

// Metric measures home-to-school distances for zoning. Straight-line metrics
// (geodesic on WGS-84, Euclidean on planar metres) and the walking network
// implement it, so zoning, lookup, site selection and the report do not care
// which is in use. Implementations are safe for concurrent use.
type Metric interface {
	// Name identifies the metric in reports, e.g. "geodesic", "euclidean", "walking".
	Name() string
	// Meters returns the distance from a to b, +Inf when b cannot be reached from a.
	Meters(a, b orb.Point) float64
	// Nearest returns, for every origin, its k nearest destinations (every
	// reachable destination when k ≥ len(dests)), honouring the Candidates
	// invariant. It stops early with ctx's error when ctx is cancelled.
	Nearest(ctx context.Context, origins, dests []orb.Point, k int) (*Candidates, error)
}
