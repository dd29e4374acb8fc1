package allocation

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"catchment/data"
	"catchment/geo"
)

// Locator finds the residential unit that contains a point (geo/cells'
// Tessellation is one). It must be safe for concurrent use.
type Locator interface {
	Locate(p orb.Point) (unit int, ok bool)
}

// StageAnswer is a parent's answer for one stage.
type StageAnswer struct {
	Stage      string `json:"stage"`
	SchoolID   string `json:"school_id"`
	SchoolName string `json:"school_name"`
	// Meters is the home-to-school distance of the zone school by the
	// plan's metric: metres walked along the streets for a plan measured
	// on a road network (Plan.Metric "walking"), else the straight line.
	Meters float64 `json:"distance_m"`
	// Placement is "zone" when the unit's pupils are all placed at the
	// zone school (so also when it has none), "partial" when some overflow, "overflow" or "unplaced"
	// when none fit.
	Placement string `json:"placement"`
	// Overflow lists the schools that take the unit's pupils who do not fit.
	Overflow []string `json:"overflow_schools,omitempty"`
	// Explanation says why, in plain words. For a plan measured on a road
	// network it speaks of distances on foot and never justifies the zone
	// by straight-line nearness (its zones were not drawn by it).
	Explanation string `json:"explanation"`
}

// NearSchool is a school near a looked-up point, for information. Meters
// is always the straight line, whatever the plan's metric.
type NearSchool struct {
	SchoolID string  `json:"school_id"`
	Name     string  `json:"name"`
	Stage    string  `json:"stage"`
	Meters   float64 `json:"distance_m"`
}

// Answer is the result of a parent look-up.
type Answer struct {
	// Inside is false when the point is outside every zoned unit.
	Inside   bool          `json:"inside"`
	UnitID   string        `json:"unit_id,omitempty"`
	UnitName string        `json:"unit_name,omitempty"`
	Stages   []StageAnswer `json:"stages,omitempty"`
	// Nearest lists the nearest schools per stage when Inside is false.
	Nearest []NearSchool `json:"nearest,omitempty"`
	Message string       `json:"message,omitempty"`
}

// Lookup answers "which school is mine?" from a plan. All answers for
// units are computed once by NewLookup, so At costs one point location.
// The explanations follow the plan's metric: a straight-line plan names
// the nearest school in a straight line; a plan measured on foot gives the
// walked distance and the barriers and major roads its walk crosses.
// A Lookup is immutable and safe for concurrent use; publish a new one with
// a new plan.
type Lookup struct {
	plan    *Plan
	loc     Locator
	answers [][data.NumStages]StageAnswer // per unit
	// per stage: index over the schools offering it, with their indices.
	index   [data.NumStages]*geo.PointIndex
	indexed [data.NumStages][]int32
}

