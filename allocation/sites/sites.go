// Package sites owns new-school placement (site selection): choosing up to
// k of the candidate sites of a Dataset at which to build schools, with the
// existing open schools fixed, so as first to minimise the pupils who cannot
// be seated (the near-zone shortfall) and then the total pupil distance.
//
// # Method
//
// A site set is scored on the transportation relaxation of the zoning
// problem (units supply pupils, schools and opened sites offer seats,
// unplaced pupils cost a big-M per pupil), solved exactly by the network
// simplex of allocation/mcf. Candidate sites are extra facility nodes whose
// seat arcs have capacity 0 until opened, so evaluating a set is a
// SetCapacity plus a warm re-solve from the previous basis.
//
// Every closed site is screened cheaply with the current dual prices (the
// Lagrangian gain: units whose marginal cost v_u exceeds d(u,c) save
// v_u − d(u,c) per pupil, up to the site's seats); the best few of the
// screen are evaluated exactly and the best is added (greedy). A
// Teitz–Bart interchange then tries, for each chosen site, the best
// screened replacements and keeps any swap that lowers the objective,
// until a round makes no swap. Every exact swap evaluation is kept, and the
// best of them form the ranked list of next-best alternatives.
//
// On small instances (units × facilities ≤ 20,000) every arc is present,
// the screen keeps every candidate, and the result matches the exact
// facility-location optimum on the tests' random instances within 1%. On
// large ones each unit starts with its nearest schools and sites, and
// arcs that the duals price in are added before each greedy step is
// committed.
//
// The zones of the chosen set are then re-solved exactly as `solve` does
// (Finish, with the caller's solve function, normally the pipeline's), and
// the report compares the indicators before and after.
package sites

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/geo"
)

// Options configure a selection. The zero value (plus K and Stages) works.
type Options struct {
	// Stages are the stages served by the new schools; a site's objective is
	// the sum over them. Empty means primary only.
	Stages []data.Stage
	// K is the maximum number of sites to open (≥ 0).
	K int
	// DefaultSeats gives, per stage, the seats of a site whose candidate row
	// has none for that stage (the --seats flag). A site with no seats in
	// any chosen stage is ignored.
	DefaultSeats [data.NumStages]int
	// Metric measures distances; nil means straight line.
	Metric geo.Metric
	// NearestSchools and NearestSites are the arcs first offered to each
	// unit (defaults 10 and 5; every facility on small instances), plus one
	// arc per unit to the nearest school with room for it.
	NearestSchools, NearestSites int
	// Shortlist is the number of screened sites evaluated exactly per greedy
	// step and per interchange of a chosen site (default 8, 3 at city
	// scale; every site on small instances).
	Shortlist int
	// MaxRounds bounds the interchange rounds (default 4 on small
	// instances, 1 at city scale).
	MaxRounds int
	// Alternatives is the length of the ranked list of next-best sites
	// (default 5).
	Alternatives int
	// Price adds, at the start and the end, the unit–school arcs that the
	// dual prices show could improve the relaxation, making its objective
	// exact over every open facility. Instances small enough to carry
	// every arc never need it; at city scale it costs cold re-solves, so it
	// is off by default there and the relaxation is an upper bound on the
	// candidate arcs (the final zones come from the full solve, Finish).
	Price bool
	// Workers is the number of site sets evaluated concurrently, each on
	// its own copy of the network (default: 2 at city scale when the
	// machine has 2 or more cores, else 1).
	Workers int
	// Log receives progress messages; nil discards them.
	Log *slog.Logger
}

// Objective is the relaxation's lexicographic objective: pupils without a
// seat first, then the pupil-weighted distance in metres.
type Objective struct {
	Unplaced int64   `json:"unplaced"`
	Meters   float64 `json:"total_distance_m"`
}

// Less reports whether o is strictly better than p.
func (o Objective) Less(p Objective) bool {
	if o.Unplaced != p.Unplaced {
		return o.Unplaced < p.Unplaced
	}
	return o.Meters < p.Meters-1e-6
}

