package edit

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"catchment/allocation"
	"catchment/data"
	"catchment/geo"
)

// Evaluator keeps the zone-determined indicators of a zoning up to date
// under unit moves. A move touches two schools; the Evaluator re-derives
// only those two schools' figures (load, in-zone pupils by the overflow
// priority rules, contiguity, distances) and adjusts the stage totals, so
// a move costs O(size of the two zones), not O(units).
//
// Invariant: after any sequence of Move calls, Snapshot equals
// NewEvaluator(...).Snapshot on the resulting zones, and every figure it
// reports equals the corresponding figure of allocation.FromZones' report
// on the same zones (see Indicators for which ones).
//
// An Evaluator is not safe for concurrent use; Session serialises it.
type Evaluator struct {
	ds      *data.Dataset
	pol     allocation.Policy
	metric  geo.Metric
	adj     [][]int32
	current [data.NumStages][]int32
	st      [data.NumStages]*stageState
}

// stageState is the bookkeeping of one stage, on flat slices indexed by
// dataset unit and school index.
type stageState struct {
	stage data.Stage
	// zone is the zoning as edited, including units without pupils.
	zone []int32
	// meters[u] is the distance from u to zone[u] (MaxFloat32 when
	// unreachable), 0 when unzoned.
	meters []float64
	// members[s] lists the units with pupils of the stage zoned to s;
	// pos[u] is u's index in members[zone[u]].
	members [][]int32
	pos     []int32
	// per school
	load, inZone, inZoneUrban, components []int64
	zoneMeters                            []float64 // Σ pupils × meters over the zone
	tiers                                 []map[string]int
	// stage totals kept incrementally (integers only, so they are exact)
	pupils, urbanPupils, placedInZone, urbanInZone int64
	schoolsOver, pupilsOver, noncontiguous         int64
	reassignedUnits, reassignedPupils              int64
}

// NewEvaluator builds the bookkeeping for zones (zones[st][u] is a school
// index or -1; a nil stage zones nothing). Each stage's slice is copied.
// metric nil means straight-line; adjacency nil disables contiguity (every
// zone counts as contiguous, as in allocation.Evaluate).
func NewEvaluator(ds *data.Dataset, pol allocation.Policy, metric geo.Metric, adjacency [][]int32, zones [data.NumStages][]int32) (*Evaluator, error) {
	if ds == nil {
		return nil, fmt.Errorf("edit: evaluator: no dataset")
	}
	if metric == nil {
		metric = geo.StraightLine(ds.Planar)
	}
	if adjacency != nil && len(adjacency) != len(ds.Units) {
		return nil, fmt.Errorf("edit: evaluator: adjacency has %d rows for %d units", len(adjacency), len(ds.Units))
	}
	e := &Evaluator{ds: ds, pol: pol, metric: metric, adj: adjacency, current: allocation.CurrentZones(ds)}
	nS, nU := len(ds.Schools), len(ds.Units)
	for st := range data.NumStages {
		s := &stageState{stage: data.Stage(st), zone: make([]int32, nU), meters: make([]float64, nU),
			members: make([][]int32, nS), pos: make([]int32, nU),
			load: make([]int64, nS), inZone: make([]int64, nS), inZoneUrban: make([]int64, nS),
			components: make([]int64, nS), zoneMeters: make([]float64, nS), tiers: make([]map[string]int, nS)}
		e.st[st] = s
		for u := range s.zone {
			s.zone[u] = -1
			if zones[st] != nil {
				z := zones[st][u]
				if z >= 0 {
					// Like allocation.FromZones, a unit without pupils
					// of the stage may carry any school's zone.
					if err := e.checkSchool(data.Stage(st), z); err != nil && (ds.Units[u].Pupils[st] > 0 || int(z) >= nS) {
						return nil, fmt.Errorf("edit: evaluator: unit %q: %w", ds.Units[u].ID, err)
					}
					s.zone[u] = z
				}
			}
			n := int64(ds.Units[u].Pupils[st])
			s.pupils += n
			if urbanish(&ds.Units[u]) {
				s.urbanPupils += n
			}
			if n > 0 && s.zone[u] >= 0 {
				s.meters[u] = e.meters(u, s.zone[u])
				s.pos[u] = int32(len(s.members[s.zone[u]]))
				s.members[s.zone[u]] = append(s.members[s.zone[u]], int32(u))
				e.reassign(s, u, 1)
			}
		}
		for sc := range ds.Schools {
			e.refresh(s, int32(sc), 1)
		}
	}
	return e, nil
}

