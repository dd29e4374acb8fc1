// Package demo owns the deterministic demo city: a synthetic Chinese
// county-level city with a crowded core (城区), towns (镇区) and villages
// (乡村), its schools, residential units, today's hand-drawn zoning,
// candidate sites for new schools, a study boundary and a street network
// with a river, a railway and a motorway ring. It is what a newcomer sees
// first, what every benchmark runs on, and the built-in data set the server
// starts with.
//
// The city (default: 1,000,000 pupils, ~52,000 units, 1,000 schools):
//   - Half the pupils live in the core, a disc of street blocks whose
//     compounds (小区) are polygons tiling the blocks; pupils there exceed
//     the public seats nearby by ~22% (coreSeatRatio). An industrial wedge
//     of the core and the first town have 10–40% migrant children (随迁子女),
//     other urban and town units ~3%, villages none.
//   - 30% live in towns on a ring outside the motorway: a dense polygon
//     centre plus point units on the fringe, with ~12% spare seats.
//   - 20% live in villages: point units for village groups (村民小组) with
//     small schools and ~45% spare seats. Public zoneable seats of each
//     stage exceed all pupils of that stage by ~4%.
//   - Schools are 小学 (seats = 6 grades × classes × 45), 初级中学 (3 × 50)
//     and 九年一贯制学校, sized within the 2000 / 2500 caps except a few
//     oversized core schools, plus private, purchased-place and boarding
//     schools; most carry staff and resource figures near the POLICY.md §C
//     thresholds.
//   - The river and the railway cross the core, so some units' nearest
//     school is on the other side; streets cross them only on a few bridges
//     and underpasses.
//
// The city is a pure function of Config: the same Config gives the same
// values and byte-identical files (on one CPU architecture: compilers for
// some, such as arm64, fuse multiply-adds, which can move a coordinate by
// one unit in the last place). It is built in local metres around
// Config.Center and converted to WGS-84 with an equirectangular projection;
// coordinates are rounded to 7 decimals. Like the rest of package data it
// imports no algorithms (in particular not package geo).
package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"

	"catchment/data"
)

// Defaults and limits of Config.
const (
	// DefaultPupils is the pupil count of the default (benchmark) city.
	DefaultPupils = 1_000_000
	// MinPupils is the smallest city the generator builds.
	MinPupils = 2_000
	// MaxPupils bounds memory use (about 0.7 GB at this size).
	MaxPupils = 5_000_000
	// PupilsPerSchool sets the default school count: about one school per
	// this many pupils.
	PupilsPerSchool = 1_000
)

// DefaultCenter is where the default city lies: the plains of southern
// Shandong, eastern China.
var DefaultCenter = orb.Point{117.0, 35.4}

// Shares of the pupils living in the core and in the towns; the villages
// hold the rest.
const (
	corePupilShare = 0.5
	townPupilShare = 0.3
)

// Seat provision per region, as a ratio of seats to resident pupils of each
// stage: the core is short of seats, towns have a little spare, villages a
// lot. The village ratio is raised when needed so that public zoneable seats
// of each stage exceed all pupils of that stage by totalSeatRatio.
const (
	coreSeatRatio  = 0.82 // pupils exceed core seats by ~22%
	townSeatRatio  = 1.12
	ruralSeatRatio = 1.45
	totalSeatRatio = 1.04
)

// Config selects a demo city. The zero value is the default city.
type Config struct {
	// Pupils is the total number of pupils, both stages (default
	// DefaultPupils). Units are ~Pupils/20, schools ~Pupils/1000.
	Pupils int
	// Schools is the number of schools; 0 scales it with Pupils (about one
	// per PupilsPerSchool pupils).
	Schools int
	// Seed selects one of many cities of the same size.
	Seed int64
	// Center is the city centre in WGS-84 [lon, lat] (default DefaultCenter).
	Center orb.Point
	// NoStreets skips the street network: City.Streets stays nil.
	NoStreets bool
}

// normalize fills defaults and checks limits.
func (c Config) normalize() (Config, error) {
	if c.Pupils == 0 {
		c.Pupils = DefaultPupils
	}
	if c.Pupils < MinPupils || c.Pupils > MaxPupils {
		return c, fmt.Errorf("demo: pupils %d outside [%d, %d]", c.Pupils, MinPupils, MaxPupils)
	}
	if c.Schools < 0 {
		return c, fmt.Errorf("demo: negative school count %d", c.Schools)
	}
	if c.Schools > c.Pupils/100 {
		return c, fmt.Errorf("demo: %d schools for %d pupils is more than one per 100 pupils", c.Schools, c.Pupils)
	}
	if c.Center == (orb.Point{}) {
		c.Center = DefaultCenter
	}
	// The city spans up to ±0.6° around the centre; keep it on the map.
	if !(c.Center[0] >= -179 && c.Center[0] <= 179 && c.Center[1] >= -70 && c.Center[1] <= 70) {
		return c, fmt.Errorf("demo: centre %v is not a longitude in [-179, 179] and latitude in [-70, 70]", c.Center)
	}
	return c, nil
}