// Site is a chosen (or alternative) candidate site.
type Site struct {
	// Candidate is the index into Dataset.Candidates.
	Candidate int     `json:"-"`
	ID        string  `json:"id"`
	Name      string  `json:"name,omitempty"`
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	// Seats per stage ("primary", "junior") that the new school gets.
	Seats map[string]int `json:"seats"`
	// Gain is how much this site lowers the objective: for a chosen site,
	// the objective without it minus the objective of the chosen set.
	Gain Objective `json:"gain"`
	// Zone fields are filled by Finish from the re-solved plan.
	ZonePupils map[string]int      `json:"zone_pupils,omitempty"`
	ZoneUnits  map[string][]string `json:"zone_units,omitempty"`
}

// Alternative is a site not chosen, with the objective of the chosen set
// when it replaces Replaces.
type Alternative struct {
	Site      Site      `json:"site"`
	Replaces  string    `json:"replaces"`
	Objective Objective `json:"objective"`
	// Worse is Objective minus the chosen set's objective (≥ 0 at a local
	// optimum).
	Worse Objective `json:"worse_by"`
}

// Step is one greedy addition: the objective after Step sites.
type Step struct {
	Sites     int       `json:"sites"`
	Added     string    `json:"added,omitempty"`
	Objective Objective `json:"objective"`
	// Marginal is the improvement over the previous step.
	Marginal Objective `json:"marginal"`
}

// Result is a site selection.
type Result struct {
	Stages []string `json:"stages"`
	K      int      `json:"k"`
	// Baseline is the objective with no new site; Objective with Chosen.
	Baseline  Objective `json:"baseline"`
	Objective Objective `json:"objective"`
	Chosen    []Site    `json:"chosen"`
	// Greedy lists the greedy additions before interchange.
	Greedy       []Step        `json:"greedy"`
	Alternatives []Alternative `json:"alternatives"`
	// Swaps counts the interchange moves kept; Evaluations the exact
	// relaxation solves.
	Swaps       int     `json:"swaps"`
	Evaluations int     `json:"evaluations"`
	Seconds     float64 `json:"seconds"`
	// Before and After are the indicators of the re-solved plans (Finish).
	Before map[string]Indicators `json:"before,omitempty"`
	After  map[string]Indicators `json:"after,omitempty"`
}

// Indicators are the headline figures of one stage of a plan.
type Indicators struct {
	Pupils              int     `json:"pupils"`
	PlacedInZone        int     `json:"placed_in_zone"`
	NearZoneRatio       float64 `json:"near_zone_ratio"`
	Overflow            int     `json:"overflow"`
	Unplaced            int     `json:"unplaced"`
	TotalDistanceMeters float64 `json:"total_distance_m"`
	MeanDistanceMeters  float64 `json:"mean_distance_m"`
}

// site is a usable candidate: its index and seats per stage.
type site struct {
	cand  int
	loc   orb.Point
	seats [data.NumStages]int
}

// ErrNoCandidates is returned when no candidate site has seats in the
// chosen stages.
var ErrNoCandidates = errors.New("sites: no candidate site has seats for the stage (give --seats)")

// selector holds the per-stage networks and the current open set.
type selector struct {
	ctx  context.Context
	ds   *data.Dataset
	opt  Options
	nets []*network
	// reps are copies of nets for concurrent evaluation; reps[0] is nets.
	reps   [][]*network
	sites  []site
	chosen []int // indices into sites
	evals  int
	seen   map[string]Objective
	alts   []Alternative
	log    *slog.Logger
	buf    []saving
}

