package whatif

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/allocation/sites"
	"catchment/data"
)

// UnitChange is one unit, present in both scenarios, whose zone school
// differs. From and To are school ids, "" for none.
type UnitChange struct {
	UnitID string `json:"unit_id"`
	Name   string `json:"name,omitempty"`
	Stage  string `json:"stage"`
	From   string `json:"from"`
	To     string `json:"to"`
	// Pupils are the unit's pupils of the stage in the derived scenario.
	Pupils int `json:"pupils"`
}

// StageDelta compares one stage of two plans.
type StageDelta struct {
	Before sites.Indicators `json:"before"`
	After  sites.Indicators `json:"after"`
	// Deltas are After − Before.
	NearZoneRatioDelta float64 `json:"near_zone_ratio_delta"`
	TotalDistanceDelta float64 `json:"total_distance_m_delta"`
	MeanDistanceDelta  float64 `json:"mean_distance_m_delta"`
	UnplacedDelta      int     `json:"unplaced_delta"`
	OverflowDelta      int     `json:"overflow_delta"`
	// ZonesChanged counts schools whose zone gained or lost a unit.
	ZonesChanged  int `json:"zones_changed"`
	UnitsChanged  int `json:"units_changed"`
	PupilsChanged int `json:"pupils_changed"`
}

// SchoolUse is one school's seats and enrolment in one stage, before
// (parent plan) and after (derived plan); a school absent from a plan has
// zeros there.
type SchoolUse struct {
	SchoolID          string  `json:"school_id"`
	Name              string  `json:"name,omitempty"`
	Stage             string  `json:"stage"`
	SeatsBefore       int     `json:"seats_before"`
	SeatsAfter        int     `json:"seats_after"`
	EnrolledBefore    int     `json:"enrolled_before"`
	EnrolledAfter     int     `json:"enrolled_after"`
	UtilizationBefore float64 `json:"utilization_before"`
	UtilizationAfter  float64 `json:"utilization_after"`
}

// Comparison is a derived scenario's plan against its parent's plan.
// Units are matched by id: Changes lists exactly the units present in both
// whose zone school id differs (per stage, in the derived dataset's unit
// order); units only in one scenario are listed in Added / Removed.
type Comparison struct {
	Parent  string                 `json:"parent"`
	Child   string                 `json:"child"`
	Stages  map[string]*StageDelta `json:"stages"`
	Changes []UnitChange           `json:"changes"`
	Added   []string               `json:"added_units"`
	Removed []string               `json:"removed_units"`
	Schools []SchoolUse            `json:"schools"`

	child *data.Dataset
}

// Compare compares plan b (derived scenario child) with plan a (parent).
func Compare(parent, child string, a, b *allocation.Plan) (*Comparison, error) {
	if a == nil || b == nil || a.Report == nil || b.Report == nil {
		return nil, fmt.Errorf("compare: both plans must be solved")
	}
	c := &Comparison{Parent: parent, Child: child, Stages: map[string]*StageDelta{},
		Changes: []UnitChange{}, child: b.Dataset}
	ia, ib := IndicatorsOf(a), IndicatorsOf(b)
	aUnits := a.Dataset.UnitIndex()
	bUnits := b.Dataset.UnitIndex()
	for st := range data.NumStages {
		name := st.String()
		d := &StageDelta{Before: ia[name], After: ib[name]}
		d.NearZoneRatioDelta = d.After.NearZoneRatio - d.Before.NearZoneRatio
		d.TotalDistanceDelta = d.After.TotalDistanceMeters - d.Before.TotalDistanceMeters
		d.MeanDistanceDelta = d.After.MeanDistanceMeters - d.Before.MeanDistanceMeters
		d.UnplacedDelta = d.After.Unplaced - d.Before.Unplaced
		d.OverflowDelta = d.After.Overflow - d.Before.Overflow
		zones := map[string]bool{}
		for ub := range b.Dataset.Units {
			un := &b.Dataset.Units[ub]
			ua, ok := aUnits[un.ID]
			if !ok {
				continue
			}
			from, to := zoneID(a, st, ua), zoneID(b, st, ub)
			if from == to {
				continue
			}
			d.UnitsChanged++
			d.PupilsChanged += un.Pupils[st]
			for _, s := range []string{from, to} {
				if s != "" {
					zones[s] = true
				}
			}
			c.Changes = append(c.Changes, UnitChange{UnitID: un.ID, Name: un.Name, Stage: name, From: from, To: to, Pupils: un.Pupils[st]})
		}
		d.ZonesChanged = len(zones)
		if d.Before.Pupils > 0 || d.After.Pupils > 0 || d.UnitsChanged > 0 {
			c.Stages[name] = d
		}
	}
	for _, u := range b.Dataset.Units {
		if _, ok := aUnits[u.ID]; !ok {
			c.Added = append(c.Added, u.ID)
		}
	}
	for _, u := range a.Dataset.Units {
		if _, ok := bUnits[u.ID]; !ok {
			c.Removed = append(c.Removed, u.ID)
		}
	}
	c.Schools = schoolUse(a, b)
	return c, nil
}

