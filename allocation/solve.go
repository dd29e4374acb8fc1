package allocation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation/mcf"
	"catchment/data"
	"catchment/geo"
)

// Input is everything a solve needs.
type Input struct {
	Dataset *data.Dataset
	Policy  Policy
	// Metric measures home-to-school distance; nil means the straight-line
	// metric of the dataset's coordinates.
	Metric geo.Metric
	// Adjacency lists each unit's neighbours (geo/cells); nil (or
	// Policy.Solver.Contiguity false) disables the contiguity steps. The
	// report judges contiguity by it whenever it is given.
	Adjacency [][]int32
	// Fixed pins units to schools per stage: Fixed[st][u] is a school index,
	// or -1 for a free unit. A nil slice pins nothing.
	Fixed [data.NumStages][]int32
	// Progress, when set, is called from the solving goroutines with coarse
	// progress; it must be cheap and safe for concurrent use.
	Progress func(Progress)
}

// Progress reports how far a solve has come.
type Progress struct {
	Stage    string  `json:"stage"`
	Step     string  `json:"step"`
	Fraction float64 `json:"fraction"`
}

// Cost scaling: the network simplex works on integer costs in decimetres;
// an unplaced pupil costs unplacedMeters, far more than any chain of
// reassignments could save, so the relaxation places as many pupils as it
// can before it looks at distance.
const (
	costScale      = 10
	unplacedMeters = 1e8
)

// debugSolve prints the column-generation rounds (tests only).
var debugSolve = os.Getenv("CATCHMENT_DEBUG_SOLVE") != ""

// Solve zones both stages of in.Dataset and evaluates the plan. The stages
// are solved concurrently. It returns ctx's error if cancelled.
func Solve(ctx context.Context, in Input) (*Plan, error) {
	start := time.Now()
	if in.Dataset == nil {
		return nil, errors.New("solve: no dataset")
	}
	if err := in.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("solve: %w", err)
	}
	metric := in.Metric
	if metric == nil {
		metric = geo.StraightLine(in.Dataset.Planar)
	}
	adj, err := walkingAdjacency(ctx, in.Dataset, metric, in.Adjacency)
	if err != nil {
		return nil, fmt.Errorf("solve: %w", err)
	}
	plan := &Plan{Dataset: in.Dataset, Policy: in.Policy, Metric: metric.Name(), Adjacency: in.Adjacency}
	var wg sync.WaitGroup
	var errs [data.NumStages]error
	current := CurrentZones(in.Dataset)
	for st := range data.NumStages {
		wg.Add(1)
		go func(st data.Stage) {
			defer wg.Done()
			stIn := in
			stIn.Adjacency = adj[st]
			sp, err := solveStage(ctx, &stIn, metric, st, current[st])
			if err != nil {
				errs[st] = fmt.Errorf("%s: %w", st, err)
				return
			}
			sp.Adjacency = adj[st]
			plan.Stages[st] = *sp
		}(data.Stage(st))
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("solve: %w", err)
	}
	plan.Report = Evaluate(plan, current)
	plan.Report.SolveSeconds = time.Since(start).Seconds()
	return plan, nil
}

// stageProblem is one stage's zoning problem on local indices: units and
// schools that take part, renumbered densely.
type stageProblem struct {
	ctx    context.Context
	in     *Input
	st     data.Stage
	metric geo.Metric
	pol    *Policy

	units   []int32 // local unit → dataset unit
	pupils  []int64
	schools []int32 // local school → dataset school
	cap     []int64
	slocs   []orb.Point
	ulocs   []orb.Point
	// schoolLocal maps a dataset school index to its local index or -1.
	schoolLocal []int32

	cand   *geo.Candidates // rows per local unit, Dest = local school
	cur    []int32         // local school of today's zone, or -1
	fixed  []int32         // pinned local school, or -1
	stab   float64         // stability charge per pupil, metres
	nearby []float64       // distance to the nearest candidate (for warnings)

	adj [][]int32 // local unit adjacency (nil: no contiguity)
	// hint holds seat prices (metres) that steer the simplex's starting
	// basis (mcf.Graph.SetCrashCost); nil for none. Only speed depends on it.
	hint []float64
	// lineIndex indexes the schools by straight-line distance, a lower
	// bound of every Metric, for pricing arcs outside the candidate rows.
	lineIndex *geo.PointIndex
	// extra caches distances to schools outside a unit's candidate row.
	extraMu     sync.Mutex
	extra       map[[2]int32]float64
	extraMisses int // distances measured one pair at a time (tuning)
	// wanted queues the pairs knownDist was asked for and did not know,
	// for the next prefetch (guarded by extraMu).
	wanted [][2]int32
	// cheap is true when the metric measures a pair cheaply (straight
	// line): the heuristics then ask it directly.
	cheap bool
}

func (p *stageProblem) progress(step string, f float64) {
	if p.in.Progress != nil {
		p.in.Progress(Progress{Stage: p.st.String(), Step: step, Fraction: f})
	}
}