// Select chooses up to opt.K candidate sites of ds. ds is not modified.
func Select(ctx context.Context, ds *data.Dataset, opt Options) (*Result, error) {
	start := time.Now()
	s, err := newSelector(ctx, ds, opt)
	if err != nil {
		return nil, err
	}
	res, err := s.run(opt.K)
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// Sweep runs Select for every k in [lo, hi] on one set of networks and
// returns the results in k order; the marginal value of the k-th school is
// results[k−1].Objective − results[k].Objective.
func Sweep(ctx context.Context, ds *data.Dataset, opt Options, lo, hi int) ([]*Result, error) {
	if lo < 0 || hi < lo {
		return nil, fmt.Errorf("sites: bad k range %d..%d", lo, hi)
	}
	s, err := newSelector(ctx, ds, opt)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for k := lo; k <= hi; k++ {
		start := time.Now()
		for _, c := range s.chosen {
			s.setOpen(c, false)
		}
		s.chosen, s.alts = nil, nil
		r, err := s.run(k)
		if err != nil {
			return nil, err
		}
		r.Seconds = time.Since(start).Seconds()
		out = append(out, r)
	}
	return out, nil
}

func newSelector(ctx context.Context, ds *data.Dataset, opt Options) (*selector, error) {
	if ds == nil {
		return nil, errors.New("sites: no dataset")
	}
	if opt.K < 0 {
		return nil, fmt.Errorf("sites: k %d < 0", opt.K)
	}
	if len(opt.Stages) == 0 {
		opt.Stages = []data.Stage{data.Primary}
	}
	if opt.Metric == nil {
		opt.Metric = geo.StraightLine(ds.Planar)
	}
	if opt.NearestSchools <= 0 {
		opt.NearestSchools = 10
	}
	if opt.NearestSites <= 0 {
		opt.NearestSites = 5
	}
	shortGiven := opt.Shortlist > 0
	if !shortGiven {
		opt.Shortlist = 8
	}
	roundsGiven := opt.MaxRounds > 0
	if !roundsGiven {
		opt.MaxRounds = 4
	}
	if opt.Alternatives <= 0 {
		opt.Alternatives = 5
	}
	s := &selector{ctx: ctx, ds: ds, opt: opt, seen: map[string]Objective{}, log: opt.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for i, c := range ds.Candidates {
		st := site{cand: i, loc: c.Loc}
		any := false
		for _, stg := range opt.Stages {
			st.seats[stg] = c.Seats[stg]
			if st.seats[stg] <= 0 {
				st.seats[stg] = opt.DefaultSeats[stg]
			}
			if st.seats[stg] > 0 {
				any = true
			}
		}
		if any {
			s.sites = append(s.sites, st)
		}
	}
	if len(s.sites) == 0 && opt.K > 0 {
		return nil, ErrNoCandidates
	}
	for _, stg := range opt.Stages {
		n, err := buildNetwork(ctx, ds, stg, opt.Metric, s.sites, opt.NearestSchools, opt.NearestSites)
		if err != nil {
			return nil, fmt.Errorf("sites: %s: %w", stg, err)
		}
		s.nets = append(s.nets, n)
	}
	small := true
	for _, n := range s.nets {
		small = small && len(n.units)*n.nF <= smallArcs
	}
	if small {
		s.opt.Shortlist = len(s.sites)
	} else {
		// City scale: each exact evaluation is a warm re-solve of a network
		// with a million arcs, so evaluate fewer.
		if !roundsGiven {
			s.opt.MaxRounds = 1
		}
		if !shortGiven {
			s.opt.Shortlist = 3
		}
		if s.opt.Workers <= 0 {
			s.opt.Workers = min(2, runtime.GOMAXPROCS(0))
		}
	}
	s.opt.Workers = max(1, s.opt.Workers)
	s.refreshReplicas()
	return s, nil
}

// refreshReplicas rebuilds the evaluation copies from nets.
func (s *selector) refreshReplicas() {
	s.reps = [][]*network{s.nets}
	for w := 1; w < s.opt.Workers; w++ {
		var rep []*network
		for _, n := range s.nets {
			rep = append(rep, n.replica())
		}
		s.reps = append(s.reps, rep)
	}
}

func (s *selector) setOpen(i int, open bool) {
	for _, rep := range s.reps {
		setOpenOn(rep, s.sites[i], i, open)
	}
}

func setOpenOn(nets []*network, st site, i int, open bool) {
	for _, n := range nets {
		if st.seats[n.st] > 0 {
			n.setOpen(n.nE+i, open)
		}
	}
}

// tryMany evaluates chosen ∪ {c} for every c in adds (chosen must not hold
// them), concurrently on the replicas, from cache where seen. The last
// element of adds is evaluated last on nets, so a commit of it right after
// finds its basis optimal.
func (s *selector) tryMany(adds []int) ([]Objective, error) {
	out := make([]Objective, len(adds))
	var todo []int
	for j, c := range adds {
		if o, ok := s.seen[s.key(append(slices.Clone(s.chosen), c))]; ok {
			out[j] = o
		} else {
			todo = append(todo, j)
		}
	}
	W := len(s.reps)
	errs := make([]error, W)
	var wg sync.WaitGroup
	for w := range W {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for t, j := range todo {
				if (len(todo)-1-t)%W != w {
					continue
				}
				c := adds[j]
				setOpenOn(s.reps[w], s.sites[c], c, true)
				var o Objective
				for _, n := range s.reps[w] {
					if _, err := n.solve(s.ctx); err != nil {
						errs[w] = err
						return
					}
					no := n.objective()
					o.Unplaced += no.Unplaced
					o.Meters += no.Meters
				}
				setOpenOn(s.reps[w], s.sites[c], c, false)
				out[j] = o
			}
		}(w)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, j := range todo {
		s.seen[s.key(append(slices.Clone(s.chosen), adds[j]))] = out[j]
	}
	s.evals += len(todo)
	return out, nil
}

// eval solves every stage for the current open set and returns the summed
// objective.
func (s *selector) eval() (Objective, error) {
	var o Objective
	for _, n := range s.nets {
		if _, err := n.solve(s.ctx); err != nil {
			return o, err
		}
		no := n.objective()
		o.Unplaced += no.Unplaced
		o.Meters += no.Meters
	}
	s.evals++
	return o, nil
}

// commit solves the current open set and prices in missing arcs until the
// relaxation is exact over all open facilities (bounded rounds).
func (s *selector) commit(price bool) (Objective, error) {
	for round := 0; ; round++ {
		o, err := s.eval()
		if err != nil {
			return o, err
		}
		added := false
		if price && s.opt.Price && round < 6 {
			for _, n := range s.nets {
				if len(n.units)*n.nF > smallArcs && n.priceArcs() {
					added = true
				}
			}
		}
		if !added {
			s.seen[s.key(s.chosen)] = o
			if round > 0 {
				s.refreshReplicas()
			}
			return o, nil
		}
	}
}

func (s *selector) key(set []int) string {
	c := slices.Clone(set)
	slices.Sort(c)
	return fmt.Sprint(c)
}

// screen ranks the closed sites by their Lagrangian gain under the current
// duals (all stages summed) and returns the best n, excluding skip.
func (s *selector) screen(n int, skip int) []int {
	type sc struct {
		i int
		g float64
	}
	open := make([]bool, len(s.sites))
	for _, c := range s.chosen {
		open[c] = true
	}
	var all []sc
	for i := range s.sites {
		if open[i] || i == skip {
			continue
		}
		var g float64
		for _, nw := range s.nets {
			var v float64
			v, s.buf = nw.gain(nw.nE+i, s.buf)
			g += v
		}
		all = append(all, sc{i, g})
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].g > all[b].g })
	out := make([]int, 0, min(n, len(all)))
	for _, a := range all[:min(n, len(all))] {
		out = append(out, a.i)
	}
	return out
}