// checkSchool reports whether school z may be a zone school of stage st.
func (e *Evaluator) checkSchool(st data.Stage, z int32) error {
	if int(z) >= len(e.ds.Schools) || z < 0 {
		return fmt.Errorf("school index %d out of range", z)
	}
	if !e.ds.Schools[z].Offers(st) {
		return fmt.Errorf("school %q does not offer %s", e.ds.Schools[z].ID, st)
	}
	return nil
}

func urbanish(u *data.Unit) bool { return u.Area == data.Urban || u.Area == data.Town }

// meters measures like allocation.FromZones: unreachable is MaxFloat32.
func (e *Evaluator) meters(u int, s int32) float64 {
	m := e.metric.Meters(e.ds.Units[u].Loc, e.ds.Schools[s].Loc)
	if math.IsInf(m, 1) {
		m = math.MaxFloat32
	}
	return m
}

// reassign adds (sign 1) or removes (sign -1) unit u's contribution to the
// reassignment counts against today's zoning.
func (e *Evaluator) reassign(s *stageState, u int, sign int64) {
	cur := e.current[s.stage]
	if cur == nil {
		return
	}
	if c, z := cur[u], s.zone[u]; c >= 0 && z >= 0 && c != z && e.ds.Units[u].Pupils[s.stage] > 0 {
		s.reassignedUnits += sign
		s.reassignedPupils += sign * int64(e.ds.Units[u].Pupils[s.stage])
	}
}

// counted reports whether allocation.Evaluate lists school sc in stage st.
func (e *Evaluator) counted(st data.Stage, sc int32) bool {
	s := &e.ds.Schools[sc]
	return s.Offers(st) && s.Status != data.Closed
}

// refresh adds (sign 1) or removes (sign -1) school sc's contribution to
// the stage totals; with sign 1 it first re-derives the school's figures
// from its members.
func (e *Evaluator) refresh(s *stageState, sc int32, sign int64) {
	if sign > 0 {
		e.derive(s, sc)
	}
	st := s.stage
	s.placedInZone += sign * s.inZone[sc]
	s.urbanInZone += sign * s.inZoneUrban[sc]
	if e.counted(st, sc) {
		if over := s.load[sc] - int64(e.ds.Schools[sc].Seats[st]); over > 0 {
			s.schoolsOver += sign
			s.pupilsOver += sign * over
		}
		if s.components[sc] > 1 {
			s.noncontiguous += sign
		}
	}
}

// derive recomputes school sc's figures from its members: load, the
// overflow selection of allocation (lowest priority tier first, farthest
// units first), in-zone pupils, distance and zone components.
func (e *Evaluator) derive(s *stageState, sc int32) {
	ds, st := e.ds, s.stage
	ms := slices.Clone(s.members[sc])
	slices.Sort(ms)
	var load int64
	var zm float64
	for _, u := range ms {
		n := int64(ds.Units[u].Pupils[st])
		load += n
		zm += float64(n) * s.meters[u]
	}
	s.load[sc], s.zoneMeters[sc] = load, zm
	s.tiers[sc] = nil
	seats := int64(ds.Schools[sc].Seats[st])
	var urbanIn int64
	excess := load - seats
	if excess <= 0 {
		s.inZone[sc] = load
		for _, u := range ms {
			if urbanish(&ds.Units[u]) {
				urbanIn += int64(ds.Units[u].Pupils[st])
			}
		}
	} else {
		over := e.selectOverflow(s, sc, ms, excess)
		s.inZone[sc] = seats
		for i, u := range ms {
			if urbanish(&ds.Units[u]) {
				urbanIn += int64(ds.Units[u].Pupils[st]) - over[i]
			}
		}
	}
	s.inZoneUrban[sc] = urbanIn
	s.components[sc] = e.componentsOf(s, sc, ms)
}