func solveStage(ctx context.Context, in *Input, metric geo.Metric, st data.Stage, current []int32) (*StagePlan, error) {
	ds := in.Dataset
	p := &stageProblem{ctx: ctx, in: in, st: st, metric: metric, pol: &in.Policy,
		stab: in.Policy.Solver.StabilityMeters, extra: map[[2]int32]float64{},
		cheap: metric.Name() == geo.StraightLine(in.Dataset.Planar).Name()}
	nU := len(ds.Units)
	sp := &StagePlan{Stage: st, Zone: make([]int32, nU), ZoneMeters: make([]float64, nU)}
	for i := range sp.Zone {
		sp.Zone[i] = -1
	}
	p.schoolLocal = make([]int32, len(ds.Schools))
	for i := range ds.Schools {
		p.schoolLocal[i] = -1
		if ds.Schools[i].Zoneable(st) {
			p.schoolLocal[i] = int32(len(p.schools))
			p.schools = append(p.schools, int32(i))
			p.cap = append(p.cap, int64(ds.Schools[i].Seats[st]))
			p.slocs = append(p.slocs, ds.Schools[i].Loc)
		}
	}
	unitLocal := make([]int32, nU)
	for i := range ds.Units {
		unitLocal[i] = -1
		if ds.Units[i].Pupils[st] > 0 {
			unitLocal[i] = int32(len(p.units))
			p.units = append(p.units, int32(i))
			p.pupils = append(p.pupils, int64(ds.Units[i].Pupils[st]))
			p.ulocs = append(p.ulocs, ds.Units[i].Loc)
		}
	}
	if len(p.units) == 0 {
		return sp, nil
	}
	if len(p.schools) == 0 {
		// Everyone is unplaced; the report says where seats are missing.
		return p.finish(sp, nil, nil)
	}
	p.cur = make([]int32, len(p.units))
	p.fixed = make([]int32, len(p.units))
	for lu, u := range p.units {
		p.cur[lu], p.fixed[lu] = -1, -1
		if current != nil && current[u] >= 0 {
			p.cur[lu] = p.schoolLocal[current[u]]
		}
		if f := in.Fixed[st]; f != nil && f[u] >= 0 {
			if ls := p.schoolLocal[f[u]]; ls >= 0 {
				p.fixed[lu] = ls
			} else {
				return nil, fmt.Errorf("unit %q is pinned to school %q, which is not zoneable for the stage",
					ds.Units[u].ID, ds.Schools[f[u]].ID)
			}
		}
	}
	if in.Adjacency != nil && in.Policy.Solver.Contiguity {
		// Units without pupils of the stage are not zoned here (they take
		// a neighbour's zone afterwards), so two zoned units that touch
		// only through such a unit count as adjacent: otherwise a park or
		// an all-junior compound would cut zones that are in fact whole.
		p.adj = make([][]int32, len(p.units))
		var mark []int32 = make([]int32, len(p.units))
		for lu, u := range p.units {
			stamp := int32(lu + 1)
			add := func(v int32) {
				if lv := unitLocal[v]; lv >= 0 && lv != int32(lu) && mark[lv] != stamp {
					mark[lv] = stamp
					p.adj[lu] = append(p.adj[lu], lv)
				}
			}
			for _, v := range in.Adjacency[u] {
				if unitLocal[v] >= 0 {
					add(v)
					continue
				}
				for _, w := range in.Adjacency[v] {
					add(w)
				}
			}
		}
	}
	p.progress("candidates", 0.05)
	k := min(max(in.Policy.Solver.Candidates, 1), len(p.schools))
	var seats, pupils int64
	for _, c := range p.cap {
		seats += c
	}
	for _, n := range p.pupils {
		pupils += n
	}
	// The exact search runs on small stages where the seats suffice.
	small := len(p.units)*len(p.schools) <= bbMaxArcs && seats >= pupils
	if small {
		k = len(p.schools) // the exact search needs every arc
	}
	cand, err := metric.Nearest(ctx, p.ulocs, p.slocs, k)
	if err != nil {
		return nil, fmt.Errorf("candidate schools: %w", err)
	}
	p.cand = cand
	p.applyPins()
	p.lineIndex = geo.NewPointIndex(p.slocs, ds.Planar)
	p.addFeasibleArcs()
	if len(p.units) > coarseMinUnits {
		// Seat prices from a coarse relaxation steer each unit's row
		// towards the schools the optimum will use, so that pricing
		// converges in a round or two instead of many cold re-solves.
		p.progress("coarse prices", 0.1)
		if w, err := p.coarsePrices(); err == nil {
			p.addPriceDirected(w, pricedRow)
			p.hint = w
		} else if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}

	// Relaxation on pure distance: the proven lower bound.
	p.progress("relaxation", 0.2)
	lp, err := p.solveRelaxation(false)
	if err != nil {
		return nil, err
	}
	bound := lp
	if p.stab > 0 && p.cur != nil {
		p.progress("stability relaxation", 0.35)
		if lp, err = p.solveRelaxation(true); err != nil {
			return nil, err
		}
	}
	p.progress("rounding", 0.5)
	zone := p.round(lp)
	p.debugCost("rounded", zone)
	p.progress("capacity repair", 0.6)
	p.repairCapacity(zone)
	p.debugCost("repaired", zone)
	if p.adj != nil {
		p.progress("contiguity", 0.7)
		p.repairContiguity(zone)
		p.debugCost("contiguous", zone)
	}
	p.progress("local search", 0.8)
	if err := p.localSearch(zone); err != nil {
		return nil, err
	}
	p.debugCost("local search", zone)
	if small {
		p.progress("exact search", 0.85)
		var exact bool
		zone, exact = p.branchAndBound(zone)
		sp.WholeUnitOptimal = exact && p.adj == nil
		if p.adj != nil {
			p.repairContiguity(zone)
			if err := p.localSearch(zone); err != nil {
				return nil, err
			}
		}
	}
	if p.adj != nil {
		p.repairContiguity(zone)
	}
	// Where a repair got stuck, seats may still be short: try once more
	// now that the zones have moved, keeping them whole.
	if p.overfull(zone) {
		p.repairCapacity(zone)
		if p.adj != nil {
			p.repairContiguity(zone)
			if err := p.localSearch(zone); err != nil {
				return nil, err
			}
		}
	}
	p.progress("overflow", 0.95)
	return p.finish(sp, zone, bound)
}

