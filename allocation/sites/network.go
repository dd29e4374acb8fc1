package sites

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"catchment/allocation/mcf"
	"catchment/data"
	"catchment/geo"
)

// Cost scaling shared with the zoning solver: integer costs in decimetres,
// and an unplaced pupil costs unplacedMeters, more than any distance saving,
// so the relaxation seats as many pupils as it can before it looks at
// distance (the lexicographic objective).
const (
	costScale      = 10
	unplacedMeters = 1e8
	unplacedCost   = int64(unplacedMeters * costScale)
)

// scaleCost turns metres into the network's integer cost.
func scaleCost(m float64) int64 {
	if math.IsInf(m, 1) || m > unplacedMeters {
		m = unplacedMeters
	}
	return int64(math.Round(m * costScale))
}

// network is one stage's transportation relaxation with candidate sites:
// units supply pupils; facilities are the zoneable existing schools
// (0..nE-1, always open) followed by the candidate sites (nE..nF-1), whose
// seat arcs have capacity 0 until the site is opened (SetCapacity, so the
// network simplex re-solves from its previous basis).
//
// Nodes: units 0..nU-1, facilities nU..nU+nF-1, sink nU+nF. Arcs: unit →
// facility arcs in rows (rebuilt when pricing adds arcs), then one unplaced
// arc per unit to the sink, then one seat arc per facility to the sink.
type network struct {
	st      data.Stage
	metric  geo.Metric
	units   []int32 // local unit → dataset unit
	pupils  []int64
	ulocs   []orb.Point
	nE, nF  int
	flocs   []orb.Point
	seats   []int64 // facility seats (a candidate's when opened)
	open    []bool
	findex  *geo.PointIndex
	cand    *geo.Candidates // rows per local unit, Dest = facility
	g       *mcf.Graph
	unplArc int32
	seatArc int32
	sink    int32
	// byFac lists, per facility, the arcs (indices into cand.Dest) that
	// reach it: the units a candidate could serve directly.
	byFacOff []int32
	byFacArc []int32
	solves   int
	// cheap is true for straight-line metrics, which measure one pair
	// cheaply; others (road networks) are asked in batches.
	cheap bool
	ctx   context.Context
}

// buildNetwork sets up stage st. kE and kC are the nearest existing schools
// and candidate sites first offered to each unit (every facility when the
// instance is small).
func buildNetwork(ctx context.Context, ds *data.Dataset, st data.Stage, metric geo.Metric, cands []site, kE, kC int) (*network, error) {
	n := &network{st: st, metric: metric, ctx: ctx, cheap: metric.Name() == geo.StraightLine(ds.Planar).Name()}
	var elocs []orb.Point
	for i := range ds.Schools {
		if ds.Schools[i].Zoneable(st) {
			elocs = append(elocs, ds.Schools[i].Loc)
			n.seats = append(n.seats, int64(ds.Schools[i].Seats[st]))
			n.open = append(n.open, true)
		}
	}
	n.nE = len(elocs)
	var clocs []orb.Point
	for _, c := range cands {
		clocs = append(clocs, c.loc)
		n.seats = append(n.seats, int64(c.seats[st]))
		n.open = append(n.open, false)
	}
	n.nF = n.nE + len(clocs)
	n.flocs = append(append([]orb.Point(nil), elocs...), clocs...)
	for i := range ds.Units {
		if p := ds.Units[i].Pupils[st]; p > 0 {
			n.units = append(n.units, int32(i))
			n.pupils = append(n.pupils, int64(p))
			n.ulocs = append(n.ulocs, ds.Units[i].Loc)
		}
	}
	nU := len(n.units)
	if nU == 0 {
		return n, nil
	}
	if len(n.units)*n.nF <= smallArcs {
		kE, kC = n.nE, len(clocs)
	}
	rows := make([]row, nU)
	if n.nE > 0 {
		ce, err := metric.Nearest(ctx, n.ulocs, elocs, min(max(kE, 1), n.nE))
		if err != nil {
			return nil, fmt.Errorf("nearest schools: %w", err)
		}
		for lu := range nU {
			d, m := ce.Row(lu)
			rows[lu].dest = append(rows[lu].dest, d...)
			rows[lu].meters = append(rows[lu].meters, m...)
		}
	}
	if len(clocs) > 0 {
		cc, err := metric.Nearest(ctx, n.ulocs, clocs, min(max(kC, 1), len(clocs)))
		if err != nil {
			return nil, fmt.Errorf("nearest sites: %w", err)
		}
		for lu := range nU {
			d, m := cc.Row(lu)
			for i := range d {
				rows[lu].dest = append(rows[lu].dest, d[i]+int32(n.nE))
				rows[lu].meters = append(rows[lu].meters, m[i])
			}
		}
	}
	n.findex = geo.NewPointIndex(n.flocs, ds.Planar)
	n.feasibleArcs(rows)
	n.build(rows)
	return n, nil
}

