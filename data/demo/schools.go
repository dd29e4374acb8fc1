package demo

import (
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"catchment/data"
)

// Class sizes and grades behind the seat arithmetic: seats = classes × 45
// (primary) or × 50 (junior), and a school has the same number of classes in
// every grade of a stage. A "grade unit" is one class in every grade.
var (
	classSize   = [data.NumStages]int{45, 50}
	grades      = [data.NumStages]int{6, 3}
	unitSeats   = [data.NumStages]int{6 * 45, 3 * 50}
	stageOffers = [3][data.NumStages]bool{{true, false}, {false, true}, {true, true}}
)

// School size caps of POLICY.md B2, in pupils.
const (
	capSingleStage = 2000
	capNineYear    = 2500
)

// offers reports whether a school kind offers stage st.
func (k schoolKind) offers(st data.Stage) bool { return stageOffers[k][st] }

// zoneable mirrors data.School.Zoneable before the School value exists.
func (si *schoolInfo) zoneable(st data.Stage) bool {
	return si.ownership == data.Public && !si.boarding && si.kind.offers(st)
}

// nearest finds each unit's nearest zoneable school per stage, ignoring
// seats: today's zoning as a planner draws it by hand, and the demand each
// school was built for. Ties go to the lower school index.
func (gen *generator) nearest() {
	c := gen.c
	for st := range data.NumStages {
		var idx []int32
		for i := range c.sch {
			if c.sch[i].zoneable(data.Stage(st)) {
				idx = append(idx, int32(i))
			}
		}
		pi := newPointIndex(c.sch, idx)
		for ui := range c.units {
			u := &c.units[ui]
			u.nearest[st] = pi.nearest(u.x, u.y)
		}
	}
}

// pointIndex is a uniform bucket grid over school locations for nearest
// queries.
type pointIndex struct {
	sch          []schoolInfo
	x0, y0, size float64
	nx, ny       int
	cells        [][]int32
}