func (s *selector) run(k int) (*Result, error) {
	res := &Result{K: k}
	for _, st := range s.opt.Stages {
		res.Stages = append(res.Stages, st.String())
	}
	cur, err := s.commit(true)
	if err != nil {
		return nil, err
	}
	res.Baseline = cur
	res.Greedy = append(res.Greedy, Step{Sites: 0, Objective: cur})
	// Greedy additions.
	for len(s.chosen) < k {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		short := s.screen(s.opt.Shortlist, -1)
		best, bestO := -1, Objective{}
		// Best screened site last: when it wins, reopening it for the
		// commit finds the basis already optimal.
		slices.Reverse(short)
		objs, err := s.tryMany(short)
		if err != nil {
			return nil, err
		}
		for j, c := range short {
			if best < 0 || objs[j].Less(bestO) {
				best, bestO = c, objs[j]
			}
		}
		if best < 0 || !bestO.Less(cur) {
			break // no site improves the objective
		}
		s.chosen = append(s.chosen, best)
		s.setOpen(best, true)
		o, err := s.commit(false)
		if err != nil {
			return nil, err
		}
		res.Greedy = append(res.Greedy, Step{Sites: len(s.chosen), Added: s.ds.Candidates[s.sites[best].cand].ID,
			Objective: o, Marginal: diff(cur, o)})
		s.log.Info("site added", "site", s.ds.Candidates[s.sites[best].cand].ID, "unplaced", o.Unplaced, "meters", o.Meters)
		cur = o
	}
	// Teitz–Bart interchange.
	for round := 0; round < s.opt.MaxRounds && len(s.chosen) > 0; round++ {
		swapped := false
		for pos := 0; pos < len(s.chosen); pos++ {
			if err := s.ctx.Err(); err != nil {
				return nil, err
			}
			out := s.chosen[pos]
			s.setOpen(out, false)
			rest := slices.Delete(slices.Clone(s.chosen), pos, pos+1)
			saved := s.chosen
			s.chosen = rest
			if _, err := s.eval(); err != nil { // duals without `out`
				return nil, err
			}
			short := s.screen(s.opt.Shortlist, out)
			best, bestO := -1, cur
			objs, err := s.tryMany(short)
			if err != nil {
				return nil, err
			}
			for j, c := range short {
				o := objs[j]
				s.alts = append(s.alts, Alternative{Site: s.siteOf(c), Replaces: s.ds.Candidates[s.sites[out].cand].ID, Objective: o})
				if o.Less(bestO) {
					best, bestO = c, o
				}
			}
			s.chosen = saved
			if best >= 0 {
				s.chosen[pos] = best
				s.setOpen(best, true)
				res.Swaps++
				swapped = true
				s.log.Info("site swapped", "out", s.ds.Candidates[s.sites[out].cand].ID, "in", s.ds.Candidates[s.sites[best].cand].ID)
			} else {
				s.setOpen(out, true)
			}
			if cur, err = s.commit(false); err != nil {
				return nil, err
			}
		}
		if !swapped {
			break
		}
	}
	// Price in the arcs the final prices ask for, so that the reported
	// objective is the relaxation's optimum over every open facility.
	if cur, err = s.commit(true); err != nil {
		return nil, err
	}
	res.Objective = cur
	// Gains of the chosen sites: objective without each.
	for pos, c := range s.chosen {
		st := s.siteOf(c)
		rest := slices.Delete(slices.Clone(s.chosen), pos, pos+1)
		o, ok := s.seen[s.key(rest)]
		if !ok {
			s.setOpen(c, false)
			var err error
			if o, err = s.eval(); err != nil {
				return nil, err
			}
			s.setOpen(c, true)
		}
		st.Gain = diff(o, cur)
		res.Chosen = append(res.Chosen, st)
	}
	res.Alternatives = s.rankAlternatives(cur)
	res.Evaluations = s.evals
	return res, nil
}