// debugCost prints the zoning's total distance and over-seat pupils when
// debugSolve is set (tests and tuning only).
func (p *stageProblem) debugCost(step string, zone []int32) {
	if !debugSolve {
		return
	}
	var total float64
	load := make([]int64, len(p.schools))
	for lu, s := range zone {
		if s >= 0 {
			total += float64(p.pupils[lu]) * p.dist(int32(lu), s)
			load[s] += p.pupils[lu]
		}
	}
	var over int64
	for s := range load {
		over += max(0, load[s]-p.cap[s])
	}
	pieces, piecePupils, pieceUnits := 0, int64(0), 0
	if p.adj != nil {
		z := newZoning(p, zone)
		for sc := range p.schools {
			comps := z.components(int32(sc))
			for _, c := range comps[min(1, len(comps)):] {
				pieces++
				pieceUnits += len(c)
				for _, u := range c {
					piecePupils += p.pupils[u]
				}
			}
		}
	}
	fmt.Printf("%s %-13s total %.0f over %d detached pieces %d units %d pupils %d\n", p.st, step, total, over, pieces, pieceUnits, piecePupils)
}

// overfull reports whether some zone has more pupils than seats.
func (p *stageProblem) overfull(zone []int32) bool {
	load := make([]int64, len(p.schools))
	for lu, s := range zone {
		if s >= 0 {
			load[s] += p.pupils[lu]
		}
	}
	for s := range load {
		if load[s] > p.cap[s] {
			return true
		}
	}
	return false
}

// applyPins replaces the candidate rows of pinned units with their pinned
// school only.
func (p *stageProblem) applyPins() {
	any := false
	for _, f := range p.fixed {
		if f >= 0 {
			any = true
			break
		}
	}
	if !any {
		return
	}
	rows := make([]row, len(p.units))
	for lu := range p.units {
		if f := p.fixed[lu]; f >= 0 {
			rows[lu] = row{dest: []int32{f}, meters: []float64{p.dist(int32(lu), f)}, beyond: math.Inf(1)}
			if p.cand.Crossings != nil {
				rows[lu].crossings = []int32{p.crossingsOf(int32(lu), f)}
			}
		} else {
			rows[lu] = rowOf(p.cand, lu)
		}
	}
	p.cand = buildCandidates(rows)
}

type row struct {
	dest      []int32
	meters    []float64
	crossings []int32 // nil when unknown
	beyond    float64
}

// rowOf returns candidate row i of c.
func rowOf(c *geo.Candidates, i int) row {
	d, m := c.Row(i)
	r := row{dest: d, meters: m, beyond: c.Beyond[i]}
	if c.Crossings != nil {
		r.crossings = c.Crossings[c.Off[i]:c.Off[i+1]]
	}
	return r
}

func buildCandidates(rows []row) *geo.Candidates {
	n := 0
	for _, r := range rows {
		n += len(r.dest)
	}
	c := &geo.Candidates{Off: make([]int32, len(rows)+1), Dest: make([]int32, 0, n),
		Meters: make([]float64, 0, n), Beyond: make([]float64, len(rows))}
	known := false
	for _, r := range rows {
		if r.crossings != nil {
			known = true
			break
		}
	}
	if known {
		c.Crossings = make([]int32, 0, n)
	}
	for i, r := range rows {
		c.Dest = append(c.Dest, r.dest...)
		c.Meters = append(c.Meters, r.meters...)
		if known {
			if r.crossings != nil {
				c.Crossings = append(c.Crossings, r.crossings...)
			} else {
				for range r.dest {
					c.Crossings = append(c.Crossings, -1)
				}
			}
		}
		c.Off[i+1] = int32(len(c.Dest))
		c.Beyond[i] = r.beyond
	}
	return c
}

// rowDist returns the distance from local unit lu to local school ls when
// the unit's candidate row lists it.
func (p *stageProblem) rowDist(lu, ls int32) (float64, bool) {
	if p.cand == nil {
		return 0, false
	}
	d, m := p.cand.Row(int(lu))
	if i := slices.Index(d, ls); i >= 0 {
		return m[i], true
	}
	return 0, false
}

// dist returns the distance from local unit lu to local school ls, from the
// candidate row when listed, else from the metric (cached).
func (p *stageProblem) dist(lu, ls int32) float64 {
	if v, ok := p.rowDist(lu, ls); ok {
		return v
	}
	key := [2]int32{lu, ls}
	p.extraMu.Lock()
	v, ok := p.extra[key]
	p.extraMu.Unlock()
	if ok {
		return v
	}
	v = p.metric.Meters(p.ulocs[lu], p.slocs[ls])
	p.extraMu.Lock()
	p.extra[key] = v
	p.extraMisses++
	p.extraMu.Unlock()
	return v
}

// measure measures unit–school pairs (local indices) in one batch.
func (p *stageProblem) measure(what string, pairs []geo.Pair) ([]geo.PairResult, error) {
	t0 := time.Now()
	res, err := geo.MeasurePairs(p.ctx, p.metric, p.ulocs, p.slocs, pairs)
	if debugSolve {
		fmt.Printf("%s %s: %d pairs measured in %v\n", p.st, what, len(pairs), time.Since(t0))
	}
	return res, err
}