// smallArcs is the instance size (units × facilities) below which every
// unit is offered every facility, so the relaxation is exact without pricing.
// A variable so that tests can exercise pricing on small cities.
var smallArcs = 20000

type row struct {
	dest   []int32
	meters []float64
}

// feasibleArcs adds, for each unit (biggest first), an arc to the nearest
// existing school that still has room for it, so that the relaxation seats
// everyone the existing seats can seat even when the nearest schools are
// full (see allocation's addFeasibleArcs for the same idea).
func (n *network) feasibleArcs(rows []row) {
	left := append([]int64(nil), n.seats[:n.nE]...)
	order := make([]int, len(n.units))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return n.pupils[order[a]] > n.pupils[order[b]] })
	var pairs []geo.Pair
	for _, lu := range order {
		pick := int32(-1)
		n.findex.Scan(n.ulocs[lu], func(nb geo.Neighbor) bool {
			if int(nb.ID) < n.nE && left[nb.ID] >= n.pupils[lu] {
				pick = nb.ID
				return false
			}
			return true
		})
		if pick < 0 {
			continue
		}
		left[pick] -= n.pupils[lu]
		if !slices.Contains(rows[lu].dest, pick) {
			pairs = append(pairs, geo.Pair{Origin: int32(lu), Dest: pick, Limit: math.Inf(1)})
		}
	}
	// Measured in one batch (one search per school on a road network).
	res, err := geo.MeasurePairs(n.ctx, n.metric, n.ulocs, n.flocs, pairs)
	if err != nil {
		return // cancelled: the caller checks ctx
	}
	for i, p := range pairs {
		if !math.IsInf(res[i].Cost, 1) {
			rows[p.Origin].dest = append(rows[p.Origin].dest, p.Dest)
			rows[p.Origin].meters = append(rows[p.Origin].meters, res[i].Cost)
		}
	}
}

// build (re)creates the graph from rows, keeping which facilities are open.
// A rebuilt graph starts cold.
func (n *network) build(rows []row) {
	nU := len(n.units)
	c := &geo.Candidates{Off: make([]int32, nU+1)}
	for lu, r := range rows {
		c.Dest = append(c.Dest, r.dest...)
		c.Meters = append(c.Meters, r.meters...)
		c.Off[lu+1] = int32(len(c.Dest))
	}
	n.cand = c
	n.sink = int32(nU + n.nF)
	g := mcf.NewGraph(nU+n.nF+1, len(c.Dest)+nU+n.nF)
	var total int64
	for lu := range nU {
		g.SetSupply(int32(lu), n.pupils[lu])
		total += n.pupils[lu]
	}
	g.SetSupply(n.sink, -total)
	for lu := range nU {
		for i := c.Off[lu]; i < c.Off[lu+1]; i++ {
			g.AddArc(int32(lu), int32(nU)+c.Dest[i], mcf.Inf, scaleCost(c.Meters[i]))
		}
	}
	n.unplArc = int32(len(c.Dest))
	for lu := range nU {
		g.AddArc(int32(lu), n.sink, mcf.Inf, unplacedCost)
	}
	n.seatArc = n.unplArc + int32(nU)
	for f := range n.nF {
		g.AddArc(int32(nU+f), n.sink, n.capOf(f), 0)
	}
	n.g = g
	// Reverse index: arcs per facility.
	n.byFacOff = make([]int32, n.nF+1)
	for _, f := range c.Dest {
		n.byFacOff[f+1]++
	}
	for f := range n.nF {
		n.byFacOff[f+1] += n.byFacOff[f]
	}
	n.byFacArc = make([]int32, len(c.Dest))
	pos := append([]int32(nil), n.byFacOff[:n.nF]...)
	for i, f := range c.Dest {
		n.byFacArc[pos[f]] = int32(i)
		pos[f]++
	}
}