// rankAlternatives keeps the best evaluated swap per site not chosen.
func (s *selector) rankAlternatives(cur Objective) []Alternative {
	chosen := map[string]bool{}
	for _, c := range s.chosen {
		chosen[s.ds.Candidates[s.sites[c].cand].ID] = true
	}
	sort.SliceStable(s.alts, func(a, b int) bool { return s.alts[a].Objective.Less(s.alts[b].Objective) })
	var out []Alternative
	seen := map[string]bool{}
	for _, a := range s.alts {
		if chosen[a.Site.ID] || seen[a.Site.ID] || !chosen[a.Replaces] {
			continue
		}
		seen[a.Site.ID] = true
		a.Worse = diff(a.Objective, cur)
		out = append(out, a)
		if len(out) == s.opt.Alternatives {
			break
		}
	}
	return out
}

// diff returns a − b.
func diff(a, b Objective) Objective {
	return Objective{Unplaced: a.Unplaced - b.Unplaced, Meters: a.Meters - b.Meters}
}

func (s *selector) siteOf(i int) Site {
	c := &s.ds.Candidates[s.sites[i].cand]
	st := Site{Candidate: s.sites[i].cand, ID: c.ID, Name: c.Name, Lon: c.Loc[0], Lat: c.Loc[1], Seats: map[string]int{}}
	for _, stg := range s.opt.Stages {
		if n := s.sites[i].seats[stg]; n > 0 {
			st.Seats[stg.String()] = n
		}
	}
	return st
}