// knownDist is dist for the whole-unit heuristics: for a metric that is
// costly per pair (a road network) a distance neither in the candidate row
// nor measured yet is +Inf, and the pair is queued for the next prefetch,
// instead of a search of its own in the middle of a move loop.
func (p *stageProblem) knownDist(lu, ls int32) float64 {
	if p.cheap {
		return p.dist(lu, ls)
	}
	if v, ok := p.rowDist(lu, ls); ok {
		return v
	}
	key := [2]int32{lu, ls}
	p.extraMu.Lock()
	defer p.extraMu.Unlock()
	if v, ok := p.extra[key]; ok {
		return v
	}
	p.wanted = append(p.wanted, key)
	return math.Inf(1)
}

// roomPrice is the seat price that keeps a full school out of
// addRoomArcs' search: farther than any walk.
const roomPrice = 1e7

// addRoomArcs gives every unit of an over-full school, for a metric that
// prices its own rows (a road network), arcs to its nearest schools that
// still have free seats — by one priced search in which full schools cost
// roomPrice — so that the capacity repair has somewhere to move it.
// (Straight-line metrics get such arcs from addFeasibleArcs.)
func (p *stageProblem) addRoomArcs(z *zoning) {
	pm, ok := p.metric.(geo.PricedMetric)
	if !ok || p.cheap {
		return
	}
	price := make([]float64, len(p.schools))
	for s := range p.schools {
		if z.load[s] >= p.cap[s] {
			price[s] = roomPrice
		}
	}
	var units []int32
	var locs []orb.Point
	for s := range p.schools {
		if z.load[s] <= p.cap[s] {
			continue
		}
		for _, u := range z.members[s] {
			if p.fixed[u] < 0 {
				units = append(units, u)
				locs = append(locs, p.ulocs[u])
			}
		}
	}
	if len(units) == 0 {
		return
	}
	cand, err := pm.NearestPriced(p.ctx, locs, p.slocs, price, roomArcs)
	if err != nil {
		return // cancelled: the caller checks p.ctx
	}
	var add []newArc
	for i, u := range units {
		d, _ := p.cand.Row(int(u))
		pd, pmeters := cand.Row(i)
		for x, s := range pd {
			if price[s] == 0 && !slices.Contains(d, s) {
				cr := crossingAt(cand, i, x)
				add = append(add, newArc{unit: u, school: s, meters: pmeters[x], crossings: cr})
			}
		}
	}
	if debugSolve {
		fmt.Printf("%s room arcs: %d units of over-full schools, %d arcs added\n", p.st, len(units), len(add))
	}
	if len(add) > 0 {
		p.addArcs(add)
	}
}

// roomArcs is how many schools with free seats addRoomArcs gives a unit.
const roomArcs = 6

// prefetch measures in one batch the distances the whole-unit repairs and
// the local search are about to ask for and the candidate rows lack: each
// unit to the zone schools of its neighbours (moves keep zones whole, so
// a unit only ever joins a neighbour's zone) and to its own zone school.
// Pairs knownDist was asked for and did not know are measured too.
// Straight-line metrics are cheap per pair and skip it.
func (p *stageProblem) prefetch(zone []int32) {
	if p.cheap {
		return
	}
	var pairs []geo.Pair
	seen := map[[2]int32]bool{}
	want := func(lu, s int32) {
		if s < 0 {
			return
		}
		key := [2]int32{lu, s}
		if seen[key] {
			return
		}
		seen[key] = true
		if d, _ := p.cand.Row(int(lu)); slices.Contains(d, s) {
			return
		}
		if _, ok := p.extra[key]; ok {
			return
		}
		pairs = append(pairs, geo.Pair{Origin: lu, Dest: s, Limit: math.Inf(1)})
	}
	p.extraMu.Lock()
	queued := p.wanted
	p.wanted = nil
	p.extraMu.Unlock()
	for _, k := range queued {
		want(k[0], k[1])
	}
	for lu := range p.units {
		want(int32(lu), zone[lu])
		if p.adj != nil {
			for _, lv := range p.adj[lu] {
				want(int32(lu), zone[lv])
			}
		}
	}
	if len(pairs) == 0 {
		return
	}
	res, err := p.measure("prefetch", pairs)
	if err != nil {
		return // cancelled: the caller checks p.ctx
	}
	p.extraMu.Lock()
	for i, pr := range pairs {
		p.extra[[2]int32{pr.Origin, pr.Dest}] = res[i].Cost
	}
	misses := p.extraMisses
	p.extraMu.Unlock()
	if debugSolve {
		fmt.Printf("%s prefetch: %d pairs; %d single-pair distances so far\n", p.st, len(pairs), misses)
	}
}

// crossingsOf returns the major-road crossings on the route from local
// unit lu to local school ls when the candidate row knows them, else -1.
func (p *stageProblem) crossingsOf(lu, ls int32) int32 {
	if p.cand == nil || p.cand.Crossings == nil {
		return -1
	}
	d, _ := p.cand.Row(int(lu))
	for i, s := range d {
		if s == ls {
			return p.cand.Crossings[int(p.cand.Off[lu])+i]
		}
	}
	return -1
}

// cost is the optimiser's per-pupil cost of zoning lu to ls: distance plus
// the stability charge when ls is not today's zone school.
func (p *stageProblem) cost(lu, ls int32, d float64) float64 {
	if p.stab > 0 && p.cur[lu] >= 0 && p.cur[lu] != ls {
		return d + p.stab
	}
	return d
}