// NewLookup prepares the answers of every unit of plan p.
func NewLookup(p *Plan, loc Locator) *Lookup {
	ds := p.Dataset
	walking := onFoot(p)
	l := &Lookup{plan: p, loc: loc, answers: make([][data.NumStages]StageAnswer, len(ds.Units))}
	for st := range data.NumStages {
		var pts []orb.Point
		for i := range ds.Schools {
			s := &ds.Schools[i]
			if s.Offers(data.Stage(st)) && s.Status == data.Open {
				pts = append(pts, s.Loc)
				l.indexed[st] = append(l.indexed[st], int32(i))
			}
		}
		l.index[st] = geo.NewPointIndex(pts, ds.Planar)
	}
	zoneable := [data.NumStages]*geo.PointIndex{}
	var zoneIdx [data.NumStages][]int32
	for st := range data.NumStages {
		var pts []orb.Point
		for i := range ds.Schools {
			if ds.Schools[i].Zoneable(data.Stage(st)) {
				pts = append(pts, ds.Schools[i].Loc)
				zoneIdx[st] = append(zoneIdx[st], int32(i))
			}
		}
		zoneable[st] = geo.NewPointIndex(pts, ds.Planar)
	}
	var nb []geo.Neighbor
	for u := range ds.Units {
		for st := range data.NumStages {
			a := &l.answers[u][st]
			a.Stage = data.Stage(st).String()
			a.Placement = "none"
			sp := &p.Stages[st]
			un := &ds.Units[u]
			if un.Pupils[st] == 0 && (sp.Zone == nil || sp.Zone[u] < 0) {
				a.Explanation = fmt.Sprintf("No %s pupils are recorded in %s, so it has no %s zone yet; ask the education bureau.",
					data.Stage(st), unitName(un), data.Stage(st))
				continue
			}
			s := int32(-1)
			if sp.Zone != nil {
				s = sp.Zone[u]
			}
			var inZone, out, unplaced int32
			var over []string
			for _, pl := range p.PlacementsOf(data.Stage(st), u) {
				switch pl.Kind {
				case InZone:
					inZone += pl.Pupils
				case Overflow:
					out += pl.Pupils
					over = append(over, ds.Schools[pl.School].ID)
				case Unplaced:
					unplaced += pl.Pupils
				}
			}
			a.Overflow = over
			switch {
			case inZone+out+unplaced == 0 && s >= 0:
				a.Placement = "zone" // no pupils here yet, but a zone
			case inZone > 0 && out+unplaced == 0:
				a.Placement = "zone"
			case inZone > 0:
				a.Placement = "partial"
			case out > 0:
				a.Placement = "overflow"
			default:
				a.Placement = "unplaced"
			}
			if s < 0 {
				a.Explanation = "No school offering this stage can be reached from here; pupils are placed by the bureau (统筹安排)."
				continue
			}
			sc := &ds.Schools[s]
			a.SchoolID, a.SchoolName, a.Meters = sc.ID, sc.Name, sp.ZoneMeters[u]
			nb = zoneable[st].Nearest(un.Loc, 1, nb[:0])
			why := ""
			if walking {
				nearest := int32(-1)
				if len(nb) > 0 {
					nearest = zoneIdx[st][nb[0].ID]
				}
				var mapMeters float64
				if len(nb) > 0 {
					mapMeters = nb[0].Meters
				}
				why = walkingWhy(ds, sp, u, s, nearest, mapMeters)
			} else if len(nb) > 0 && zoneIdx[st][nb[0].ID] == s {
				why = fmt.Sprintf("%s is the nearest school for this stage (%s).", nameOf(sc), km(a.Meters))
			} else if len(nb) > 0 {
				n := &ds.Schools[zoneIdx[st][nb[0].ID]]
				why = fmt.Sprintf("%s is %s away. The nearer %s (%s in a straight line) has its seats filled by compounds closer to it, so this compound is zoned to the nearest school with room.",
					nameOf(sc), km(a.Meters), nameOf(n), km(nb[0].Meters))
			}
			switch a.Placement {
			case "partial":
				why += fmt.Sprintf(" The zone has more children than seats: %d of %d pupils here are placed at other schools by priority tier (统筹安排).", out+unplaced, inZone+out+unplaced)
			case "overflow":
				why += " The zone has more children than seats: pupils here with lower admission priority are placed at other schools (统筹安排)."
			case "unplaced":
				why += " There are not enough seats within reach: the bureau will place these pupils case by case."
			}
			a.Explanation = why
		}
	}
	return l
}

// onFoot reports whether p is measured on a road network (walked metres)
// rather than by straight line.
func onFoot(p *Plan) bool {
	switch p.Metric {
	case "", geo.Geodesic{}.Name(), geo.Euclidean{}.Name():
		return false
	}
	return true
}

// walkingWhy explains the zone school s of unit u in stage plan sp of a
// plan measured on foot. nearest is the zoneable school nearest to the unit
// in a straight line (-1 for none), mapMeters its straight-line distance.
// It never calls a school nearer by straight line: the plan is measured on
// foot (and its zones may have been drawn on foot or, with solve --zone-by
// straight, by straight line), so the school nearest on the map is only
// named, with the reasons it may not be the zone school.
func walkingWhy(ds *data.Dataset, sp *StagePlan, u int, s, nearest int32, mapMeters float64) string {
	sc := &ds.Schools[s]
	m := sp.ZoneMeters[u]
	if math.IsNaN(m) || m >= math.MaxFloat32 {
		return fmt.Sprintf("%s cannot be reached on foot along the mapped streets from here; ask the education bureau.", nameOf(sc))
	}
	why := fmt.Sprintf("%s is %s away on foot, along the streets.", nameOf(sc), km(m))
	if sp.ZoneBarriers != nil && sp.ZoneBarriers[u] > 0 {
		var kinds geo.BarrierKind
		if sp.ZoneBarrierKinds != nil {
			kinds = geo.BarrierKind(sp.ZoneBarrierKinds[u])
		}
		why += " The walk crosses " + barrierWords(kinds) + "."
	}
	if sp.ZoneCrossings != nil && sp.ZoneCrossings[u] > 0 {
		if sp.ZoneCrossings[u] == 1 {
			why += " It crosses a major road at street level."
		} else {
			why += fmt.Sprintf(" It crosses %d major roads at street level.", sp.ZoneCrossings[u])
		}
	}
	if nearest >= 0 && nearest != s {
		why += fmt.Sprintf(" %s looks nearer on the map (%s in a straight line), but distances here are measured on foot: the walk there can be longer (across a river, a railway or a motorway, or round a detour), and its seats may be filled by compounds closer to it.",
			nameOf(&ds.Schools[nearest]), km(mapMeters))
	}
	return why
}

