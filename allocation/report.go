package allocation

import (
	"math"
	"sort"

	"catchment/data"
	"catchment/geo"
)

// roadDetourFactor flags zone routes this many times longer than the
// straight line (issue: a school across a river is not near).
const roadDetourFactor = 1.5

// nineYearWeights split a nine-year school's resources between its stages
// (POLICY.md §C: primary:junior = 1:1.1).
var nineYearWeights = [data.NumStages]float64{1, 1.1}

// Evaluate computes the policy report of a plan. current is today's zoning
// (CurrentZones) for the reassignment counts; nil stages count nothing.
// Evaluate reads the plan only.
func Evaluate(p *Plan, current [data.NumStages][]int32) *Report {
	ds := p.Dataset
	pol := &p.Policy
	r := &Report{Stages: map[string]*StageReport{}, Metric: p.Metric}
	// enrolled[st][school] counts placed pupils (zone and overflow).
	var enrolled, zonePupils, overflowedOut [data.NumStages][]int
	for st := range data.NumStages {
		enrolled[st] = make([]int, len(ds.Schools))
		zonePupils[st] = make([]int, len(ds.Schools))
		overflowedOut[st] = make([]int, len(ds.Schools))
		for _, pl := range p.Stages[st].Placements {
			if pl.School >= 0 {
				enrolled[st][pl.School] += int(pl.Pupils)
			}
		}
		for u, s := range p.Stages[st].Zone {
			if s >= 0 {
				zonePupils[st][s] += ds.Units[u].Pupils[st]
			}
		}
		for _, pl := range p.Stages[st].Placements {
			if pl.Kind != InZone {
				if s := p.Stages[st].Zone[pl.Unit]; s >= 0 {
					overflowedOut[st][s] += int(pl.Pupils)
				}
			}
		}
	}
	staffFail := staffFailures(ds, pol, &enrolled)
	for st := range data.NumStages {
		stage := data.Stage(st)
		sp := &p.Stages[st]
		sr := &StageReport{NearZoneTarget: pol.NearZoneTarget[st], MigrantTarget: pol.MigrantTarget,
			ServiceRadiusMeters: pol.ServiceRadiusMeters[st], OverflowByTier: sp.OverflowByTier}
		r.Stages[stage.String()] = sr
		var nzPupils, nzIn int
		type wd struct {
			m float64
			n int
		}
		var dists []wd
		var placed, within int
		short := map[string]int{}
		for _, pl := range sp.Placements {
			un := &ds.Units[pl.Unit]
			n := int(pl.Pupils)
			sr.Pupils += n
			sr.MigrantPupils += int(pl.Migrants)
			urbanish := un.Area == data.Urban || un.Area == data.Town
			if urbanish {
				nzPupils += n
			}
			switch pl.Kind {
			case InZone:
				sr.PlacedInZone += n
				if urbanish {
					nzIn += n
				}
			case Overflow:
				sr.OverflowCount += n
			case Unplaced:
				sr.Unplaced += n
				zoneID := "(no zone)"
				if s := sp.Zone[pl.Unit]; s >= 0 {
					zoneID = ds.Schools[s].ID
				}
				short[zoneID] += n
			}
			if pl.Kind != Unplaced {
				sr.MigrantPublic += int(pl.Migrants)
				placed += n
				dists = append(dists, wd{pl.Meters, n})
				sr.TotalDistanceMeters += float64(n) * pl.Meters
				sr.MaxDistanceMeters = math.Max(sr.MaxDistanceMeters, pl.Meters)
				if pl.Meters <= pol.ServiceRadiusMeters[st] {
					within += n
				}
			}
		}
		sr.NearZoneRatio = ratio(nzIn, nzPupils)
		sr.NearZoneRatioAll = ratio(sr.PlacedInZone, sr.Pupils)
		sr.NearZoneMet = sr.NearZoneRatio >= sr.NearZoneTarget-1e-12
		sr.MigrantPublicRatio = ratio(sr.MigrantPublic, sr.MigrantPupils)
		sr.MigrantMet = sr.MigrantPublicRatio >= sr.MigrantTarget-1e-12
		sr.WithinRadiusRatio = ratio(within, placed)
		if placed > 0 {
			sr.MeanDistanceMeters = sr.TotalDistanceMeters / float64(placed)
			sort.Slice(dists, func(a, b int) bool { return dists[a].m < dists[b].m })
			need := int(math.Ceil(0.95 * float64(placed)))
			acc := 0
			for _, d := range dists {
				acc += d.n
				if acc >= need {
					sr.P95DistanceMeters = d.m
					break
				}
			}
		}
		sr.LowerBoundMeters = sp.LowerBound
		sr.ObjectiveMeters = sp.Objective
		sr.OptimalityGap = OptimalityGap(sr.ObjectiveMeters, sr.TotalDistanceMeters, sp.LowerBound)
		sr.SeatsShort = sr.Unplaced
		if len(short) > 0 {
			sr.SeatsShortByZone = short
		}
		// Walking detours and major-road crossings of zone routes.
		sr.RoadDetourFactor = roadDetourFactor
		if sp.ZoneBarrierKinds != nil {
			sr.BarrierCrossingPupilsByKind = make(map[string]int, len(geo.BarrierKinds))
			for _, k := range geo.BarrierKinds {
				sr.BarrierCrossingPupilsByKind[k.Name()] = 0
			}
		}
		line := geo.StraightLine(ds.Planar)
		straight := p.Metric == line.Name()
		for u, s := range sp.Zone {
			n := ds.Units[u].Pupils[st]
			if s < 0 || n == 0 {
				continue
			}
			if !straight && sp.ZoneMeters[u] > roadDetourFactor*line.Meters(ds.Units[u].Loc, ds.Schools[s].Loc) {
				sr.RoadDetourPupils += n
			}
			if sp.ZoneCrossings != nil && sp.ZoneCrossings[u] > 0 {
				sr.MajorCrossingPupils += n
			}
			if sp.ZoneBarriers != nil && sp.ZoneBarriers[u] > 0 {
				sr.BarrierCrossingPupils += n
			}
			if sp.ZoneBarrierKinds != nil {
				for _, k := range geo.BarrierKinds {
					if geo.BarrierKind(sp.ZoneBarrierKinds[u])&k != 0 {
						sr.BarrierCrossingPupilsByKind[k.Name()] += n
					}
				}
			}
		}
		// Reassignment against today's zoning.
		if cur := current[st]; cur != nil {
			for u, s := range sp.Zone {
				if c := cur[u]; c >= 0 && s >= 0 && c != s {
					sr.ReassignedUnits++
					sr.ReassignedPupils += ds.Units[u].Pupils[st]
				}
			}
		}
		// Per-school figures.
		components := zoneComponents(sp.adjacency(p), sp.Zone, len(ds.Schools))
		unitsIn := make([]int, len(ds.Schools)) // units with pupils of the stage
		for u, s := range sp.Zone {
			if s >= 0 && ds.Units[u].Pupils[st] > 0 {
				unitsIn[s]++
			}
		}
		for i := range ds.Schools {
			s := &ds.Schools[i]
			if !s.Offers(stage) || s.Status == data.Closed {
				continue
			}
			seats := s.Seats[st]
			if zonePupils[st][i] > seats {
				sr.SchoolsOverCapacity++
				sr.PupilsOverCapacity += zonePupils[st][i] - seats
			}
			classes := s.ClassesOf(stage, pol.ClassSize[st])
			sch := SchoolReport{SchoolID: s.ID, Name: s.Name, Stage: stage.String(), Seats: seats,
				ZonePupils: zonePupils[st][i], Enrolled: enrolled[st][i], Overflowed: overflowedOut[st][i],
				Utilization: ratio(enrolled[st][i], seats), Classes: classes, Units: unitsIn[i],
				Contiguous: components == nil || components[i] <= 1}
			if classes > 0 {
				sch.AvgClassSize = float64(enrolled[st][i]) / float64(classes)
			}
			sch.ClassBand = classBand(sch.AvgClassSize, pol.ClassSize[st], pol.LargeClass, pol.OversizedClass)
			if sch.AvgClassSize > float64(pol.ClassSize[st]) {
				sr.ClassesOverCap += classes
			}
			switch sch.ClassBand {
			case "large":
				sr.SchoolsLargeClasses++
			case "oversized":
				sr.SchoolsOversizedClasses++
			}
			total := enrolled[data.Primary][i] + enrolled[data.Junior][i]
			limit := pol.SchoolSizeCap
			if s.NineYear() {
				limit = pol.NineYearSizeCap
			}
			if total > limit {
				sch.OverSizeCap = true
				sr.SchoolsOverSizeCap++
			}
			if !sch.Contiguous {
				sr.ZonesNoncontiguous++
			}
			if s.HasResource[data.Staff] && total > 0 {
				sr.StaffSchools++
				if staffFail[i] {
					sr.StaffRatioFailures++
				}
			}
			r.Schools = append(r.Schools, sch)
		}
		indicators(ds, pol, stage, &enrolled, sr)
	}
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// classBand names the class-size band of an average class size: standard
// (≤ cap), above (cap+1 … large−1, 偏大), large (大班额) or oversized (超大班额).
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

// staffFailures reports, per school with staff given, whether its staff
// falls short of enrolled pupils divided by the stage ratios.
func staffFailures(ds *data.Dataset, pol *Policy, enrolled *[data.NumStages][]int) []bool {
	out := make([]bool, len(ds.Schools))
	for i := range ds.Schools {
		s := &ds.Schools[i]
		if !s.HasResource[data.Staff] {
			continue
		}
		need := 0.0
		for st := range data.NumStages {
			if pol.StaffRatio[st] > 0 {
				need += float64(enrolled[st][i]) / pol.StaffRatio[st]
			}
		}
		out[i] = s.Resources[data.Staff] < need-1e-9
	}
	return out
}

// zoneComponents counts the connected pieces of every school's zone; nil
// when adjacency is unknown.
func zoneComponents(adj [][]int32, zone []int32, nSchools int) []int {
	if adj == nil {
		return nil
	}
	comps := make([]int, nSchools)
	seen := make([]bool, len(zone))
	var stack []int32
	for u, s := range zone {
		if s < 0 || seen[u] {
			continue
		}
		comps[s]++
		seen[u] = true
		stack = append(stack[:0], int32(u))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, w := range adj[v] {
				if !seen[w] && zone[w] == s {
					seen[w] = true
					stack = append(stack, w)
				}
			}
		}
	}
	return comps
}