// relaxation is the optimum of the splittable problem.
type relaxation struct {
	// flow[i] is the flow on candidate arc i (indices of p.cand.Dest).
	flow []int64
	// unplaced[lu] is the unit's unplaced flow.
	unplaced []int64
	// price[ls] ≥ 0 is the dual price of a seat at school ls, in metres.
	price []float64
	// lagrangian is the dual (Lagrangian) bound on the relaxation's
	// objective including the unplaced charge; see bound.
	lagrangian float64
}

// bound returns a proven lower bound on the total distance of any plan that
// respects the seats and leaves exactly unplaced pupils without a seat:
// such a plan costs at least the Lagrangian bound, of which the unplaced
// charge is unplaced × unplacedMeters.
func (r *relaxation) bound(unplaced int64) float64 {
	return math.Max(0, r.lagrangian-float64(unplaced)*unplacedMeters)
}

// solveRelaxation solves the transportation relaxation on the candidate
// arcs, widening candidate rows until the duals price out every arc that
// was left out, so that its optimum is the optimum over all schools.
func (p *stageProblem) solveRelaxation(stability bool) (*relaxation, error) {
	nU, nS := len(p.units), len(p.schools)
	for round := 0; ; round++ {
		if err := p.ctx.Err(); err != nil {
			return nil, err
		}
		sink := int32(nU + nS)
		g := mcf.NewGraph(nU+nS+1, len(p.cand.Dest)+nU+nS)
		var total int64
		for lu := range nU {
			g.SetSupply(int32(lu), p.pupils[lu])
			total += p.pupils[lu]
		}
		g.SetSupply(sink, -total)
		dest, meters := p.cand.Dest, p.cand.Meters
		for lu := range nU {
			for i := p.cand.Off[lu]; i < p.cand.Off[lu+1]; i++ {
				c := meters[i]
				if stability {
					c = p.cost(int32(lu), dest[i], c)
				}
				a := g.AddArc(int32(lu), int32(nU)+dest[i], mcf.Inf, scaleCost(c))
				if p.hint != nil {
					g.SetCrashCost(a, scaleCost(c+p.hint[dest[i]]))
				}
			}
		}
		unplacedArc := int32(len(p.cand.Dest))
		for lu := range nU {
			g.AddArc(int32(lu), sink, mcf.Inf, scaleCost(unplacedMeters))
		}
		seatArc := unplacedArc + int32(nU)
		for ls := range nS {
			g.AddArc(int32(nU+ls), sink, p.cap[ls], 0)
		}
		t0 := time.Now()
		status, err := g.Solve(p.ctx)
		if err != nil {
			return nil, fmt.Errorf("relaxation: %w", err)
		}
		if status != mcf.Optimal {
			return nil, fmt.Errorf("relaxation: solver status %v", status)
		}
		r := &relaxation{flow: make([]int64, len(dest)), unplaced: make([]int64, nU), price: make([]float64, nS)}
		for i := range dest {
			r.flow[i] = g.Flow(int32(i))
		}
		for lu := range nU {
			r.unplaced[lu] = g.Flow(unplacedArc + int32(lu))
		}
		// Seat price of school ls: the reduced cost of its (saturated) seat
		// arc, i.e. how much the objective would fall per extra seat. A
		// school with free seats has price 0.
		for ls := range nS {
			rc := g.ReducedCost(seatArc + int32(ls))
			if rc < 0 {
				r.price[ls] = float64(-rc) / costScale
			}
		}
		// Certify over ALL schools: the Lagrangian bound with these seat
		// prices. A school outside a unit's row is at least max(Beyond,
		// straight line) away — every Metric is at least the straight line
		// — so scanning schools by straight-line distance finds every arc
		// that could price in; those arcs are added and the LP re-solved.
		lb, add := p.certify(r, stability)
		r.lagrangian = lb
		p.hint = r.price
		if debugSolve {
			fmt.Printf("%s round %d: lagrangian %.0f, priced-in arcs %d, arcs %d, pivots %d, %v\n", p.st, round, lb, len(add), len(p.cand.Dest), g.Stats().Pivots, time.Since(t0))
		}
		// The Lagrangian bound is valid whatever the prices; once it is
		// within certifyTolerance of this LP's own value the LP is optimal
		// over all schools to that tolerance, and re-solving for the last
		// few priced-in arcs would only move the heuristic's starting
		// point, not the bound.
		lpValue := float64(g.TotalCost()) / costScale
		if len(add) == 0 || round >= 8 || lpValue-lb <= certifyTolerance*lb {
			return r, nil
		}
		p.addArcs(add)
	}
}

// addFeasibleArcs makes sure the candidate arcs hold a placement of every
// pupil when the seats allow one: a greedy pass zones units, biggest first,
// to the nearest school (by straight line) with seats left, and adds that
// school to the unit's row when it is missing. Without it a crowded core,
// whose nearest schools are all full, starts the relaxation with unplaced
// pupils and big-M seat prices, and pricing then brings in far too many
// arcs.
func (p *stageProblem) addFeasibleArcs() {
	left := append([]int64(nil), p.cap...)
	order := make([]int, len(p.units))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p.pupils[order[a]] > p.pupils[order[b]] })
	var add []newArc
	for _, lu := range order {
		if p.fixed[lu] >= 0 {
			left[p.fixed[lu]] -= p.pupils[lu]
			continue
		}
		var pick int32 = -1
		p.lineIndex.Scan(p.ulocs[lu], func(n geo.Neighbor) bool {
			if left[n.ID] >= p.pupils[lu] {
				pick = n.ID
				return false
			}
			return true
		})
		if pick < 0 {
			continue // no school has room for the whole unit
		}
		left[pick] -= p.pupils[lu]
		d, _ := p.cand.Row(lu)
		if !slices.Contains(d, pick) {
			add = append(add, newArc{unit: int32(lu), school: pick})
		}
	}
	p.addMeasured(add, nil)
}