// City is a generated demo city.
type City struct {
	// Config is the configuration with defaults filled in.
	Config Config
	// Dataset holds WGS-84 values with Schools, Units, Current and
	// Candidates filled; it passes Dataset.Validate, and the files WriteDir
	// writes read back to exactly these values. Ids are zero-padded
	// sequence numbers (S0001, U00001, C0001) in generation order.
	Dataset data.Dataset
	// Boundary is the study area: one counter-clockwise ring around every
	// unit, school and candidate site.
	Boundary orb.Polygon
	// Streets is the street network, nil when Config.NoStreets.
	Streets *Streets

	lay   *layout
	g     *grid
	proj  projection
	units []unitInfo   // parallel to Dataset.Units
	sch   []schoolInfo // parallel to Dataset.Schools
}

type unitKind uint8

const (
	kindCompound unitKind = iota // polygon compound in the core or a town
	kindFringe                   // point unit on a town fringe
	kindVillage                  // point unit: a village group (村民小组)
)

// unitInfo is what the generator knows about a unit beyond data.Unit.
type unitInfo struct {
	kind       unitKind
	region     int
	industrial bool
	x, y       float64 // Loc in local metres
	// Cell rectangle [a0, a1) × [b0, b1) of a compound.
	a0, b0, a1, b1 int32
	weight         float64
	name           string
	pupils         [data.NumStages]int
	migrants       [data.NumStages]int
	// nearest zoneable school per stage (index into City.sch), -1 if none.
	nearest [data.NumStages]int32
}

type schoolKind uint8

const (
	primarySchool  schoolKind = iota // 小学
	juniorSchool                     // 初级中学
	nineYearSchool                   // 九年一贯制学校
)

// schoolInfo is what the generator knows about a school beyond data.School.
type schoolInfo struct {
	kind      schoolKind
	region    int
	x, y      float64
	ownership data.Ownership
	boarding  bool
	oversize  bool
	industry  bool // must sit in an industrial district
	place     string
	village   int // index into villages for rural schools, else -1
	// classes per grade of each stage (primary: 6 grades × 45, junior: 3 × 50).
	perGrade [data.NumStages]int
	res      [data.NumResources]float64
	hasRes   bool
}

// village is a rural village: a centre and its groups.
type village struct {
	x, y float64
	name string
}

// Generate builds the demo city for cfg. It is deterministic: it draws
// every random number from a PCG source seeded by cfg.Seed and never depends
// on map order or time.
func Generate(cfg Config) (*City, error) {
	return GenerateContext(context.Background(), cfg)
}

// GenerateContext is Generate with cancellation: it returns ctx's error if
// ctx is done between generation phases.
func GenerateContext(ctx context.Context, cfg Config) (*City, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	gen := &generator{
		cfg: cfg,
		rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5EED_CA7C_4E11_7001)),
		c:   &City{Config: cfg, proj: newProjection(cfg.Center)},
		ctx: ctx,
	}
	gen.names = newNamer(gen.rng)
	if err := gen.run(); err != nil {
		return nil, err
	}
	return gen.c, nil
}

type generator struct {
	ctx   context.Context
	cfg   Config
	rng   *rand.Rand
	names *namer
	c     *City

	townPupils []int
	villages   []village
}