// IndicatorsOf returns the headline indicators of each stage of p.
func IndicatorsOf(p *allocation.Plan) map[string]sites.Indicators { return sites.IndicatorsOf(p) }

func zoneID(p *allocation.Plan, st data.Stage, u int) string {
	z := p.Stages[st].Zone
	if z == nil || z[u] < 0 {
		return ""
	}
	return p.Dataset.Schools[z[u]].ID
}

func schoolUse(a, b *allocation.Plan) []SchoolUse {
	type key struct{ id, stage string }
	rows := map[key]*SchoolUse{}
	var order []key
	get := func(r allocation.SchoolReport) *SchoolUse {
		k := key{r.SchoolID, r.Stage}
		if su, ok := rows[k]; ok {
			return su
		}
		su := &SchoolUse{SchoolID: r.SchoolID, Name: r.Name, Stage: r.Stage}
		rows[k] = su
		order = append(order, k)
		return su
	}
	for _, r := range a.Report.Schools {
		su := get(r)
		su.SeatsBefore, su.EnrolledBefore, su.UtilizationBefore = r.Seats, r.Enrolled, r.Utilization
	}
	for _, r := range b.Report.Schools {
		su := get(r)
		su.SeatsAfter, su.EnrolledAfter, su.UtilizationAfter = r.Seats, r.Enrolled, r.Utilization
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].stage != order[j].stage {
			return order[i].stage > order[j].stage // primary before junior
		}
		return order[i].id < order[j].id
	})
	out := make([]SchoolUse, len(order))
	for i, k := range order {
		out[i] = *rows[k]
	}
	return out
}

// WriteChangesCSV writes the changed units:
// unit_id,name,stage,from_school,to_school,pupils.
func (c *Comparison) WriteChangesCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"unit_id", "name", "stage", "from_school", "to_school", "pupils"})
	for _, ch := range c.Changes {
		cw.Write([]string{ch.UnitID, ch.Name, ch.Stage, ch.From, ch.To, strconv.Itoa(ch.Pupils)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteSchoolsCSV writes per-school utilisation before and after.
func (c *Comparison) WriteSchoolsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"school_id", "name", "stage", "seats_before", "seats_after", "enrolled_before", "enrolled_after", "utilization_before", "utilization_after"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, s := range c.Schools {
		cw.Write([]string{s.SchoolID, s.Name, s.Stage, strconv.Itoa(s.SeatsBefore), strconv.Itoa(s.SeatsAfter),
			strconv.Itoa(s.EnrolledBefore), strconv.Itoa(s.EnrolledAfter), f(s.UtilizationBefore), f(s.UtilizationAfter)})
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes the whole comparison as indented JSON.
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// ChangesGeoJSON returns the changed units as a FeatureCollection (unit
// outline, or point), properties unit_id, name, stage, from, to, pupils.
func (c *Comparison) ChangesGeoJSON() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	var idx map[string]int
	if c.child != nil {
		idx = c.child.UnitIndex()
	}
	for _, ch := range c.Changes {
		var g orb.Geometry = orb.Point{}
		if i, ok := idx[ch.UnitID]; ok {
			u := &c.child.Units[i]
			g = u.Loc
			if u.Geom != nil {
				g = u.Geom
			}
		}
		f := geojson.NewFeature(g)
		f.Properties = geojson.Properties{"unit_id": ch.UnitID, "name": ch.Name, "stage": ch.Stage,
			"from": ch.From, "to": ch.To, "pupils": ch.Pupils}
		fc.Append(f)
	}
	return fc
}