// addMeasured measures the arcs add with the metric in one batch (limit[i]
// bounds arc i's useful cost; nil for no bound) and adds those reached to
// the candidate rows.
func (p *stageProblem) addMeasured(add []newArc, limit []float64) {
	if len(add) == 0 {
		return
	}
	pairs := make([]geo.Pair, len(add))
	for i, a := range add {
		pairs[i] = geo.Pair{Origin: a.unit, Dest: a.school, Limit: math.Inf(1)}
		if limit != nil {
			pairs[i].Limit = limit[i]
		}
	}
	res, err := p.measure("new arcs", pairs)
	if err != nil {
		return // cancelled: the caller checks p.ctx
	}
	keep := add[:0]
	for i, a := range add {
		if math.IsInf(res[i].Cost, 1) {
			continue
		}
		a.meters, a.crossings = res[i].Cost, res[i].Crossings
		keep = append(keep, a)
	}
	if len(keep) > 0 {
		p.addArcs(keep)
	}
}

// Coarse pricing: stages with more than coarseMinUnits units first solve a
// relaxation on clusters of about coarseClusterSize units, and each unit's
// row gains its pricedRow best schools by distance plus coarse seat price.
const (
	coarseMinUnits    = 4000
	coarseClusterSize = 4
	pricedRow         = 8
)

// coarsePrices clusters the units on a square grid (in a local projection),
// solves the relaxation of the clusters (at their centroids, with the same
// metric: on a road network the barriers shape the prices) with column
// generation, and returns its seat prices (metres per seat, ≥ 0). The
// prices only guide candidate rows; the exact relaxation is solved after.
func (p *stageProblem) coarsePrices() ([]float64, error) {
	ds := p.in.Dataset
	var lo, hi orb.Point
	var c orb.Point
	for i, pt := range p.ulocs {
		if i == 0 {
			lo, hi = pt, pt
		}
		lo = orb.Point{math.Min(lo[0], pt[0]), math.Min(lo[1], pt[1])}
		hi = orb.Point{math.Max(hi[0], pt[0]), math.Max(hi[1], pt[1])}
	}
	c = orb.Point{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2}
	proj := geo.NewLocalProjection(c, ds.Planar)
	xy := make([]orb.Point, len(p.ulocs))
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, pt := range p.ulocs {
		q := proj.Forward(pt)
		xy[i] = q
		minX, minY = math.Min(minX, q[0]), math.Min(minY, q[1])
		maxX, maxY = math.Max(maxX, q[0]), math.Max(maxY, q[1])
	}
	area := math.Max((maxX-minX)*(maxY-minY), 1)
	cell := math.Max(math.Sqrt(area*coarseClusterSize/float64(len(p.ulocs))), 1)
	type acc struct {
		x, y, n float64
		pupils  int64
	}
	index := map[[2]int32]int32{}
	var cl []acc
	for i, q := range xy {
		key := [2]int32{int32((q[0] - minX) / cell), int32((q[1] - minY) / cell)}
		k, ok := index[key]
		if !ok {
			k = int32(len(cl))
			index[key] = k
			cl = append(cl, acc{})
		}
		w := float64(p.pupils[i])
		cl[k].x += w * q[0]
		cl[k].y += w * q[1]
		cl[k].n += w
		cl[k].pupils += p.pupils[i]
	}
	sub := &stageProblem{ctx: p.ctx, in: p.in, st: p.st, metric: p.metric, cheap: p.cheap, pol: p.pol,
		schools: p.schools, cap: p.cap, slocs: p.slocs, schoolLocal: p.schoolLocal, lineIndex: p.lineIndex,
		extra: map[[2]int32]float64{}}
	for _, a := range cl {
		sub.units = append(sub.units, -1)
		sub.pupils = append(sub.pupils, a.pupils)
		sub.ulocs = append(sub.ulocs, proj.Inverse(orb.Point{a.x / a.n, a.y / a.n}))
		sub.fixed = append(sub.fixed, -1)
	}
	k := min(max(p.pol.Solver.Candidates, 1), len(p.schools))
	cand, err := sub.metric.Nearest(p.ctx, sub.ulocs, sub.slocs, k)
	if err != nil {
		return nil, err
	}
	sub.cand = cand
	sub.addFeasibleArcs()
	r, err := sub.solveRelaxation(false)
	if err != nil {
		return nil, err
	}
	return r.price, nil
}

