package whatif

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"catchment/allocation"
	"catchment/data"
	"catchment/geo"
)

// Community is a community or growth area with a resident population, the
// unit of the provision check. Loc is its representative point (the
// polygon's centroid when Geom is given).
type Community struct {
	ID, Name   string
	Loc        orb.Point
	Geom       orb.Geometry
	Population int
}

// maxAreasBytes bounds the communities file.
const maxAreasBytes = 64 << 20

// ReadCommunitiesGeoJSON reads a FeatureCollection of communities: Point,
// Polygon or MultiPolygon features with properties id (string or number),
// optional name and population (≥ 0). Coordinates are taken as they are
// (WGS-84, or metres for a planar dataset). Errors name the feature.
func ReadCommunitiesGeoJSON(r io.Reader) ([]Community, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAreasBytes+1))
	if err != nil {
		return nil, fmt.Errorf("communities: %w", err)
	}
	if len(b) > maxAreasBytes {
		return nil, fmt.Errorf("communities: file larger than %d bytes", maxAreasBytes)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		return nil, fmt.Errorf("communities: %w", err)
	}
	var out []Community
	seen := map[string]bool{}
	for i, f := range fc.Features {
		if f == nil {
			return nil, fmt.Errorf("communities: feature %d is null", i)
		}
		c := Community{ID: propString(f.Properties["id"]), Name: propString(f.Properties["name"])}
		if c.ID == "" {
			return nil, fmt.Errorf("communities: feature %d has no id", i)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("communities: duplicate id %q", c.ID)
		}
		seen[c.ID] = true
		pop, ok := f.Properties["population"].(float64)
		if !ok || !(pop >= 0) || pop > 1e9 || pop != math.Trunc(pop) {
			return nil, fmt.Errorf("communities: %q: population must be a whole number ≥ 0", c.ID)
		}
		c.Population = int(pop)
		switch g := f.Geometry.(type) {
		case orb.Point:
			c.Loc = g
		case orb.Polygon, orb.MultiPolygon:
			if err := data.ValidatePolygonal(g); err != nil {
				return nil, fmt.Errorf("communities: %q: %w", c.ID, err)
			}
			c.Geom = g
			c.Loc, _ = planar.CentroidArea(g)
		default:
			return nil, fmt.Errorf("communities: %q: geometry must be a Point, Polygon or MultiPolygon", c.ID)
		}
		if math.IsNaN(c.Loc[0]) || math.IsNaN(c.Loc[1]) || math.IsInf(c.Loc[0], 0) || math.IsInf(c.Loc[1], 0) {
			return nil, fmt.Errorf("communities: %q: location is not finite", c.ID)
		}
		out = append(out, c)
	}
	return out, nil
}

func propString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// StageProvision is what one stage requires of a community and what it has.
type StageProvision struct {
	// RequiredSchools of at least RequiredClasses classes each (0: none
	// required), i.e. RequiredSeats = schools × classes × class size.
	RequiredSchools int `json:"required_schools"`
	RequiredClasses int `json:"required_classes_each"`
	RequiredSeats   int `json:"required_seats"`
	// ExpectedPupils follow from the population by ChildrenPerResident.
	ExpectedPupils int `json:"expected_pupils"`
	// Schools and Seats of zoneable schools within the service radius of the
	// community (or inside its outline); Qualifying counts those with at
	// least RequiredClasses classes.
	SchoolsInRadius int `json:"schools_in_radius"`
	Qualifying      int `json:"qualifying_schools"`
	SeatsInRadius   int `json:"seats_in_radius"`
	// Deficits: missing seats and missing qualifying schools (≥ 0).
	DeficitSeats   int `json:"deficit_seats"`
	DeficitSchools int `json:"deficit_schools"`
}

// Provision is the provision check of one community.
type Provision struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name,omitempty"`
	Population int                        `json:"population"`
	Rule       string                     `json:"rule"`
	Stages     map[string]*StageProvision `json:"stages"`
	// Deficit is true when any stage lacks seats or schools.
	Deficit bool `json:"deficit"`
}