// selectOverflow applies allocation.ZoneOverflow (the one rule for who
// overflows) to an over-full zone; ms is sorted by unit. It returns the
// overflowing pupils per member (parallel to ms) and records the tier
// tallies.
func (e *Evaluator) selectOverflow(s *stageState, sc int32, ms []int32, excess int64) []int64 {
	ds, st := e.ds, s.stage
	order := make([]int, len(ms))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		da, db := s.meters[ms[order[a]]], s.meters[ms[order[b]]]
		if da != db {
			return da > db
		}
		return ms[order[a]] < ms[order[b]]
	})
	res := make([]int, len(order))
	mig := make([]int, len(order))
	for k, i := range order {
		un := &ds.Units[ms[i]]
		res[k] = un.Pupils[st] - un.Migrants[st]
		mig[k] = un.Migrants[st]
	}
	o, _, tiers := allocation.ZoneOverflow(e.pol.PriorityTiers, res, mig, excess)
	over := make([]int64, len(ms))
	for k, i := range order {
		over[i] = o[k]
	}
	s.tiers[sc] = tiers
	return over
}

// componentsOf counts the connected pieces of school sc's zone (members
// ms) by the adjacency; 1 for a non-empty zone without adjacency.
func (e *Evaluator) componentsOf(s *stageState, sc int32, ms []int32) int64 {
	if len(ms) == 0 {
		return 0
	}
	if e.adj == nil {
		return 1
	}
	seen := make(map[int32]struct{}, len(ms))
	var comps int64
	var stack []int32
	for _, u := range ms {
		if _, ok := seen[u]; ok {
			continue
		}
		comps++
		seen[u] = struct{}{}
		stack = append(stack[:0], u)
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range e.adj[v] {
				if _, ok := seen[w]; !ok && s.zone[w] == sc && e.ds.Units[w].Pupils[s.stage] > 0 {
					seen[w] = struct{}{}
					stack = append(stack, w)
				}
			}
		}
	}
	return comps
}

// Move rezones units (dataset indices) of stage st to school (a school
// offering the stage, or -1 to unzone them) and updates every indicator.
// It returns the schools whose figures changed, sorted. Units already in
// that zone are left alone. On error nothing has changed.
func (e *Evaluator) Move(st data.Stage, units []int32, school int32) ([]int32, error) {
	if st < 0 || st >= data.NumStages {
		return nil, fmt.Errorf("edit: move: invalid stage %d", st)
	}
	if school >= 0 {
		if err := e.checkSchool(st, school); err != nil {
			return nil, fmt.Errorf("edit: move: %w", err)
		}
	}
	for _, u := range units {
		if u < 0 || int(u) >= len(e.ds.Units) {
			return nil, fmt.Errorf("edit: move: unit index %d out of range", u)
		}
	}
	s := e.st[st]
	touched := map[int32]struct{}{}
	for _, u := range units {
		old := s.zone[u]
		if old == school {
			continue
		}
		if e.ds.Units[u].Pupils[st] == 0 {
			s.zone[u] = school // no pupils: the zone covers it, no figure changes
			continue
		}
		if old >= 0 {
			touched[old] = struct{}{}
		}
		if school >= 0 {
			touched[school] = struct{}{}
		}
	}
	ts := make([]int32, 0, len(touched))
	for sc := range touched {
		ts = append(ts, sc)
	}
	slices.Sort(ts)
	for _, sc := range ts {
		e.refresh(s, sc, -1)
	}
	for _, u := range units {
		old := s.zone[u]
		if old == school || e.ds.Units[u].Pupils[st] == 0 {
			continue
		}
		e.reassign(s, int(u), -1)
		if old >= 0 { // swap-remove from the old zone's members
			m := s.members[old]
			i := s.pos[u]
			last := m[len(m)-1]
			m[i], s.pos[last] = last, i
			s.members[old] = m[:len(m)-1]
		}
		s.zone[u] = school
		s.meters[u] = 0
		if school >= 0 {
			s.meters[u] = e.meters(int(u), school)
			s.pos[u] = int32(len(s.members[school]))
			s.members[school] = append(s.members[school], u)
		}
		e.reassign(s, int(u), 1)
	}
	for _, sc := range ts {
		e.refresh(s, sc, 1)
	}
	return ts, nil
}