// addPriceDirected adds to each unit's row its n best schools by
// straight-line distance plus seat price w (those the relaxation is likely
// to use), measured with the metric.
func (p *stageProblem) addPriceDirected(w []float64, n int) {
	if pm, ok := p.metric.(geo.PricedMetric); ok {
		// The metric finds the best schools by its own distance + price.
		cand, err := pm.NearestPriced(p.ctx, p.ulocs, p.slocs, w, n)
		if err != nil {
			return // cancelled: the caller checks p.ctx
		}
		var add []newArc
		for lu := range p.units {
			if p.fixed[lu] >= 0 {
				continue
			}
			d, _ := p.cand.Row(lu)
			pd, pmeters := cand.Row(lu)
			for x, s := range pd {
				if !slices.Contains(d, s) {
					cr := crossingAt(cand, lu, x)
					add = append(add, newArc{unit: int32(lu), school: s, meters: pmeters[x], crossings: cr})
				}
			}
		}
		if len(add) > 0 {
			p.addArcs(add)
		}
		return
	}
	res := make([][]newArc, len(p.units))
	parallel(len(p.units), func(lo, hi int) {
		type best struct {
			s int32
			v float64
		}
		var top []best
		for lu := lo; lu < hi; lu++ {
			if p.fixed[lu] >= 0 {
				continue
			}
			top = top[:0]
			p.lineIndex.Scan(p.ulocs[lu], func(nb geo.Neighbor) bool {
				if len(top) == n && nb.Meters >= top[n-1].v {
					return false
				}
				v := nb.Meters + w[nb.ID]
				if len(top) < n || v < top[n-1].v {
					i := sort.Search(len(top), func(i int) bool { return top[i].v > v })
					if len(top) < n {
						top = append(top, best{})
					}
					copy(top[i+1:], top[i:len(top)-1])
					top[i] = best{nb.ID, v}
				}
				return true
			})
			d, _ := p.cand.Row(lu)
			for _, b := range top {
				if !slices.Contains(d, b.s) {
					res[lu] = append(res[lu], newArc{unit: int32(lu), school: b.s})
				}
			}
		}
	})
	var add []newArc
	for _, r := range res {
		add = append(add, r...)
	}
	p.addMeasured(add, nil)
}

// certifyTolerance: pricing stops when the relaxation's value is within
// this relative distance of its Lagrangian lower bound (the reported bound
// is the Lagrangian one, so it stays a proven bound).
const certifyTolerance = 1e-4

// maxPricedArcs caps the arcs one pricing round adds per unit.
const maxPricedArcs = 8

// newArc is an arc found by pricing: local unit, local school, distance
// (the metric's cost) and major-road crossings (-1 unknown).
type newArc struct {
	unit, school int32
	meters       float64
	crossings    int32
}

// certify computes the Lagrangian lower bound Σ_u p_u·min_s(c_us + w_s) −
// Σ_s cap_s·w_s over every school (w: the relaxation's seat prices), and
// the arcs outside the candidate rows whose reduced cost is negative.
//
// A school outside a unit's row costs at least max(Beyond, straight line);
// schools whose bound plus price cannot beat the unit's best listed arc are
// ruled out without measuring. The rest are measured in one batch
// (geo.MeasurePairs: one bounded search per school on a road network),
// each with the limit above which it cannot price in.
func (p *stageProblem) certify(r *relaxation, stability bool) (float64, []newArc) {
	nU := len(p.units)
	if pm, ok := p.metric.(geo.PricedMetric); ok && !p.cheap {
		return p.certifyPriced(pm, r, stability)
	}
	best := make([]float64, nU)
	// Schools to measure per unit (straight-line metrics measure inline).
	type probe struct {
		school int32
		limit  float64
	}
	probes := make([][]probe, nU)
	found := make([][]newArc, nU)
	parallel(nU, func(lo, hi int) {
		for lu := lo; lu < hi; lu++ {
			d, _ := p.cand.Row(lu)
			b := p.rowBest(lu, r.price, stability)
			best[lu] = b
			beyond := p.cand.Beyond[lu]
			if beyond >= b || p.fixed[lu] >= 0 || len(d) == len(p.schools) {
				continue
			}
			v := b
			p.lineIndex.Scan(p.ulocs[lu], func(n geo.Neighbor) bool {
				if n.Meters >= v {
					return false
				}
				s := n.ID
				if slices.Contains(d, s) || math.Max(beyond, n.Meters)+r.price[s] >= v {
					return true
				}
				extra := r.price[s]
				if stability {
					extra += p.cost(int32(lu), s, 0)
				}
				if !p.cheap {
					probes[lu] = append(probes[lu], probe{s, v - extra})
					return true
				}
				if c := n.Meters + extra; c < v-1e-6 {
					found[lu] = append(found[lu], newArc{unit: int32(lu), school: s, meters: n.Meters, crossings: -1})
				}
				return true
			})
		}
	})
	if !p.cheap {
		var pairs []geo.Pair
		for lu, ps := range probes {
			for _, pr := range ps {
				pairs = append(pairs, geo.Pair{Origin: int32(lu), Dest: pr.school, Limit: pr.limit})
			}
		}
		res, err := geo.MeasurePairs(p.ctx, p.metric, p.ulocs, p.slocs, pairs)
		if err != nil {
			return math.Inf(-1), nil // cancelled: the caller checks p.ctx
		}
		x := 0
		for lu, ps := range probes {
			for _, pr := range ps {
				c := res[x].Cost
				if !math.IsInf(c, 1) && c < pr.limit-1e-6 {
					found[lu] = append(found[lu], newArc{unit: int32(lu), school: pr.school, meters: c, crossings: res[x].Crossings})
				}
				x++
			}
		}
		if debugSolve {
			fmt.Printf("%s certify: %d pairs measured, %d price in\n", p.st, len(pairs), countArcs(found))
		}
	}
	var lb float64
	var add []newArc
	for lu := range nU {
		fa := found[lu]
		// Reduced cost of each found arc: its cost plus the seat price.
		rc := func(a newArc) float64 {
			c := a.meters
			if stability {
				c = p.cost(a.unit, a.school, c)
			}
			return c + r.price[a.school]
		}
		for _, a := range fa {
			best[lu] = math.Min(best[lu], rc(a))
		}
		lb += float64(p.pupils[lu]) * best[lu]
		// Add the most negative arcs only: one round of column generation
		// need not bring in every school of a unit whose pupils are
		// unplaced.
		sort.Slice(fa, func(a, b int) bool { return rc(fa[a]) < rc(fa[b]) })
		if len(fa) > maxPricedArcs {
			fa = fa[:maxPricedArcs]
		}
		add = append(add, fa...)
	}
	for ls := range p.schools {
		lb -= float64(p.cap[ls]) * r.price[ls]
	}
	return lb, add
}