func newPointIndex(sch []schoolInfo, idx []int32) *pointIndex {
	p := &pointIndex{sch: sch}
	if len(idx) == 0 {
		return p
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, i := range idx {
		minX, maxX = min(minX, sch[i].x), max(maxX, sch[i].x)
		minY, maxY = min(minY, sch[i].y), max(maxY, sch[i].y)
	}
	// About two schools per bucket.
	p.size = max(100, math.Sqrt((maxX-minX+1)*(maxY-minY+1)/float64(len(idx))*2))
	p.x0, p.y0 = minX, minY
	p.nx = int((maxX-minX)/p.size) + 1
	p.ny = int((maxY-minY)/p.size) + 1
	p.cells = make([][]int32, p.nx*p.ny)
	for _, i := range idx {
		cx, cy := p.cell(sch[i].x, sch[i].y)
		p.cells[cy*p.nx+cx] = append(p.cells[cy*p.nx+cx], i)
	}
	return p
}

func (p *pointIndex) cell(x, y float64) (int, int) {
	cx := min(max(int((x-p.x0)/p.size), 0), p.nx-1)
	cy := min(max(int((y-p.y0)/p.size), 0), p.ny-1)
	return cx, cy
}

// nearest returns the indexed school nearest to (x, y), -1 if none.
func (p *pointIndex) nearest(x, y float64) int32 {
	if p.nx == 0 {
		return -1
	}
	cx, cy := p.cell(x, y)
	best, bd := int32(-1), math.Inf(1)
	for r := 0; ; r++ {
		// Rings 0..r-1 are done: every point outside them is at least
		// reach away.
		if best >= 0 {
			reach := math.Min(math.Min(x-(p.x0+float64(cx-r+1)*p.size), p.x0+float64(cx+r)*p.size-x),
				math.Min(y-(p.y0+float64(cy-r+1)*p.size), p.y0+float64(cy+r)*p.size-y))
			if reach*reach >= bd {
				return best
			}
		}
		if cx-r < 0 && cy-r < 0 && cx+r >= p.nx && cy+r >= p.ny {
			return best // the whole grid is done
		}
		for j := cy - r; j <= cy+r; j++ {
			if j < 0 || j >= p.ny {
				continue
			}
			for i := cx - r; i <= cx+r; i++ {
				if i < 0 || i >= p.nx || (j != cy-r && j != cy+r && i != cx-r && i != cx+r) {
					continue
				}
				for _, k := range p.cells[j*p.nx+i] {
					dx, dy := p.sch[k].x-x, p.sch[k].y-y
					d := dx*dx + dy*dy
					if d < bd || (d == bd && k < best) {
						best, bd = k, d
					}
				}
			}
		}
	}
}

// seats sizes every school in whole grade units. Public schools of a region
// share the region's seat budget (ratio × resident pupils) in proportion to
// the pupils they are nearest to, by the highest-averages method, within the
// size caps; a few core schools are allowed past the caps. Private,
// purchased-place and boarding schools get typical sizes on top.
func (gen *generator) seats() {
	c, rng := gen.c, gen.rng
	nTowns := len(c.lay.towns)
	// Demand each school is nearest to, per stage.
	load := make([][data.NumStages]float64, len(c.sch))
	var total [data.NumStages]int
	regionPupils := make([][data.NumStages]int, regionTown+nTowns)
	for i := range c.units {
		u := &c.units[i]
		for st := range data.NumStages {
			total[st] += u.pupils[st]
			regionPupils[u.region][st] += u.pupils[st]
			if u.nearest[st] >= 0 {
				load[u.nearest[st]][st] += float64(u.pupils[st])
			}
		}
	}
	// A few oversized core schools (大校额): about 6% of the core's public
	// schools, at least one when there are five or more.
	var corePublic []int
	for i := range c.sch {
		if c.sch[i].region == regionCore && c.sch[i].ownership == data.Public {
			corePublic = append(corePublic, i)
		}
	}
	if len(corePublic) >= 5 {
		nOver := max(1, int(math.Round(0.06*float64(len(corePublic)))))
		for _, k := range rng.Perm(len(corePublic))[:nOver] {
			c.sch[corePublic[k]].oversize = true
		}
	}
	noise := make([]float64, len(c.sch))
	for i := range noise {
		noise[i] = lognormal(rng, 0.15)
	}
	regions := []int{regionCore}
	for k := range nTowns {
		regions = append(regions, regionTown+k)
	}
	regions = append(regions, regionRural)
	for st := range data.NumStages {
		given := 0
		for _, reg := range regions {
			ratio := townSeatRatio
			switch reg {
			case regionCore:
				ratio = coreSeatRatio
			case regionRural:
				ratio = ruralSeatRatio
			}
			need := ceilDiv(ratio*float64(regionPupils[reg][st]), unitSeats[st])
			if reg == regionCore {
				// Round to the nearest grade unit: the shortage is the point.
				need = int(math.Round(ratio * float64(regionPupils[reg][st]) / float64(unitSeats[st])))
			}
			if reg == regionRural {
				need = max(need, ceilDiv(totalSeatRatio*float64(total[st])-float64(given), unitSeats[st]))
			}
			var members []int
			var w []float64
			for i := range c.sch {
				si := &c.sch[i]
				if si.region != reg || !si.zoneable(data.Stage(st)) {
					continue
				}
				wi := (load[i][st] + 0.05*float64(unitSeats[st])) * noise[i]
				if si.oversize {
					wi *= 1.5
				}
				members = append(members, i)
				w = append(w, wi)
			}
			gen.highestAverages(members, w, need, data.Stage(st))
			for _, i := range members {
				given += c.sch[i].perGrade[st] * unitSeats[st]
			}
		}
	}
	for i := range c.sch {
		si := &c.sch[i]
		if si.zoneable(data.Primary) || si.zoneable(data.Junior) {
			continue
		}
		switch {
		case si.boarding && si.kind == juniorSchool:
			si.perGrade[data.Junior] = 4 + rng.IntN(5)
		case si.boarding:
			si.perGrade = [data.NumStages]int{1 + rng.IntN(2), 3 + rng.IntN(4)}
		case si.kind == primarySchool:
			si.perGrade[data.Primary] = 2 + rng.IntN(3)
		case si.kind == juniorSchool:
			si.perGrade[data.Junior] = 3 + rng.IntN(6)
		default:
			si.perGrade = [data.NumStages]int{2 + rng.IntN(2), 2 + rng.IntN(4)}
		}
	}
}

func ceilDiv(x float64, unit int) int {
	return max(0, int(math.Ceil(x/float64(unit)-1e-9)))
}

// capUnits is the most grade units school i may get in stage st.
func (si *schoolInfo) capUnits(st data.Stage) int {
	var c int
	switch {
	case si.kind != nineYearSchool:
		c = capSingleStage / unitSeats[st]
	case st == data.Primary:
		c = 5
	default:
		c = (capNineYear - si.perGrade[data.Primary]*unitSeats[data.Primary]) / unitSeats[data.Junior]
	}
	if si.oversize {
		c += 3
	}
	return c
}

// highestAverages gives need grade units to the members (at least one
// each), in proportion to w (D'Hondt), preferring schools under their cap.
func (gen *generator) highestAverages(members []int, w []float64, need int, st data.Stage) {
	c := gen.c
	for _, i := range members {
		c.sch[i].perGrade[st] = 1
	}
	for given := len(members); given < need; given++ {
		best, bq, bestAny, bqAny := -1, -1.0, -1, -1.0
		for k, i := range members {
			q := w[k] / float64(c.sch[i].perGrade[st]+1)
			if q > bqAny {
				bestAny, bqAny = i, q
			}
			if c.sch[i].perGrade[st] < c.sch[i].capUnits(st) && q > bq {
				best, bq = i, q
			}
		}
		if best < 0 {
			best = bestAny
		}
		if best < 0 {
			return
		}
		c.sch[best].perGrade[st]++
	}
}

// resourceNorm is the POLICY.md §C threshold per pupil of each resource and
// stage, and the staff ratio (1:19 primary, 1:13.5 junior).
var resourceNorm = [data.NumResources][data.NumStages]float64{
	data.Staff:             {1 / 19.0, 1 / 13.5},
	data.QualifiedTeachers: {0.042, 0.053},
	data.KeyTeachers:       {0.01, 0.01},
	data.PEArtTeachers:     {0.009, 0.009},
	data.BuildingM2:        {4.5, 5.8},
	data.SportsM2:          {7.5, 10.2},
	data.EquipmentYuan:     {2000, 2500},
	data.MultimediaRooms:   {0.023, 0.024},
}

// resources gives most schools staff and resource figures near the
// POLICY.md §C thresholds (per seat), so that some schools pass and some
// fail: crowded core schools are short of sports ground, village schools of
// key teachers and equipment.
func (gen *generator) resources() {
	rng := gen.rng
	for i := range gen.c.sch {
		si := &gen.c.sch[i]
		if rng.Float64() < 0.1 {
			continue // figures not reported
		}
		school := 0.14 + 0.1*rng.NormFloat64()
		for r := range data.NumResources {
			shift := 0.0
			switch {
			case si.region == regionCore && (r == data.SportsM2 || r == data.BuildingM2):
				shift = -0.12
			case si.region == regionRural && (r == data.SportsM2 || r == data.BuildingM2):
				shift = 0.15
			case si.region == regionRural && (r == data.KeyTeachers || r == data.EquipmentYuan || r == data.QualifiedTeachers):
				shift = -0.1
			case si.ownership != data.Public:
				shift = 0.05
			}
			f := math.Exp(school + shift + 0.15*rng.NormFloat64())
			v := 0.0
			for st := range data.NumStages {
				v += float64(si.perGrade[st]*unitSeats[st]) * resourceNorm[r][st]
			}
			v *= f
			switch r {
			case data.EquipmentYuan:
				v = math.Round(v/1000) * 1000
			default:
				v = math.Round(v)
			}
			si.res[r] = v
		}
		si.hasRes = true
	}
}

// finishSchools names the schools and fills Dataset.Schools.
func (gen *generator) finishSchools() {
	c := gen.c
	width := max(4, len(strconv.Itoa(len(c.sch))))
	townFirstPrimary := make([]bool, len(c.lay.towns))
	out := make([]data.School, len(c.sch))
	for i := range c.sch {
		si := &c.sch[i]
		s := &out[i]
		s.ID = fmt.Sprintf("S%0*d", width, i+1)
		s.Loc = c.proj.lonLat(si.x, si.y)
		for st := range data.NumStages {
			s.Classes[st] = si.perGrade[st] * grades[st]
			s.Seats[st] = s.Classes[st] * classSize[st]
		}
		s.Ownership = si.ownership
		s.Boarding = si.boarding
		s.Status = data.Open
		switch {
		case si.region == regionCore:
			s.Area = data.Urban
		case si.region == regionRural:
			s.Area = data.Rural
		default:
			s.Area = data.Town
		}
		if si.ownership == data.Purchased {
			s.PurchasedSeats = int(math.Round(float64(s.Seats[data.Primary]+s.Seats[data.Junior]) * (0.4 + 0.4*gen.rng.Float64())))
		}
		if si.hasRes {
			s.Resources = si.res
			for r := range data.NumResources {
				s.HasResource[r] = true
			}
		}
		s.Name = gen.schoolName(si, townFirstPrimary)
	}
	c.Dataset.Schools = out
}

var kindSuffix = [3]string{"小学", "初级中学", "九年一贯制学校"}

func (gen *generator) schoolName(si *schoolInfo, townFirstPrimary []bool) string {
	n := gen.names
	switch {
	case si.ownership == data.Private:
		return n.unique(n.place(), []string{"外国语学校", "实验学校", "双语学校"}[gen.rng.IntN(3)], false)
	case si.ownership == data.Purchased:
		return n.unique(n.place(), []string{"育才学校", "育英学校"}[gen.rng.IntN(2)], false)
	case si.boarding:
		suffix := "寄宿制初级中学"
		if si.kind == nineYearSchool {
			suffix = "寄宿制学校"
		}
		return n.unique(si.place, suffix, false)
	case si.region == regionCore:
		base := n.place()
		if si.kind == primarySchool {
			base += "路"
		}
		return n.unique(base, kindSuffix[si.kind], false)
	case si.region == regionRural:
		return n.unique(si.place, kindSuffix[si.kind], false)
	}
	k := si.region - regionTown
	base := gen.c.lay.towns[k].name + "镇"
	if si.kind == primarySchool {
		if !townFirstPrimary[k] {
			townFirstPrimary[k] = true
			return n.unique(base, "中心小学", false)
		}
		return n.unique(base+n.place(), "小学", false)
	}
	return n.unique(base, kindSuffix[si.kind], false)
}

// finishUnits fills Dataset.Units.
func (gen *generator) finishUnits() {
	c := gen.c
	width := max(5, len(strconv.Itoa(len(c.units))))
	out := make([]data.Unit, len(c.units))
	for i := range c.units {
		ui := &c.units[i]
		u := &out[i]
		u.ID = fmt.Sprintf("U%0*d", width, i+1)
		u.Name = ui.name
		u.Loc = c.proj.lonLat(ui.x, ui.y)
		switch ui.region {
		case regionCore:
			u.Area = data.Urban
		case regionRural:
			u.Area = data.Rural
		default:
			u.Area = data.Town
		}
		u.Pupils = ui.pupils
		u.Migrants = ui.migrants
		if ui.kind == kindCompound {
			r := c.g.compoundRing(int(ui.a0), int(ui.b0), int(ui.a1), int(ui.b1))
			ring := make(orb.Ring, len(r))
			for k, p := range r {
				ring[k] = c.proj.lonLat(p[0], p[1])
			}
			u.Geom = orb.Polygon{ring}
			// The same centroid the units reader computes, so a written and
			// re-read city has identical unit locations.
			u.Loc, _ = planar.CentroidArea(u.Geom)
		}
	}
	c.Dataset.Units = out
}

// current writes today's zoning: every unit to its nearest zoneable school
// of each stage.
func (gen *generator) current() {
	c := gen.c
	out := make([]data.CurrentZone, 0, 2*len(c.units))
	for i := range c.units {
		for st := range data.NumStages {
			if s := c.units[i].nearest[st]; s >= 0 {
				out = append(out, data.CurrentZone{
					UnitID: c.Dataset.Units[i].ID, Stage: data.Stage(st), SchoolID: c.Dataset.Schools[s].ID,
				})
			}
		}
	}
	c.Dataset.Current = out
}

// candidates offers about two sites per school for new schools: most in the
// core, some on its edge, a few in towns.
func (gen *generator) candidates() {
	c, g, lay, rng := gen.c, gen.c.g, gen.c.lay, gen.rng
	n := 2 * len(c.sch)
	var coreCells, townCells []int
	for i, reg := range g.creg {
		if g.cflag[i]&cEligible == 0 || g.cflag[i]&cSchool != 0 {
			continue
		}
		switch {
		case reg == regionCore:
			coreCells = append(coreCells, i)
		case reg >= regionTown:
			townCells = append(townCells, i)
		}
	}
	width := max(4, len(strconv.Itoa(n)))
	out := make([]data.Candidate, 0, n)
	for k := 0; len(out) < n && k < 20*n; k++ {
		var x, y, landCost float64
		where := rng.Float64()
		switch {
		case where < 0.6 && len(coreCells) > 0:
			ci := coreCells[rng.IntN(len(coreCells))]
			x, y = g.fracPos(ci%g.ni, ci/g.ni, 0.5, 0.5)
			landCost = 6
		case where < 0.85:
			phi := 2 * math.Pi * rng.Float64()
			r := lay.core.at(phi) + rng.Float64()*(lay.bars[ring].radius-ringHalfWidth-lay.core.at(phi))
			x, y = r*math.Cos(phi), r*math.Sin(phi)
			if !lay.poly.contains(x, y) || lay.clearance(x, y) < 40 {
				continue
			}
			landCost = 3.5
		case len(townCells) > 0:
			ci := townCells[rng.IntN(len(townCells))]
			x, y = g.fracPos(ci%g.ni, ci/g.ni, 0.5, 0.5)
			landCost = 3
		default:
			continue
		}
		cand := data.Candidate{Loc: c.proj.lonLat(x, y)}
		switch t := rng.Float64(); {
		case t < 0.4:
			cand.Seats[data.Primary] = (3 + rng.IntN(4)) * unitSeats[data.Primary]
			cand.Name = "候选小学地块"
		case t < 0.7:
			cand.Seats[data.Junior] = (6 + rng.IntN(7)) * unitSeats[data.Junior]
			cand.Name = "候选初中地块"
		default:
			cand.Seats[data.Primary] = (3 + rng.IntN(3)) * unitSeats[data.Primary]
			cand.Seats[data.Junior] = (4 + rng.IntN(5)) * unitSeats[data.Junior]
			cand.Name = "候选九年一贯制地块"
		}
		// Cost in 万元: land and building per seat, dearer in the core.
		seatsTotal := float64(cand.Seats[data.Primary] + cand.Seats[data.Junior])
		cand.Cost = math.Round(seatsTotal * landCost * (0.8 + 0.45*rng.Float64()))
		cand.ID = fmt.Sprintf("C%0*d", width, len(out)+1)
		cand.Name += strconv.Itoa(len(out)+1) + "号"
		out = append(out, cand)
	}
	c.Dataset.Candidates = out
}