// replica returns an independent copy of n with the same arcs and open
// sites (a new graph, solved cold on first use), for evaluating site sets
// concurrently. Read-only data is shared.
func (n *network) replica() *network {
	r := *n
	r.open = slices.Clone(n.open)
	r.g = nil
	if len(n.units) == 0 {
		return &r
	}
	rows := make([]row, len(n.units))
	for lu := range n.units {
		d, m := n.cand.Row(lu)
		rows[lu] = row{dest: d, meters: m}
	}
	r.build(rows)
	return &r
}

func (n *network) capOf(f int) int64 {
	if n.open[f] {
		return n.seats[f]
	}
	return 0
}

// setOpen opens or closes candidate c (a facility index ≥ nE).
func (n *network) setOpen(f int, open bool) {
	if n.open[f] == open {
		return
	}
	n.open[f] = open
	if n.g != nil {
		n.g.SetCapacity(n.seatArc+int32(f), n.capOf(f))
	}
}

// solve re-solves the relaxation (warm when the graph was solved before)
// and returns its cost.
func (n *network) solve(ctx context.Context) (int64, error) {
	if len(n.units) == 0 {
		return 0, nil
	}
	n.solves++
	status, err := n.g.Solve(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s relaxation: %w", n.st, err)
	}
	if status != mcf.Optimal {
		return 0, fmt.Errorf("%s relaxation: solver status %v", n.st, status)
	}
	return n.g.TotalCost(), nil
}

// objective splits the last solution's cost into unplaced pupils and metres.
func (n *network) objective() Objective {
	var o Objective
	for lu := range n.units {
		o.Unplaced += n.g.Flow(n.unplArc + int32(lu))
	}
	o.Meters = float64(n.g.TotalCost()-o.Unplaced*unplacedCost) / costScale
	return o
}

// unitValue returns v_u, the marginal cost in metres of one more pupil of
// local unit lu at the last optimum (distance to its school plus that
// school's seat price), from the potentials.
func (n *network) unitValue(lu int) float64 {
	return float64(n.g.Potential(n.sink)-n.g.Potential(int32(lu))) / costScale
}

// price returns the seat price of open facility f in metres (≥ 0).
func (n *network) price(f int) float64 {
	return math.Max(0, float64(n.g.Potential(n.sink)-n.g.Potential(int32(len(n.units)+f)))/costScale)
}

// gain is the Lagrangian estimate of how much opening closed candidate f
// would lower the objective, in network cost units: with the current
// prices, each unit that reaches f saves v_u − d(u,f) per pupil; the seats
// go to the biggest savings first.
func (n *network) gain(f int, buf []saving) (float64, []saving) {
	if len(n.units) == 0 || n.seats[f] == 0 {
		return 0, buf
	}
	buf = buf[:0]
	for _, a := range n.byFacArc[n.byFacOff[f]:n.byFacOff[f+1]] {
		lu := n.arcUnit(a)
		s := n.unitValue(lu) - n.cand.Meters[a]
		if s > 0 {
			buf = append(buf, saving{s, n.pupils[lu]})
		}
	}
	sort.Slice(buf, func(i, j int) bool { return buf[i].perPupil > buf[j].perPupil })
	left := n.seats[f]
	var g float64
	for _, s := range buf {
		if left == 0 {
			break
		}
		take := min(left, s.pupils)
		g += float64(take) * s.perPupil
		left -= take
	}
	return g, buf
}