// rowBest is the least cost + seat price over unit lu's candidate row
// (with the stability charge when asked), or unplacedMeters when that is
// less: the unit's term of the Lagrangian bound as far as its row goes.
func (p *stageProblem) rowBest(lu int, price []float64, stability bool) float64 {
	b := unplacedMeters
	d, m := p.cand.Row(lu)
	for i, s := range d {
		c := m[i]
		if stability {
			c = p.cost(int32(lu), s, c)
		}
		b = math.Min(b, c+price[s])
	}
	return b
}

// lagrangian is the Lagrangian bound Σ_u pupils_u·best_u − Σ_s cap_s·price_s
// for per-unit minima best of cost + price over all schools.
func (p *stageProblem) lagrangian(best, price []float64) float64 {
	var lb float64
	for lu, b := range best {
		lb += float64(p.pupils[lu]) * b
	}
	for ls := range p.schools {
		lb -= float64(p.cap[ls]) * price[ls]
	}
	return lb
}

// crossingAt is the crossings of candidate x of row i of c, -1 when c does
// not know them.
func crossingAt(c *geo.Candidates, i, x int) int32 {
	if c.Crossings == nil {
		return -1
	}
	return c.Crossings[int(c.Off[i])+x]
}

// pricedK is how many schools per unit a geo.PricedMetric search returns
// in one pricing round.
const pricedK = 4

// certifyPriced is certify for metrics that search by distance plus seat
// price themselves (road networks): one search gives every unit its
// pricedK schools of least distance + price over all schools, so the
// Lagrangian bound is exact up to the search's Beyond and the arcs that
// price in are its listed schools that beat the unit's row.
func (p *stageProblem) certifyPriced(pm geo.PricedMetric, r *relaxation, stability bool) (float64, []newArc) {
	nU := len(p.units)
	cand, err := pm.NearestPriced(p.ctx, p.ulocs, p.slocs, r.price, pricedK)
	if err != nil {
		return math.Inf(-1), nil // cancelled: the caller checks p.ctx
	}
	best := make([]float64, nU)
	found := make([][]newArc, nU)
	parallel(nU, func(lo, hi int) {
		for lu := lo; lu < hi; lu++ {
			d, _ := p.cand.Row(lu)
			b := p.rowBest(lu, r.price, stability)
			best[lu] = b
			if p.fixed[lu] >= 0 || len(d) == len(p.schools) {
				continue
			}
			// Unlisted schools cost at least Beyond (a stability charge
			// only adds); listed ones are exact.
			lower := cand.Beyond[lu]
			pd, pmeters := cand.Row(lu)
			for x, s := range pd {
				c := pmeters[x]
				if stability {
					c = p.cost(int32(lu), s, c)
				}
				v := c + r.price[s]
				lower = math.Min(lower, v)
				if v < b-1e-6 && !slices.Contains(d, s) {
					cr := crossingAt(cand, lu, x)
					found[lu] = append(found[lu], newArc{unit: int32(lu), school: s, meters: pmeters[x], crossings: cr})
				}
			}
			best[lu] = math.Min(b, lower)
		}
	})
	var lb float64
	var add []newArc
	for lu := range nU {
		add = append(add, found[lu]...)
	}
	lb = p.lagrangian(best, r.price)
	if debugSolve {
		fmt.Printf("%s certify (priced search): %d price in\n", p.st, len(add))
	}
	return lb, add
}

func countArcs(a [][]newArc) int {
	n := 0
	for _, x := range a {
		n += len(x)
	}
	return n
}

// addArcs inserts priced-in arcs into the candidate rows, keeping each row
// sorted by distance. Beyond stays valid: it bounded the schools not
// listed before, a superset of those not listed now.
func (p *stageProblem) addArcs(add []newArc) {
	byUnit := map[int32][]newArc{}
	for _, a := range add {
		byUnit[a.unit] = append(byUnit[a.unit], a)
	}
	rows := make([]row, len(p.units))
	for lu := range p.units {
		rw := rowOf(p.cand, lu)
		if extra := byUnit[int32(lu)]; len(extra) > 0 {
			rw.dest = slices.Clone(rw.dest)
			rw.meters = slices.Clone(rw.meters)
			rw.crossings = slices.Clone(rw.crossings)
			for _, a := range extra {
				i := sort.SearchFloat64s(rw.meters, a.meters)
				rw.dest = slices.Insert(rw.dest, i, a.school)
				rw.meters = slices.Insert(rw.meters, i, a.meters)
				if rw.crossings != nil {
					rw.crossings = slices.Insert(rw.crossings, i, a.crossings)
				}
			}
		}
		rows[lu] = rw
	}
	p.cand = buildCandidates(rows)
}

// parallel runs work over [0, n) split across the machine's cores.
func parallel(n int, work func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/2048))
	if workers <= 1 {
		work(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			work(lo, hi)
		}(lo, min(n, lo+chunk))
	}
	wg.Wait()
}

func scaleCost(m float64) int64 {
	if math.IsInf(m, 1) || m > unplacedMeters {
		m = unplacedMeters
	}
	return int64(math.Round(m * costScale))
}