// barrierWords names the barriers of kinds k a walk crosses, and how it
// crosses them ("a river or canal and a railway, on a bridge, in a tunnel
// or at a level crossing"); all three kinds, as possibilities, when k is
// empty (unknown).
func barrierWords(k geo.BarrierKind) string {
	if k&geo.AllBarrierKinds == 0 {
		return "a river, a railway or a motorway (on a bridge, in a tunnel or at a level crossing)"
	}
	var names []string
	for _, b := range geo.BarrierKinds {
		if k&b == 0 {
			continue
		}
		switch b {
		case geo.BarrierWater:
			names = append(names, "a river or canal")
		case geo.BarrierRailway:
			names = append(names, "a railway")
		case geo.BarrierMotorway:
			names = append(names, "a motorway")
		}
	}
	w := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			w += " and " + n
		} else {
			w += ", " + n
		}
	}
	if k&geo.BarrierRailway != 0 {
		return w + ", on a bridge, in a tunnel or at a level crossing"
	}
	return w + ", on a bridge or in a tunnel"
}

// At answers for point pt, in the plan's coordinates (WGS-84 or planar).
func (l *Lookup) At(pt orb.Point) Answer {
	if u, ok := l.loc.Locate(pt); ok && u >= 0 && u < len(l.answers) {
		un := &l.plan.Dataset.Units[u]
		st := l.answers[u]
		return Answer{Inside: true, UnitID: un.ID, UnitName: un.Name, Stages: st[:]}
	}
	return l.Outside(pt, 3)
}

// Unit returns the prepared answer of unit u.
func (l *Lookup) Unit(u int) Answer {
	un := &l.plan.Dataset.Units[u]
	st := l.answers[u]
	return Answer{Inside: true, UnitID: un.ID, UnitName: un.Name, Stages: st[:]}
}

// Outside answers for a point outside every unit: the k nearest open
// schools of each stage, for information only.
func (l *Lookup) Outside(pt orb.Point, k int) Answer {
	a := Answer{Inside: false, Message: "This location is outside the zoned area: no compound here is in a published zone. The nearest schools are listed for information; ask the education bureau."}
	if onFoot(l.plan) {
		a.Message = "This location is outside the zoned area: no compound here is in a published zone. The nearest schools in a straight line are listed for information (distances in a straight line, not on foot); ask the education bureau."
	}
	var nb []geo.Neighbor
	for st := range data.NumStages {
		if l.index[st].Len() == 0 {
			continue
		}
		nb = l.index[st].Nearest(pt, k, nb[:0])
		for _, n := range nb {
			s := &l.plan.Dataset.Schools[l.indexed[st][n.ID]]
			a.Nearest = append(a.Nearest, NearSchool{SchoolID: s.ID, Name: s.Name, Stage: data.Stage(st).String(), Meters: math.Round(n.Meters)})
		}
	}
	return a
}

// Plan returns the plan the lookup answers from.
func (l *Lookup) Plan() *Plan { return l.plan }

func nameOf(s *data.School) string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

func unitName(u *data.Unit) string {
	if u.Name != "" {
		return u.Name
	}
	return u.ID
}

func km(m float64) string {
	if m < 1000 {
		return fmt.Sprintf("%.0f m", m)
	}
	return fmt.Sprintf("%.1f km", m/1000)
}