// Zone returns unit u's zone school in stage st (-1 for none).
func (e *Evaluator) Zone(st data.Stage, u int32) int32 { return e.st[st].zone[u] }

// Zones returns a copy of the current zoning of both stages.
func (e *Evaluator) Zones() [data.NumStages][]int32 {
	var z [data.NumStages][]int32
	for st := range data.NumStages {
		z[st] = slices.Clone(e.st[st].zone)
	}
	return z
}

// Members returns the units with pupils of stage st zoned to school sc
// (unordered; do not modify).
func (e *Evaluator) Members(st data.Stage, sc int32) []int32 { return e.st[st].members[sc] }

// Load returns the pupils of stage st living in school sc's zone.
func (e *Evaluator) Load(st data.Stage, sc int32) int64 { return e.st[st].load[sc] }

// Components returns the number of connected pieces of sc's zone.
func (e *Evaluator) Components(st data.Stage, sc int32) int64 { return e.st[st].components[sc] }

// Indicators are the zone-determined indicators of a zoning: the ones
// that follow from the zones and the overflow priority rules alone, so
// they can be kept exact under edits. Fields named like the report's equal
// allocation.FromZones' report on the same zones: Pupils, PlacedInZone,
// NearZoneRatio (+All, Met), SchoolsOverCapacity, PupilsOverCapacity,
// ZonesNoncontiguous, ReassignedUnits/Pupils and OverflowByTier; Displaced
// equals the report's overflow + unplaced. Where the displaced pupils end
// up (and so enrolment, average class size and the overflow distances)
// needs the stage-wide overflow placement: Session.Plan computes it.
type Indicators struct {
	Stages [data.NumStages]StageIndicators `json:"stages"`
}

// StageIndicators are the zone-determined indicators of one stage.
type StageIndicators struct {
	Stage            string  `json:"stage"`
	Pupils           int     `json:"pupils"`
	PlacedInZone     int     `json:"placed_in_zone"`
	Displaced        int     `json:"displaced"`
	NearZoneRatio    float64 `json:"near_zone_ratio"`
	NearZoneTarget   float64 `json:"near_zone_target"`
	NearZoneMet      bool    `json:"near_zone_met"`
	NearZoneRatioAll float64 `json:"near_zone_ratio_all"`

	SchoolsOverCapacity int `json:"schools_over_capacity"`
	PupilsOverCapacity  int `json:"pupils_over_capacity"`
	ZonesNoncontiguous  int `json:"zones_noncontiguous"`
	ReassignedUnits     int `json:"reassigned_units"`
	ReassignedPupils    int `json:"reassigned_pupils"`
	// ZoneDistanceMeters is Σ pupils × distance to their zone school over
	// all zoned pupils; MeanZoneDistanceMeters divides it by their number.
	ZoneDistanceMeters     float64 `json:"zone_distance_m"`
	MeanZoneDistanceMeters float64 `json:"mean_zone_distance_m"`
	// ZonesLargeClasses and ZonesOversizedClasses count schools whose zone
	// pupils per class fall in the 大班额 / 超大班额 bands.
	ZonesLargeClasses     int            `json:"zones_large_classes"`
	ZonesOversizedClasses int            `json:"zones_oversized_classes"`
	OverflowByTier        map[string]int `json:"overflow_by_tier,omitempty"`
}