// indicators fills the balance indicators of POLICY.md §C for one stage.
// A school's resources are shared between its stages in proportion to
// weighted enrolment (nine-year weights 1:1.1). Xᵢ = Rᵢ/Pᵢ, X̄ = ΣR/ΣP,
// S = √(Σ (Pᵢ/P)(Xᵢ−X̄)²), CV = S/X̄ (enrolment-weighted).
func indicators(ds *data.Dataset, pol *Policy, st data.Stage, enrolled *[data.NumStages][]int, sr *StageReport) {
	type sch struct {
		p   float64
		res [data.NumResources]float64
		has [data.NumResources]bool
	}
	var schools []sch
	for i := range ds.Schools {
		s := &ds.Schools[i]
		pe := float64(enrolled[st][i])
		if pe == 0 || !s.Offers(st) {
			continue
		}
		wsum := 0.0
		for o := range data.NumStages {
			wsum += nineYearWeights[o] * float64(enrolled[o][i])
		}
		share := nineYearWeights[st] * pe / wsum
		x := sch{p: pe}
		any := false
		for k := range data.NumResources {
			if s.HasResource[k] {
				x.res[k], x.has[k], any = s.Resources[k]*share, true, true
			}
		}
		if any {
			schools = append(schools, x)
		}
	}
	if len(schools) == 0 {
		return
	}
	met := make([]int, len(schools))
	near := make([]bool, len(schools))
	for i := range near {
		near[i] = true
	}
	complete := make([]int, len(schools))
	for _, ind := range pol.Indicators {
		res, ok := resourceByName(ind.Resource)
		if !ok {
			continue
		}
		scale := 1.0
		if ind.Per100 {
			scale = 100
		}
		thr := ind.Threshold[st]
		var sumR, sumP float64
		n, meeting := 0, 0
		for _, s := range schools {
			if s.has[res] {
				sumR += s.res[res]
				sumP += s.p
				n++
			}
		}
		if n == 0 || sumR == 0 {
			continue
		}
		mean := sumR / sumP * scale
		var ss float64
		for i, s := range schools {
			if !s.has[res] {
				continue
			}
			complete[i]++
			x := s.res[res] / s.p * scale
			ss += s.p / sumP * (x - mean) * (x - mean)
			if x >= thr {
				meeting++
				met[i]++
			} else if x < pol.IndicatorMinShare*thr {
				near[i] = false
			}
		}
		cv := math.Sqrt(ss) / mean
		sr.Indicators = append(sr.Indicators, IndicatorReport{Name: ind.Name, Threshold: thr, Value: mean,
			CV: cv, CVLimit: pol.CVLimit[st], CVMet: cv <= pol.CVLimit[st], Schools: n, SchoolsMeeting: meeting})
	}
	for i := range schools {
		if complete[i] == len(pol.Indicators) {
			sr.SchoolsWithIndicators++
			if met[i] >= pol.IndicatorPassCount && near[i] {
				sr.SchoolsPassingIndicators++
			}
		}
	}
}

// OptimalityGap is objective / bound − 1, the relative distance of a plan
// from the proven lower bound of its objective; total (the plain distance)
// stands in for an objective of 0 (plans made before objectives were
// recorded). It is 0 when the bound is unknown (≤ 0).
func OptimalityGap(objective, total, bound float64) float64 {
	if bound <= 0 {
		return 0
	}
	if objective <= 0 {
		objective = total
	}
	return objective/bound - 1
}