func (gen *generator) run() error {
	cfg, rng := gen.cfg, gen.rng
	p := cfg.Pupils
	s := math.Sqrt(float64(p) / 1e6)
	nTowns := max(1, int(math.Round(12*s)))

	// Pupils per region.
	coreP := int(math.Round(corePupilShare * float64(p)))
	townP := int(math.Round(townPupilShare * float64(p)))
	ruralP := p - coreP - townP
	tw := make([]float64, nTowns)
	for k := range tw {
		tw[k] = 0.6 + 0.8*rng.Float64()
	}
	tw[0] = 1.5 // the industrial town is the biggest
	gen.townPupils = apportion(townP, tw)

	lay := newLayout(rng, p, nTowns, gen.townPupils)
	gen.c.lay = lay
	for k := range lay.towns {
		lay.towns[k].name = gen.names.place()
	}
	g := newGrid(lay, rng.Uint64())
	gen.c.g = g
	gen.boundary()

	if err := gen.ctx.Err(); err != nil {
		return err
	}
	gen.placeVillages(ruralP)
	plan, err := gen.planSchools(nTowns, len(gen.villages))
	if err != nil {
		return err
	}
	gen.markNonResidential()
	if err := gen.placeDenseSchools(plan); err != nil {
		return err
	}
	gen.compounds()
	gen.fringes()
	gen.villageGroups(ruralP)
	if err := gen.placeRuralSchools(plan); err != nil {
		return err
	}
	if err := gen.allocatePupils(coreP, ruralP); err != nil {
		return err
	}
	gen.nearest()
	gen.seats()
	gen.resources()
	gen.finishSchools()
	gen.finishUnits()
	gen.current()
	gen.candidates()
	if err := gen.ctx.Err(); err != nil {
		return err
	}
	if !cfg.NoStreets {
		st, err := buildStreets(gen.c, rng.Uint64())
		if err != nil {
			return err
		}
		gen.c.Streets = st
	}
	return nil
}

// boundary converts the study polygon to WGS-84.
func (gen *generator) boundary() {
	pl := &gen.c.lay.poly
	ring := make(orb.Ring, 0, len(pl.xs)+1)
	for k := range pl.xs {
		ring = append(ring, gen.c.proj.lonLat(pl.xs[k], pl.ys[k]))
	}
	ring = append(ring, ring[0])
	gen.c.Boundary = orb.Polygon{ring}
}

// apportion splits total into integer parts proportional to w (largest
// remainder; ties go to the lower index). Weights must be ≥ 0.
func apportion(total int, w []float64) []int {
	out := make([]int, len(w))
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if len(w) == 0 || total <= 0 {
		return out
	}
	if sum <= 0 {
		w = slices.Repeat([]float64{1}, len(w))
		sum = float64(len(w))
	}
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(w))
	given := 0
	for i, x := range w {
		q := float64(total) * x / sum
		out[i] = int(math.Floor(q))
		given += out[i]
		rems[i] = rem{i, q - math.Floor(q)}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.f, a.f) })
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	return out
}

func binomial(rng *rand.Rand, n int, p float64) int {
	k := 0
	for range n {
		if rng.Float64() < p {
			k++
		}
	}
	return k
}

func lognormal(rng *rand.Rand, sigma float64) float64 {
	return math.Exp(rng.NormFloat64() * sigma)
}

// schoolPlan is how many schools of each kind go where.
type schoolPlan struct {
	core      [3]int   // by schoolKind
	towns     [][3]int // per town
	rural     [3]int
	private   int
	purchased int
	boarding  int
}

// splitKinds splits n schools into primary, junior and nine-year ones with
// at least one school offering each stage.
func splitKinds(n int, fj, fn float64) [3]int {
	switch {
	case n <= 0:
		return [3]int{}
	case n == 1:
		return [3]int{0, 0, 1}
	case n == 2:
		return [3]int{1, 1, 0}
	}
	nj := max(1, int(math.Round(float64(n)*fj)))
	nn := int(math.Round(float64(n) * fn))
	np := n - nj - nn
	for np < 1 {
		if nn > 0 {
			nn--
		} else {
			nj--
		}
		np++
	}
	return [3]int{np, nj, nn}
}