// CheckProvision applies POLICY.md §B5 (thresholds in pol.Provision) to
// every community: 4,000–10,000 residents need one complete primary of
// 6–12 classes; above 10,000, one 18–24-class primary per 10,000 and one
// ≥18-class junior per 20,000 (rounded up); below 4,000 nothing is required.
// The requirement is checked against the zoneable schools within the
// stage's service radius of the community's point, or inside its outline.
// Each community is checked on its own: seats shared by neighbouring
// communities count for each of them.
func CheckProvision(ds *data.Dataset, comms []Community, pol allocation.Policy, metric geo.Metric) ([]Provision, error) {
	r := pol.Provision
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if metric == nil {
		metric = geo.StraightLine(ds.Planar)
	}
	schoolLocs := make([]orb.Point, len(ds.Schools))
	for i := range ds.Schools {
		schoolLocs[i] = ds.Schools[i].Loc
	}
	var out []Provision
	for _, c := range comms {
		if c.Population < 0 {
			return nil, fmt.Errorf("provision: community %q has population %d", c.ID, c.Population)
		}
		p := Provision{ID: c.ID, Name: c.Name, Population: c.Population, Stages: map[string]*StageProvision{}}
		var need [data.NumStages]StageProvision
		switch {
		case c.Population < r.SmallCommunityMin:
			p.Rule = fmt.Sprintf("below %d residents: no school required", r.SmallCommunityMin)
		case c.Population <= r.SmallCommunityMax:
			p.Rule = fmt.Sprintf("%d–%d residents: one complete %d–%d-class primary", r.SmallCommunityMin, r.SmallCommunityMax,
				r.SmallPrimaryClasses[0], r.SmallPrimaryClasses[1])
			need[data.Primary] = StageProvision{RequiredSchools: 1, RequiredClasses: r.SmallPrimaryClasses[0]}
		default:
			p.Rule = fmt.Sprintf("over %d residents: one %d–%d-class primary per %d and one ≥%d-class junior per %d",
				r.SmallCommunityMax, r.PrimaryClasses[0], r.PrimaryClasses[1], r.PrimaryPerPopulation, r.JuniorMinClasses, r.JuniorPerPopulation)
			need[data.Primary] = StageProvision{RequiredSchools: ceilDiv(c.Population, r.PrimaryPerPopulation), RequiredClasses: r.PrimaryClasses[0]}
			need[data.Junior] = StageProvision{RequiredSchools: ceilDiv(c.Population, r.JuniorPerPopulation), RequiredClasses: r.JuniorMinClasses}
		}
		for st := range data.NumStages {
			sp := need[st]
			sp.RequiredSeats = sp.RequiredSchools * sp.RequiredClasses * pol.ClassSize[st]
			sp.ExpectedPupils = int(math.Round(float64(c.Population) * r.ChildrenPerResident[st]))
			radius := pol.ServiceRadiusMeters[st]
			// Distances to the schools outside the community, in one batch
			// (one short search per school on a road network).
			var pairs []geo.Pair
			for i := range ds.Schools {
				if s := &ds.Schools[i]; s.Zoneable(st) && !inside(c, s.Loc) {
					pairs = append(pairs, geo.Pair{Origin: 0, Dest: int32(i), Limit: radius})
				}
			}
			res, err := geo.MeasurePairs(context.Background(), metric, []orb.Point{c.Loc}, schoolLocs, pairs)
			if err != nil {
				return nil, fmt.Errorf("community %q: %w", c.ID, err)
			}
			far := map[int32]bool{}
			for x, pr := range pairs {
				if !(res[x].Cost <= radius) {
					far[pr.Dest] = true
				}
			}
			for i := range ds.Schools {
				s := &ds.Schools[i]
				if !s.Zoneable(st) || far[int32(i)] {
					continue
				}
				sp.SchoolsInRadius++
				sp.SeatsInRadius += s.Seats[st]
				if s.ClassesOf(st, pol.ClassSize[st]) >= sp.RequiredClasses {
					sp.Qualifying++
				}
			}
			sp.DeficitSeats = max(0, sp.RequiredSeats-sp.SeatsInRadius)
			sp.DeficitSchools = max(0, sp.RequiredSchools-sp.Qualifying)
			if sp.DeficitSeats > 0 || sp.DeficitSchools > 0 {
				p.Deficit = true
			}
			if sp.RequiredSchools > 0 || sp.SchoolsInRadius > 0 {
				p.Stages[st.String()] = &sp
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func inside(c Community, p orb.Point) bool {
	switch g := c.Geom.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// WriteProvisionCSV writes one row per community and stage with a
// requirement or schools nearby:
// id,name,population,stage,required_schools,required_classes_each,
// required_seats,expected_pupils,schools_in_radius,qualifying_schools,
// seats_in_radius,deficit_seats,deficit_schools.
func WriteProvisionCSV(w io.Writer, ps []Provision) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "name", "population", "stage", "required_schools", "required_classes_each", "required_seats",
		"expected_pupils", "schools_in_radius", "qualifying_schools", "seats_in_radius", "deficit_seats", "deficit_schools"})
	it := strconv.Itoa
	for _, p := range ps {
		for st := range data.NumStages {
			sp := p.Stages[st.String()]
			if sp == nil {
				continue
			}
			cw.Write([]string{p.ID, p.Name, it(p.Population), st.String(), it(sp.RequiredSchools), it(sp.RequiredClasses),
				it(sp.RequiredSeats), it(sp.ExpectedPupils), it(sp.SchoolsInRadius), it(sp.Qualifying), it(sp.SeatsInRadius),
				it(sp.DeficitSeats), it(sp.DeficitSchools)})
		}
	}
	cw.Flush()
	return cw.Error()
}
