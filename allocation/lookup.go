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
	// Meters is the home-to-school distance of the zone school.
	Meters float64 `json:"distance_m"`
	// Placement is "zone" when the unit's pupils are all placed at the
	// zone school, "partial" when some overflow, "overflow" or "unplaced"
	// when none fit.
	Placement string `json:"placement"`
	// Overflow lists the schools that take the unit's pupils who do not fit.
	Overflow    []string `json:"overflow_schools,omitempty"`
	Explanation string   `json:"explanation"`
}

// NearSchool is a school near a looked-up point, for information.
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
			if len(nb) > 0 && zoneIdx[st][nb[0].ID] == s {
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