// Apply returns a copy of ds with the chosen sites added as open public
// schools (ids prefixed by the candidate id) and removed from the
// candidates. ds is not modified.
func Apply(ds *data.Dataset, res *Result) *data.Dataset {
	out := *ds
	out.Schools = slices.Clone(ds.Schools)
	used := map[int]bool{}
	ids := ds.SchoolIndex()
	for _, c := range res.Chosen {
		cand := &ds.Candidates[c.Candidate]
		sc := data.School{ID: cand.ID, Name: cand.Name, Loc: cand.Loc, Ownership: data.Public, Area: areaNear(ds, cand.Loc), Status: data.Open}
		if _, dup := ids[sc.ID]; dup {
			sc.ID = "new-" + cand.ID
		}
		if sc.Name == "" {
			sc.Name = "new school " + cand.ID
		}
		for st := range data.NumStages {
			sc.Seats[st] = c.Seats[data.Stage(st).String()]
		}
		out.Schools = append(out.Schools, sc)
		used[c.Candidate] = true
	}
	out.Candidates = nil
	for i, c := range ds.Candidates {
		if !used[i] {
			out.Candidates = append(out.Candidates, c)
		}
	}
	return &out
}

// areaNear gives a new school the area class of the nearest unit.
func areaNear(ds *data.Dataset, p orb.Point) data.Area {
	best, area := math.Inf(1), data.Urban
	for i := range ds.Units {
		d := (ds.Units[i].Loc[0]-p[0])*(ds.Units[i].Loc[0]-p[0]) + (ds.Units[i].Loc[1]-p[1])*(ds.Units[i].Loc[1]-p[1])
		if d < best {
			best, area = d, ds.Units[i].Area
		}
	}
	return area
}

// SolveFunc zones a dataset exactly as `catchment solve` does (normally
// pipeline.Prepare followed by Prepared.Solve).
type SolveFunc func(ctx context.Context, ds *data.Dataset) (*allocation.Plan, error)

// Finish re-solves the zones with the chosen sites through solve, fills
// each chosen site's zone (units and pupils per stage) and the indicators
// before and after, and returns both plans.
func Finish(ctx context.Context, ds *data.Dataset, res *Result, solve SolveFunc) (before, after *allocation.Plan, err error) {
	before, err = solve(ctx, ds)
	if err != nil {
		return nil, nil, fmt.Errorf("sites: solving today's schools: %w", err)
	}
	nds := Apply(ds, res)
	after, err = solve(ctx, nds)
	if err != nil {
		return nil, nil, fmt.Errorf("sites: solving with the new schools: %w", err)
	}
	res.Before, res.After = IndicatorsOf(before), IndicatorsOf(after)
	idx := nds.SchoolIndex()
	for i := range res.Chosen {
		c := &res.Chosen[i]
		si, ok := idx[c.ID]
		if !ok {
			si = idx["new-"+c.ID]
		}
		c.ZonePupils, c.ZoneUnits = map[string]int{}, map[string][]string{}
		for st := range data.NumStages {
			name := data.Stage(st).String()
			for u, z := range after.Stages[st].Zone {
				if int(z) == si && nds.Units[u].Pupils[st] > 0 {
					c.ZonePupils[name] += nds.Units[u].Pupils[st]
					c.ZoneUnits[name] = append(c.ZoneUnits[name], nds.Units[u].ID)
				}
			}
		}
	}
	return before, after, nil
}

// IndicatorsOf extracts the headline indicators of every stage with pupils.
func IndicatorsOf(p *allocation.Plan) map[string]Indicators {
	out := map[string]Indicators{}
	if p == nil || p.Report == nil {
		return out
	}
	for name, s := range p.Report.Stages {
		if s == nil || s.Pupils == 0 {
			continue
		}
		out[name] = Indicators{Pupils: s.Pupils, PlacedInZone: s.PlacedInZone, NearZoneRatio: s.NearZoneRatio,
			Overflow: s.OverflowCount, Unplaced: s.Unplaced, TotalDistanceMeters: s.TotalDistanceMeters,
			MeanDistanceMeters: s.MeanDistanceMeters}
	}
	return out
}