// SchoolIndicators are one school's zone-determined figures in one stage.
// ZonePupils, Units, Overflowed and Contiguous equal the report's row;
// InZone are the zone pupils who get a seat there (min(zone pupils, seats)).
type SchoolIndicators struct {
	SchoolID   string `json:"school_id"`
	Stage      string `json:"stage"`
	Seats      int    `json:"seats"`
	ZonePupils int    `json:"zone_pupils"`
	InZone     int    `json:"in_zone"`
	Overflowed int    `json:"overflowed_out"`
	Units      int    `json:"units"`
	Classes    int    `json:"classes"`
	// ZoneClassSize is zone pupils per class, ClassBand its band
	// (standard, above, large, oversized).
	ZoneClassSize float64 `json:"zone_class_size"`
	ClassBand     string  `json:"class_band"`
	Components    int     `json:"components"`
	Contiguous    bool    `json:"contiguous"`
	// MeanZoneDistanceMeters is the mean distance of the zone's pupils.
	MeanZoneDistanceMeters float64 `json:"mean_zone_distance_m"`
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Snapshot returns the indicators now. It costs O(schools).
func (e *Evaluator) Snapshot() Indicators {
	var out Indicators
	for st := range data.NumStages {
		s := e.st[st]
		si := StageIndicators{Stage: data.Stage(st).String(), Pupils: int(s.pupils), PlacedInZone: int(s.placedInZone),
			Displaced: int(s.pupils - s.placedInZone), NearZoneRatio: ratio(s.urbanInZone, s.urbanPupils),
			NearZoneTarget: e.pol.NearZoneTarget[st], NearZoneRatioAll: ratio(s.placedInZone, s.pupils),
			SchoolsOverCapacity: int(s.schoolsOver), PupilsOverCapacity: int(s.pupilsOver),
			ZonesNoncontiguous: int(s.noncontiguous), ReassignedUnits: int(s.reassignedUnits),
			ReassignedPupils: int(s.reassignedPupils)}
		si.NearZoneMet = si.NearZoneRatio >= si.NearZoneTarget-1e-12
		var zoned int64
		for sc := range e.ds.Schools {
			si.ZoneDistanceMeters += s.zoneMeters[sc]
			zoned += s.load[sc]
			for k, v := range s.tiers[sc] {
				if si.OverflowByTier == nil {
					si.OverflowByTier = map[string]int{}
				}
				si.OverflowByTier[k] += v
			}
			if !e.counted(data.Stage(st), int32(sc)) {
				continue
			}
			switch e.school(data.Stage(st), int32(sc)).ClassBand {
			case "large":
				si.ZonesLargeClasses++
			case "oversized":
				si.ZonesOversizedClasses++
			}
		}
		if zoned > 0 {
			si.MeanZoneDistanceMeters = si.ZoneDistanceMeters / float64(zoned)
		}
		out.Stages[st] = si
	}
	return out
}

// School returns school sc's figures in stage st.
func (e *Evaluator) School(st data.Stage, sc int32) SchoolIndicators { return e.school(st, sc) }

func (e *Evaluator) school(st data.Stage, sc int32) SchoolIndicators {
	s := e.st[st]
	sch := &e.ds.Schools[sc]
	classes := sch.ClassesOf(st, e.pol.ClassSize[st])
	r := SchoolIndicators{SchoolID: sch.ID, Stage: st.String(), Seats: sch.Seats[st], ZonePupils: int(s.load[sc]),
		InZone: int(s.inZone[sc]), Overflowed: int(s.load[sc] - s.inZone[sc]), Units: len(s.members[sc]),
		Classes: classes, Components: int(s.components[sc]), Contiguous: s.components[sc] <= 1}
	if classes > 0 {
		r.ZoneClassSize = float64(s.load[sc]) / float64(classes)
	}
	r.ClassBand = classBand(r.ZoneClassSize, e.pol.ClassSize[st], e.pol.LargeClass, e.pol.OversizedClass)
	if s.load[sc] > 0 {
		r.MeanZoneDistanceMeters = s.zoneMeters[sc] / float64(s.load[sc])
	}
	return r
}

// classBand mirrors the report's class-size bands.
func classBand(avg float64, cap, large, oversized int) string {
	switch {
	case avg >= float64(oversized):
		return "oversized"
	case avg >= float64(large):
		return "large"
	case avg > float64(cap):
		return "above"
	}
	return "standard"
}

// Warning is a problem an edit created or left in a zone it touched.
type Warning struct {
	// Kind is "over_seats" (zone pupils exceed seats), "split_zone" (the
	// zone falls into several pieces) or "far_move" (a moved unit lies more
	// than Policy.Solver.FarMoveMeters beyond its nearest zoneable school).
	Kind     string `json:"kind"`
	Stage    string `json:"stage"`
	SchoolID string `json:"school_id"`
	UnitID   string `json:"unit_id,omitempty"`
	Message  string `json:"message"`
}

// Warnings lists the warnings about the given schools of stage st and the
// moved units (dataset indices), in a stable order.
func (e *Evaluator) Warnings(ctx context.Context, st data.Stage, schools []int32, moved []int32) ([]Warning, error) {
	var out []Warning
	s := e.st[st]
	for _, sc := range schools {
		sch := &e.ds.Schools[sc]
		if over := s.load[sc] - int64(sch.Seats[st]); over > 0 {
			out = append(out, Warning{Kind: "over_seats", Stage: st.String(), SchoolID: sch.ID,
				Message: fmt.Sprintf("%s zone has %d pupils for %d seats (%d over)", sch.Name, s.load[sc], sch.Seats[st], over)})
		}
		if s.components[sc] > 1 {
			out = append(out, Warning{Kind: "split_zone", Stage: st.String(), SchoolID: sch.ID,
				Message: fmt.Sprintf("%s zone is split into %d pieces", sch.Name, s.components[sc])})
		}
	}
	far := e.pol.Solver.FarMoveMeters
	if far <= 0 || len(moved) == 0 {
		return out, nil
	}
	var pts []orb.Point
	for i := range e.ds.Schools {
		if e.ds.Schools[i].Zoneable(st) {
			pts = append(pts, e.ds.Schools[i].Loc)
		}
	}
	var units []int32
	var origins []orb.Point
	for _, u := range moved {
		if s.zone[u] >= 0 && e.ds.Units[u].Pupils[st] > 0 {
			units = append(units, u)
			origins = append(origins, e.ds.Units[u].Loc)
		}
	}
	if len(pts) == 0 || len(units) == 0 {
		return out, nil
	}
	cand, err := e.metric.Nearest(ctx, origins, pts, 1)
	if err != nil {
		return out, fmt.Errorf("edit: nearest schools: %w", err)
	}
	for i, u := range units {
		_, m := cand.Row(i)
		if len(m) == 0 {
			continue
		}
		if d := s.meters[u]; d > m[0]+far {
			sch := &e.ds.Schools[s.zone[u]]
			out = append(out, Warning{Kind: "far_move", Stage: st.String(), SchoolID: sch.ID, UnitID: e.ds.Units[u].ID,
				Message: fmt.Sprintf("%s is %.0f m from %s, %.0f m beyond its nearest school", e.ds.Units[u].Name, d, sch.Name, d-m[0])})
		}
	}
	return out, nil
}