func (gen *generator) planSchools(nTowns, nVillages int) (schoolPlan, error) {
	cfg := gen.cfg
	minSchools := nTowns + 2
	n := cfg.Schools
	if n == 0 {
		n = max(minSchools, int(math.Round(float64(cfg.Pupils)/PupilsPerSchool)))
	}
	if n < minSchools {
		return schoolPlan{}, fmt.Errorf("demo: %d schools is too few for %d pupils: need at least %d (one core, one per town, one rural)", n, cfg.Pupils, minSchools)
	}
	var pl schoolPlan
	pl.private = int(math.Round(0.03 * float64(n)))
	pl.purchased = int(math.Round(0.015 * float64(n)))
	pl.boarding = int(math.Round(0.025 * float64(n)))
	if n >= 15 {
		// Even a small city shows one of each special kind.
		pl.private, pl.purchased, pl.boarding = max(1, pl.private), max(1, pl.purchased), max(1, pl.boarding)
	}
	pub := n - pl.private - pl.purchased - pl.boarding
	for pub < minSchools {
		switch {
		case pl.private > 0:
			pl.private--
		case pl.boarding > 0:
			pl.boarding--
		default:
			pl.purchased--
		}
		pub++
	}
	nCore := max(1, int(math.Round(0.27*float64(pub))))
	nTown := max(nTowns, int(math.Round(0.30*float64(pub))))
	nRural := pub - nCore - nTown
	for nRural < 1 {
		if nCore > 1 {
			nCore--
		} else {
			nTown--
		}
		nRural++
	}
	// At most one school per village: more schools go to the core and towns.
	if excess := nRural + pl.boarding - nVillages; excess > 0 {
		take := min(excess, pl.boarding)
		pl.boarding -= take
		excess -= take
		take = min(excess, nRural-1)
		nRural -= take
		excess -= take
		if excess > 0 {
			return schoolPlan{}, fmt.Errorf("demo: the city has only %d villages for its rural schools; use more pupils", nVillages)
		}
		toCore := take * 45 / 100
		nCore += toCore
		nTown += take - toCore
	}
	pl.core = splitKinds(nCore, 0.32, 0.08)
	w := make([]float64, nTowns)
	for k := range w {
		w[k] = float64(gen.townPupils[k])
	}
	// Every town gets at least one school.
	per := apportion(nTown-nTowns, w)
	pl.towns = make([][3]int, nTowns)
	for k := range per {
		pl.towns[k] = splitKinds(per[k]+1, 0.23, 0.2)
	}
	pl.rural = splitKinds(nRural, 0.09, 0.17)
	return pl, nil
}

// markNonResidential marks some dense blocks as parks, offices and
// factories: streets but no homes. The industrial wedge has more of them.
func (gen *generator) markNonResidential() {
	g, lay := gen.c.g, gen.c.lay
	for bb := 0; bb+blockCells <= g.nj; bb += blockCells {
		for ba := 0; ba+blockCells <= g.ni; ba += blockCells {
			x, y := g.cellCenter(ba+blockCells/2, bb+blockCells/2)
			reg := lay.regionAt(x, y)
			if reg < regionCore {
				continue
			}
			p := 0.07
			if reg == regionCore && lay.inIndustrialWedge(x, y) {
				p = 0.3
			}
			if reg >= regionTown && lay.towns[reg-regionTown].industrial {
				p = 0.25
			}
			if gen.rng.Float64() >= p {
				continue
			}
			for b := bb; b < bb+blockCells; b++ {
				for a := ba; a < ba+blockCells; a++ {
					g.cflag[g.cidx(a, b)] |= cNonRes
				}
			}
		}
	}
}

// site is a 2×2-cell school site in a dense region; (a, b) is its centre
// vertex.
type site struct {
	a, b int
	x, y float64
	w    float64
}

// siteCandidates lists the free 2×2 quadrants of blocks in region reg.
func (gen *generator) siteCandidates(reg int) []site {
	g, lay := gen.c.g, gen.c.lay
	var out []site
	for b := 0; b+2 <= g.nj; b += 2 {
		for a := 0; a+2 <= g.ni; a += 2 {
			ok := true
			for db := range 2 {
				for da := range 2 {
					c := g.cidx(a+da, b+db)
					if int(g.creg[c]) != reg || g.cflag[c]&cEligible == 0 || g.cflag[c]&cSchool != 0 {
						ok = false
					}
				}
			}
			if !ok {
				continue
			}
			x, y := g.pos(a+1, b+1)
			w := 1.0
			if reg == regionCore {
				w = lay.coreDensity(x, y)
			}
			out = append(out, site{a: a + 1, b: b + 1, x: x, y: y, w: w})
		}
	}
	return out
}

// coreDensity is the relative residential density in the core, highest in
// the centre.
func (l *layout) coreDensity(x, y float64) float64 {
	return 0.6 + 0.9*math.Exp(-math.Hypot(x, y)/(0.45*l.core.r))
}