type saving struct {
	perPupil float64
	pupils   int64
}

// arcUnit returns the local unit whose row holds candidate arc a.
func (n *network) arcUnit(a int32) int {
	off := n.cand.Off
	return sort.Search(len(off)-1, func(i int) bool { return off[i+1] > a })
}

// price in arcs: after an optimal solve, add every arc to an open facility
// outside the unit's row whose reduced cost is negative (d + price_f < v_u),
// scanning facilities by straight-line distance, a lower bound of every
// metric. It reports whether arcs were added (then the graph was rebuilt
// and must be re-solved).
func (n *network) priceArcs() bool {
	if len(n.units) == 0 {
		return false
	}
	if pm, ok := n.metric.(geo.PricedMetric); ok && !n.cheap {
		return n.priceArcsPriced(pm)
	}
	rows := make([]row, len(n.units))
	added := 0
	for lu := range n.units {
		d, m := n.cand.Row(lu)
		rows[lu] = row{dest: d, meters: m}
		v := n.unitValue(lu)
		var extra []int32
		var extraM []float64
		n.findex.Scan(n.ulocs[lu], func(nb geo.Neighbor) bool {
			if nb.Meters >= v || len(extra) >= 8 {
				return false
			}
			f := int(nb.ID)
			if !n.open[f] || slices.Contains(d, nb.ID) {
				return true
			}
			dm := n.metric.Meters(n.ulocs[lu], n.flocs[f])
			if dm+n.price(f) < v-0.5 {
				extra = append(extra, nb.ID)
				extraM = append(extraM, dm)
			}
			return true
		})
		if len(extra) > 0 {
			added += len(extra)
			rows[lu] = row{dest: append(append([]int32(nil), d...), extra...), meters: append(append([]float64(nil), m...), extraM...)}
		}
	}
	if added == 0 {
		return false
	}
	n.build(rows)
	return true
}

// closedPrice keeps closed facilities out of priceArcsPriced's search.
const closedPrice = 1e9

// priceArcsPriced is priceArcs for metrics that search by distance plus
// price themselves (road networks): one search gives every unit its
// pricedK open facilities of least distance + seat price over all of
// them, and those that beat the unit's value and are missing from its row
// are added. Equivalent to the straight-line scan, without a search per
// pair.
func (n *network) priceArcsPriced(pm geo.PricedMetric) bool {
	const pricedK = 8
	price := make([]float64, n.nF)
	for f := range price {
		price[f] = closedPrice
		if n.open[f] {
			price[f] = n.price(f)
		}
	}
	cand, err := pm.NearestPriced(n.ctx, n.ulocs, n.flocs, price, pricedK)
	if err != nil {
		return false // cancelled: the caller checks ctx
	}
	rows := make([]row, len(n.units))
	added := 0
	for lu := range n.units {
		d, m := n.cand.Row(lu)
		rows[lu] = row{dest: d, meters: m}
		v := n.unitValue(lu)
		var extra []int32
		var extraM []float64
		pd, pm := cand.Row(lu)
		for x, f := range pd {
			if n.open[f] && !slices.Contains(d, f) && pm[x]+price[f] < v-0.5 {
				extra = append(extra, f)
				extraM = append(extraM, pm[x])
			}
		}
		if len(extra) > 0 {
			added += len(extra)
			rows[lu] = row{dest: append(append([]int32(nil), d...), extra...), meters: append(append([]float64(nil), m...), extraM...)}
		}
	}
	if added == 0 {
		return false
	}
	n.build(rows)
	return true
}