// pickSites chooses n sites from cands by dart throwing: roughly evenly
// spread, denser where w is higher. filter (may be nil) restricts site k.
// group[k] (nil: all in one group) is a bit set; site k keeps its distance
// only from chosen sites whose group shares a bit, so that each stage's
// schools are spread out on their own.
func (gen *generator) pickSites(cands []site, n int, filter func(k int, s site) bool, group []uint8) ([]site, error) {
	if n == 0 {
		return nil, nil
	}
	if group == nil {
		group = slices.Repeat([]uint8{1}, n)
	}
	// Sites per group bit, for the spacing each bit's sites aim at.
	var perBit [8]int
	for _, gm := range group {
		for b := range 8 {
			if gm&(1<<b) != 0 {
				perBit[b]++
			}
		}
	}
	g := gen.c.g
	rng := gen.rng
	wmax := 0.0
	for _, c := range cands {
		wmax = max(wmax, c.w)
	}
	area := float64(len(cands)) * 4 * cellW * cellH
	taken := make([]bool, len(cands))
	var out []site
	for k := range n {
		most := 1
		for b := range 8 {
			if group[k]&(1<<b) != 0 {
				most = max(most, perBit[b])
			}
		}
		spacing := 0.75 * math.Sqrt(area/float64(most))
		best, bestD := -1, -1.0
		for try := 0; try < 80 || (best < 0 && try < 20*len(cands)); try++ {
			i := rng.IntN(len(cands))
			c := cands[i]
			if taken[i] || (filter != nil && !filter(k, c)) || rng.Float64()*wmax > c.w {
				continue
			}
			d := math.Inf(1)
			for j, o := range out {
				if group[j]&group[k] != 0 {
					d = min(d, math.Hypot(o.x-c.x, o.y-c.y))
				}
			}
			if d > bestD {
				best, bestD = i, d
			}
			if d >= spacing {
				break
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("demo: no free school site (%d of %d placed); the city is too small for this many schools", k, n)
		}
		taken[best] = true
		// A site blocks the 3×3 neighbourhood of quadrants, so sites never overlap.
		c := cands[best]
		for i := range cands {
			if !taken[i] && abs(cands[i].a-c.a) < 2 && abs(cands[i].b-c.b) < 2 {
				taken[i] = true
			}
		}
		for db := -1; db <= 0; db++ {
			for da := -1; da <= 0; da++ {
				g.cflag[g.cidx(c.a+da, c.b+db)] |= cSchool
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// addSchool appends a school to the generator's list.
func (gen *generator) addSchool(si schoolInfo) {
	gen.c.sch = append(gen.c.sch, si)
}

// placeDenseSchools puts the core and town schools (public, private and
// purchased-place ones) on sites of their region.
func (gen *generator) placeDenseSchools(pl schoolPlan) error {
	lay := gen.c.lay
	nTowns := len(lay.towns)
	// Private schools: two thirds in the core, the rest spread over towns.
	// Purchased-place schools: half in the industrial wedge, half in the
	// industrial town.
	type extra struct {
		own      data.Ownership
		region   int
		industry bool
	}
	var extras []extra
	for k := range pl.private {
		reg := regionCore
		if k%3 == 2 {
			reg = regionTown + (k/3)%nTowns
		}
		extras = append(extras, extra{data.Private, reg, false})
	}
	for k := range pl.purchased {
		reg := regionCore
		if k%2 == 1 {
			reg = regionTown
		}
		extras = append(extras, extra{data.Purchased, reg, true})
	}
	for reg := regionCore; reg < regionTown+nTowns; reg++ {
		kinds := pl.core
		if reg >= regionTown {
			kinds = pl.towns[reg-regionTown]
		}
		// Nine-year and junior schools first: they are fewer and most need
		// spreading out.
		var infos []schoolInfo
		for _, kind := range []schoolKind{nineYearSchool, juniorSchool, primarySchool} {
			for range kinds[kind] {
				infos = append(infos, schoolInfo{kind: kind, region: reg, ownership: data.Public, village: -1})
			}
		}
		for i, e := range extras {
			if e.region != reg {
				continue
			}
			infos = append(infos, schoolInfo{
				kind: schoolKind([]int{0, 2, 1}[i%3]), region: reg, ownership: e.own,
				industry: e.industry && reg == regionCore, village: -1,
			})
		}
		// Public schools are spread per stage; the others among themselves.
		group := make([]uint8, len(infos))
		for k, si := range infos {
			switch {
			case si.ownership != data.Public:
				group[k] = 4
			case si.kind == primarySchool:
				group[k] = 1
			case si.kind == juniorSchool:
				group[k] = 2
			default:
				group[k] = 3
			}
		}
		cands := gen.siteCandidates(reg)
		sites, err := gen.pickSites(cands, len(infos), func(k int, s site) bool {
			return !infos[k].industry || lay.inIndustrialWedge(s.x, s.y)
		}, group)
		if err != nil {
			// An industrial-wedge site may not exist in a tiny city: retry unrestricted.
			sites, err = gen.pickSites(cands, len(infos), nil, group)
			if err != nil {
				where := "core"
				if reg >= regionTown {
					where = "town " + lay.towns[reg-regionTown].name
				}
				return fmt.Errorf("%s: %w", where, err)
			}
		}
		for k := range infos {
			infos[k].x, infos[k].y = sites[k].x, sites[k].y
			gen.addSchool(infos[k])
		}
	}
	return nil
}

// splitRect cuts a block into compound rectangles by random guillotine cuts.
func (gen *generator) splitRect(a0, b0, a1, b1 int, out *[][4]int) {
	wa, wb := a1-a0, b1-b0
	area := wa * wb
	target := []int{1, 2, 2, 3, 4, 4, 4, 6, 6, 8}[gen.rng.IntN(10)]
	if area <= target && wa <= 4 && wb <= 4 {
		*out = append(*out, [4]int{a0, b0, a1, b1})
		return
	}
	if wa > wb || (wa == wb && gen.rng.IntN(2) == 0) {
		cut := a0 + 1 + gen.rng.IntN(wa-1)
		gen.splitRect(a0, b0, cut, b1, out)
		gen.splitRect(cut, b0, a1, b1, out)
		return
	}
	cut := b0 + 1 + gen.rng.IntN(wb-1)
	gen.splitRect(a0, b0, a1, cut, out)
	gen.splitRect(a0, cut, a1, b1, out)
}

// compounds tiles the residential cells of dense blocks with compounds.
func (gen *generator) compounds() {
	g := gen.c.g
	var rects [][4]int
	usable := func(a, b int) bool {
		f := g.cflag[g.cidx(a, b)]
		return g.creg[g.cidx(a, b)] >= regionCore && f&cEligible != 0 && f&(cSchool|cUsed|cNonRes) == 0
	}
	for bb := 0; bb+blockCells <= g.nj; bb += blockCells {
		for ba := 0; ba+blockCells <= g.ni; ba += blockCells {
			any := false
			for b := bb; b < bb+blockCells && !any; b++ {
				for a := ba; a < ba+blockCells; a++ {
					if usable(a, b) {
						any = true
						break
					}
				}
			}
			if !any {
				continue
			}
			rects = rects[:0]
			gen.splitRect(ba, bb, ba+blockCells, bb+blockCells, &rects)
			for _, r := range rects {
				whole := true
				reg := g.creg[g.cidx(r[0], r[1])]
				for b := r[1]; b < r[3]; b++ {
					for a := r[0]; a < r[2]; a++ {
						if !usable(a, b) || g.creg[g.cidx(a, b)] != reg {
							whole = false
						}
					}
				}
				if whole {
					gen.addCompound(r[0], r[1], r[2], r[3])
					continue
				}
				for b := r[1]; b < r[3]; b++ {
					for a := r[0]; a < r[2]; a++ {
						if usable(a, b) {
							gen.addCompound(a, b, a+1, b+1)
						}
					}
				}
			}
		}
	}
}

// compoundRing returns the compound's outline in local metres: every grid
// vertex on its border, counter-clockwise, closed.
func (g *grid) compoundRing(a0, b0, a1, b1 int) [][2]float64 {
	var r [][2]float64
	add := func(a, b int) {
		x, y := g.pos(a, b)
		r = append(r, [2]float64{x, y})
	}
	for a := a0; a < a1; a++ {
		add(a, b0)
	}
	for b := b0; b < b1; b++ {
		add(a1, b)
	}
	for a := a1; a > a0; a-- {
		add(a, b1)
	}
	for b := b1; b > b0; b-- {
		add(a0, b)
	}
	add(a0, b0)
	return r
}

// centroid is the area centroid of a closed ring.
func centroid(r [][2]float64) (x, y float64) {
	var a, cx, cy float64
	for i := 0; i+1 < len(r); i++ {
		c := r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
		a += c
		cx += (r[i][0] + r[i+1][0]) * c
		cy += (r[i][1] + r[i+1][1]) * c
	}
	return cx / (3 * a), cy / (3 * a)
}

func (gen *generator) addCompound(a0, b0, a1, b1 int) {
	g, lay := gen.c.g, gen.c.lay
	for b := b0; b < b1; b++ {
		for a := a0; a < a1; a++ {
			g.cflag[g.cidx(a, b)] |= cUsed
		}
	}
	reg := int(g.creg[g.cidx(a0, b0)])
	x, y := centroid(g.compoundRing(a0, b0, a1, b1))
	cells := float64((a1 - a0) * (b1 - b0))
	u := unitInfo{kind: kindCompound, region: reg, x: x, y: y,
		a0: int32(a0), b0: int32(b0), a1: int32(a1), b1: int32(b1)}
	if reg == regionCore {
		u.industrial = lay.inIndustrialWedge(x, y)
		u.weight = cells * lay.coreDensity(x, y) * lognormal(gen.rng, 0.3)
	} else {
		t := &lay.towns[reg-regionTown]
		d, _ := t.dist(x, y)
		u.industrial = t.industrial
		u.weight = cells * (0.7 + 0.5*math.Exp(-d/t.shape.r)) * lognormal(gen.rng, 0.3)
	}
	u.name = gen.names.compound()
	gen.c.units = append(gen.c.units, u)
}

// pointOK reports whether a point unit may sit at (x, y): inside the
// boundary with margin, clear of corridors, outside the core, towns and the
// motorway ring's inner side.
func (gen *generator) pointOK(x, y, clear float64) bool {
	lay := gen.c.lay
	if !lay.poly.contains(x, y) || lay.clearance(x, y) < clear {
		return false
	}
	// Keep a margin from the boundary.
	r := math.Hypot(x, y)
	if r > lay.boundary.at(math.Atan2(y, x))-60 {
		return false
	}
	if math.Hypot(x, y) < lay.bars[ring].radius+ringHalfWidth+clear {
		return false
	}
	return lay.regionAt(x, y) == regionRural
}

// fringes scatters point units around each town: 35% of its pupils.
func (gen *generator) fringes() {
	lay, rng := gen.c.lay, gen.rng
	for k := range lay.towns {
		t := &lay.towns[k]
		n := int(math.Round(0.35 * float64(t.pupils) / 20))
		placed := 0
		for try := 0; placed < n && try < 40*n; try++ {
			phi := 2 * math.Pi * rng.Float64()
			r := t.shape.at(phi) + 40 + rng.Float64()*0.75*t.shape.r
			x, y := t.x+r*math.Cos(phi), t.y+r*math.Sin(phi)
			if !gen.pointOK(x, y, 50) {
				continue
			}
			placed++
			gen.c.units = append(gen.c.units, unitInfo{
				kind: kindFringe, region: regionTown + k, industrial: t.industrial,
				x: x, y: y, weight: lognormal(rng, 0.35),
				name: gen.names.compound(),
			})
		}
	}
}

// placeVillages places village centres on a jittered lattice over the
// rural area.
func (gen *generator) placeVillages(ruralP int) {
	lay, rng := gen.c.lay, gen.rng
	nV := max(2, int(math.Round(float64(ruralP)/120)))
	// Rural area: the boundary disc minus the ring disc and town footprints.
	area := math.Pi * (lay.boundary.r*lay.boundary.r - lay.bars[ring].radius*lay.bars[ring].radius)
	for k := range lay.towns {
		area -= math.Pi * math.Pow(1.75*lay.towns[k].shape.r, 2)
	}
	area = max(area, 1e6*lay.scale*lay.scale)
	spacing := math.Sqrt(area / float64(nV))
	rmax := lay.boundary.maxR()
	n := int(math.Ceil(rmax/spacing)) + 1
	var vs []village
	for j := -n; j <= n; j++ {
		for i := -n; i <= n; i++ {
			x := (float64(i) + 0.15 + 0.7*rng.Float64()) * spacing
			y := (float64(j) + 0.15 + 0.7*rng.Float64()) * spacing
			if !gen.pointOK(x, y, 250) {
				continue
			}
			vs = append(vs, village{x: x, y: y, name: gen.names.place()})
		}
	}
	gen.villages = vs
}

// villageGroups gives every village a handful of group units (村民小组)
// around its centre.
func (gen *generator) villageGroups(ruralP int) {
	vs, rng := gen.villages, gen.rng
	if len(vs) == 0 {
		return
	}
	groups := float64(ruralP) / 17 / float64(len(vs))
	for _, v := range vs {
		ng := max(2, int(math.Round(groups*(0.6+0.8*rng.Float64()))))
		phi0 := 2 * math.Pi * rng.Float64()
		k := 0
		for gi := range ng {
			phi := phi0 + 2*math.Pi*(float64(gi)+0.3*rng.Float64())/float64(ng)
			r := 70 + 130*rng.Float64()
			x, y := v.x+r*math.Cos(phi), v.y+r*math.Sin(phi)
			if !gen.pointOK(x, y, 40) {
				continue
			}
			gen.c.units = append(gen.c.units, unitInfo{
				kind: kindVillage, region: regionRural, x: x, y: y,
				weight: lognormal(rng, 0.3), name: groupName(v.name, k),
			})
			k++
		}
	}
}

// placeRuralSchools puts rural public and boarding schools at village
// centres, spread out.
func (gen *generator) placeRuralSchools(pl schoolPlan) error {
	var infos []schoolInfo
	for kind := range 3 {
		for range pl.rural[kind] {
			infos = append(infos, schoolInfo{kind: schoolKind(kind), region: regionRural, ownership: data.Public})
		}
	}
	for k := range pl.boarding {
		kind := juniorSchool
		if k%2 == 1 {
			kind = nineYearSchool
		}
		infos = append(infos, schoolInfo{kind: kind, region: regionRural, ownership: data.Public, boarding: true})
	}
	cands := make([]site, len(gen.villages))
	for i, v := range gen.villages {
		cands[i] = site{a: i, x: v.x, y: v.y, w: 1}
	}
	if len(cands) < len(infos) {
		return fmt.Errorf("demo: %d rural schools but only %d villages; use fewer schools", len(infos), len(cands))
	}
	// pickSites marks grid cells; villages are off-grid, so pick here.
	rng := gen.rng
	spacing := 0.0
	if n := len(infos); n > 0 {
		lay := gen.c.lay
		spacing = 0.7 * math.Sqrt(math.Pi*lay.boundary.r*lay.boundary.r*0.8/float64(n))
	}
	taken := make([]bool, len(cands))
	var chosen []site
	for k := range infos {
		best, bestD := -1, -1.0
		for try := 0; try < 80 || best < 0; try++ {
			i := rng.IntN(len(cands))
			if taken[i] {
				continue
			}
			c := cands[i]
			d := math.Inf(1)
			for _, o := range chosen {
				d = min(d, math.Hypot(o.x-c.x, o.y-c.y))
			}
			if d > bestD {
				best, bestD = i, d
			}
			if d >= spacing {
				break
			}
		}
		taken[best] = true
		c := cands[best]
		chosen = append(chosen, c)
		infos[k].x, infos[k].y = c.x, c.y
		infos[k].village = best
		infos[k].place = gen.villages[best].name
		gen.addSchool(infos[k])
	}
	return nil
}

// allocatePupils spreads each region's pupils over its units by weight, then
// splits them into stages and marks migrant children.
func (gen *generator) allocatePupils(coreP, ruralP int) error {
	units := gen.c.units
	nTowns := len(gen.c.lay.towns)
	// Groups of units sharing a pupil total.
	type pool struct {
		idx   []int
		total int
	}
	pools := make([]pool, 2+2*nTowns)
	// 0: core, 1: rural, 2+2k: town k compounds, 3+2k: town k fringe.
	for i := range units {
		u := &units[i]
		switch {
		case u.region == regionCore:
			pools[0].idx = append(pools[0].idx, i)
		case u.region == regionRural:
			pools[1].idx = append(pools[1].idx, i)
		case u.kind == kindCompound:
			pools[2+2*(u.region-regionTown)].idx = append(pools[2+2*(u.region-regionTown)].idx, i)
		default:
			pools[3+2*(u.region-regionTown)].idx = append(pools[3+2*(u.region-regionTown)].idx, i)
		}
	}
	pools[0].total = coreP
	pools[1].total = ruralP
	for k := range nTowns {
		tp := gen.townPupils[k]
		c, f := &pools[2+2*k], &pools[3+2*k]
		switch {
		case len(c.idx) == 0:
			f.total = tp
		case len(f.idx) == 0:
			c.total = tp
		default:
			c.total = int(math.Round(0.65 * float64(tp)))
			f.total = tp - c.total
		}
	}
	for pi, p := range pools {
		if p.total > 0 && len(p.idx) == 0 {
			return fmt.Errorf("demo: internal error: no units for pupil pool %d (%d pupils)", pi, p.total)
		}
		w := make([]float64, len(p.idx))
		for k, i := range p.idx {
			w[k] = units[i].weight
		}
		for k, n := range apportion(p.total, w) {
			gen.setPupils(p.idx[k], n)
		}
	}
	return nil
}

// setPupils records a unit's pupils: primary ≈ 2/3 (six grades against
// three), migrants at the unit's district share.
func (gen *generator) setPupils(i, n int) {
	rng := gen.rng
	u := &gen.c.units[i]
	prim := binomial(rng, n, 2.0/3)
	pupils := [data.NumStages]int{prim, n - prim}
	share := 0.03
	switch {
	case u.region == regionRural:
		share = 0 // 随迁子女 live in urban and town areas (POLICY.md A3)
	case u.industrial:
		share = 0.10 + 0.30*rng.Float64()
	}
	for st := range data.NumStages {
		u.pupils[st] = pupils[st]
		u.migrants[st] = binomial(rng, pupils[st], share)
	}
}
