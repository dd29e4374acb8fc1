// Package data owns catchment's domain: schools, residential units,
// household points, today's zoning and candidate sites, the enumerations that
// describe them (stage, ownership, area, status), their validation, and the
// readers that turn the files of FORMATS.md into these values.
//
// Coordinates in this package are plain orb.Points. After reading they are
// WGS-84 [lon, lat] degrees, or planar [x, y] metres when a Dataset is
// Planar. Converting other coordinate systems is the job of package geo; the
// readers accept a conversion function so that this package imports no
// algorithms.
//
// Hot paths elsewhere address schools and units by their index in the
// Dataset slices; string ids are only for the edges (files, HTTP, SQL).
package data

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// Stage is a stage of compulsory education. Its value doubles as an index
// into the per-stage arrays of School and Unit.
type Stage int

// The stages, in the order used by per-stage arrays.
const (
	Primary Stage = iota // 小学, grades 1–6
	Junior               // 初中, grades 7–9
	NumStages
)

// Stages lists every stage in index order.
var Stages = [NumStages]Stage{Primary, Junior}

// String returns the FORMATS.md spelling: "primary" or "junior".
func (s Stage) String() string {
	switch s {
	case Primary:
		return "primary"
	case Junior:
		return "junior"
	}
	return fmt.Sprintf("stage(%d)", int(s))
}

// ParseStage parses "primary" or "junior" (case-insensitive, surrounding
// space ignored).
func ParseStage(s string) (Stage, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "primary":
		return Primary, nil
	case "junior":
		return Junior, nil
	}
	return 0, fmt.Errorf("unknown stage %q (want primary or junior)", s)
}

// Ownership says who runs a school.
type Ownership int

// The ownership kinds of FORMATS.md.
const (
	Public    Ownership = iota // 公办
	Private                    // 民办
	Purchased                  // 民办 with government-purchased places
)

// String returns the FORMATS.md spelling.
func (o Ownership) String() string {
	switch o {
	case Public:
		return "public"
	case Private:
		return "private"
	case Purchased:
		return "purchased"
	}
	return fmt.Sprintf("ownership(%d)", int(o))
}

// ParseOwnership parses public, private or purchased; empty means public.
func ParseOwnership(s string) (Ownership, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "public":
		return Public, nil
	case "private":
		return Private, nil
	case "purchased":
		return Purchased, nil
	}
	return 0, fmt.Errorf("unknown ownership %q (want public, private or purchased)", s)
}

// Area is the urban–rural class of a place (城区 / 镇区 / 乡村). The near-zone
// ratio targets apply to urban and town schools.
type Area int

// The area classes of FORMATS.md.
const (
	Urban Area = iota // 城区
	Town              // 镇区
	Rural             // 乡村
)

// String returns the FORMATS.md spelling.
func (a Area) String() string {
	switch a {
	case Urban:
		return "urban"
	case Town:
		return "town"
	case Rural:
		return "rural"
	}
	return fmt.Sprintf("area(%d)", int(a))
}

// ParseArea parses urban, town or rural; empty means urban. The NBS urban–
// rural codes are accepted too: 111/112 urban, 121/122/123 town, 210/220 rural.
func ParseArea(s string) (Area, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "urban", "111", "112":
		return Urban, nil
	case "town", "121", "122", "123":
		return Town, nil
	case "rural", "210", "220":
		return Rural, nil
	}
	return 0, fmt.Errorf("unknown area %q (want urban, town or rural)", s)
}

// Status is a school's life-cycle state.
type Status int

// The statuses of FORMATS.md.
const (
	Open    Status = iota // in service
	Planned               // exists only in what-if scenarios
	Closed                // not in service
)

// String returns the FORMATS.md spelling.
func (s Status) String() string {
	switch s {
	case Open:
		return "open"
	case Planned:
		return "planned"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// ParseStatus parses open, planned or closed; empty means open.
func ParseStatus(s string) (Status, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "open":
		return Open, nil
	case "planned":
		return Planned, nil
	case "closed":
		return Closed, nil
	}
	return 0, fmt.Errorf("unknown status %q (want open, planned or closed)", s)
}

// Resource names one of a school's optional staff and resource figures.
// Its value indexes School.Resources.
type Resource int

// The resources of FORMATS.md, in column order. Staff feeds the staff:pupil
// check; the other seven feed the balance indicators of POLICY.md §C.
const (
	Staff             Resource = iota // staff
	QualifiedTeachers                 // qualified_teachers
	KeyTeachers                       // key_teachers
	PEArtTeachers                     // pe_art_teachers
	BuildingM2                        // building_m2
	SportsM2                          // sports_m2
	EquipmentYuan                     // equipment_yuan
	MultimediaRooms                   // multimedia_rooms
	NumResources
)

var resourceColumns = [NumResources]string{
	"staff", "qualified_teachers", "key_teachers", "pe_art_teachers",
	"building_m2", "sports_m2", "equipment_yuan", "multimedia_rooms",
}

// String returns the resource's column name in schools.csv.
func (r Resource) String() string {
	if r >= 0 && r < NumResources {
		return resourceColumns[r]
	}
	return fmt.Sprintf("resource(%d)", int(r))
}

// School is a school as the planner describes it. Per-stage arrays are
// indexed by Stage. Invariants after Validate: Seats, Classes,
// PurchasedSeats and every given resource are ≥ 0; at least one stage has
// seats.
type School struct {
	ID   string
	Name string
	// Loc is the gate: WGS-84 [lon, lat], or [x, y] metres in a planar Dataset.
	Loc   orb.Point
	Seats [NumStages]int
	// Classes per stage; 0 means not given (see ClassesOf for the default).
	Classes        [NumStages]int
	Ownership      Ownership
	PurchasedSeats int
	Boarding       bool
	Area           Area
	Status         Status
	// Resources holds the optional figures; HasResource says which were given.
	Resources   [NumResources]float64
	HasResource [NumResources]bool
}

// Offers reports whether the school has seats in stage st.
func (s *School) Offers(st Stage) bool { return s.Seats[st] > 0 }

// NineYear reports whether the school offers both stages (九年一贯制).
func (s *School) NineYear() bool { return s.Seats[Primary] > 0 && s.Seats[Junior] > 0 }

// Zoneable reports whether the school takes part in near-zone zoning for st:
// open, public, not boarding, and offering the stage.
func (s *School) Zoneable(st Stage) bool {
	return s.Status == Open && s.Ownership == Public && !s.Boarding && s.Offers(st)
}

// ClassesOf returns the number of classes in stage st: the given figure, or
// seats divided by classSize rounded up when none was given.
func (s *School) ClassesOf(st Stage, classSize int) int {
	if s.Classes[st] > 0 || classSize <= 0 {
		return s.Classes[st]
	}
	return (s.Seats[st] + classSize - 1) / classSize
}

// Validate checks the invariants that do not depend on other records.
func (s *School) Validate() error {
	var errs []error
	if strings.TrimSpace(s.ID) == "" {
		errs = append(errs, errors.New("empty id"))
	}
	if !finitePoint(s.Loc) {
		errs = append(errs, errors.New("location is not a finite number"))
	}
	for st := range NumStages {
		if s.Seats[st] < 0 {
			errs = append(errs, fmt.Errorf("negative %s seats %d", Stage(st), s.Seats[st]))
		}
		if s.Classes[st] < 0 {
			errs = append(errs, fmt.Errorf("negative %s classes %d", Stage(st), s.Classes[st]))
		}
	}
	if s.Seats[Primary] == 0 && s.Seats[Junior] == 0 {
		errs = append(errs, errors.New("no seats in any stage"))
	}
	if s.PurchasedSeats < 0 {
		errs = append(errs, fmt.Errorf("negative purchased seats %d", s.PurchasedSeats))
	}
	for r := range NumResources {
		if s.HasResource[r] && (s.Resources[r] < 0 || !finite(s.Resources[r])) {
			errs = append(errs, fmt.Errorf("%s must be a finite number ≥ 0", Resource(r)))
		}
	}
	return errors.Join(errs...)
}

// Unit is a residential unit, the zoning building block (小区, street block or
// village). A zone is a set of whole units. Invariants after Validate:
// 0 ≤ Migrants[st] ≤ Pupils[st]; Geom is nil, an orb.Polygon or an
// orb.MultiPolygon with closed rings of ≥ 4 positions.
type Unit struct {
	ID   string
	Name string
	Area Area
	// Loc is the representative point used for distances: the given point, or
	// the polygon's centroid.
	Loc orb.Point
	// Geom is the unit's outline, nil for point units.
	Geom orb.Geometry
	// Pupils and Migrants per stage; Migrants are eligible migrant children
	// (随迁子女) among the pupils.
	Pupils   [NumStages]int
	Migrants [NumStages]int
	// Households is the number of household points aggregated into the unit
	// (0 when the unit was read directly).
	Households int
}

// Validate checks the invariants that do not depend on other records.
func (u *Unit) Validate() error {
	var errs []error
	if strings.TrimSpace(u.ID) == "" {
		errs = append(errs, errors.New("empty id"))
	}
	if !finitePoint(u.Loc) {
		errs = append(errs, errors.New("location is not a finite number"))
	}
	for st := range NumStages {
		if u.Pupils[st] < 0 {
			errs = append(errs, fmt.Errorf("negative %s pupils %d", Stage(st), u.Pupils[st]))
		}
		if u.Migrants[st] < 0 {
			errs = append(errs, fmt.Errorf("negative %s migrants %d", Stage(st), u.Migrants[st]))
		}
		if u.Migrants[st] > u.Pupils[st] {
			errs = append(errs, fmt.Errorf("%s migrants %d exceed pupils %d", Stage(st), u.Migrants[st], u.Pupils[st]))
		}
	}
	if u.Geom != nil {
		if err := ValidatePolygonal(u.Geom); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ValidatePolygonal checks that g is a Polygon or MultiPolygon whose rings
// are closed, have at least 4 positions and finite coordinates.
func ValidatePolygonal(g orb.Geometry) error {
	var polys []orb.Polygon
	switch t := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{t}
	case orb.MultiPolygon:
		polys = t
	default:
		return fmt.Errorf("geometry %s is not a Polygon or MultiPolygon", g.GeoJSONType())
	}
	if len(polys) == 0 {
		return errors.New("empty MultiPolygon")
	}
	for pi, p := range polys {
		if len(p) == 0 {
			return fmt.Errorf("polygon %d has no rings", pi)
		}
		for ri, r := range p {
			if len(r) < 4 {
				return fmt.Errorf("polygon %d ring %d has %d positions, need at least 4", pi, ri, len(r))
			}
			if r[0] != r[len(r)-1] {
				return fmt.Errorf("polygon %d ring %d is not closed", pi, ri)
			}
			for _, pt := range r {
				if !finitePoint(pt) {
					return fmt.Errorf("polygon %d ring %d has a non-finite coordinate", pi, ri)
				}
			}
		}
	}
	return nil
}

// Household is one household point, aggregated into units before zoning.
type Household struct {
	Loc     orb.Point
	Primary int
	Junior  int
	Migrant bool
	// UnitID is the unit the household belongs to, or "" when unknown.
	UnitID string
}

// Children returns the household's children in stage st.
func (h *Household) Children(st Stage) int {
	if st == Primary {
		return h.Primary
	}
	return h.Junior
}

// CurrentZone is one row of today's zoning: unit UnitID's zone school for
// Stage is SchoolID.
type CurrentZone struct {
	UnitID   string
	Stage    Stage
	SchoolID string
}

// Candidate is a site where a new school could be built. Seats of 0 mean
// "use the default size given to the site selector".
type Candidate struct {
	ID    string
	Name  string
	Loc   orb.Point
	Seats [NumStages]int
	Cost  float64
}

// Dataset is one city's data: what a scenario stores and a solve reads.
type Dataset struct {
	// Planar is true when coordinates are metres in a projected system
	// (--crs xy) rather than WGS-84 degrees.
	Planar     bool
	Schools    []School
	Units      []Unit
	Current    []CurrentZone
	Candidates []Candidate
}

// SchoolIndex maps school ids to their index in d.Schools.
func (d *Dataset) SchoolIndex() map[string]int {
	m := make(map[string]int, len(d.Schools))
	for i := range d.Schools {
		m[d.Schools[i].ID] = i
	}
	return m
}

// UnitIndex maps unit ids to their index in d.Units.
func (d *Dataset) UnitIndex() map[string]int {
	m := make(map[string]int, len(d.Units))
	for i := range d.Units {
		m[d.Units[i].ID] = i
	}
	return m
}

// Validate checks every record and the cross-record rules (unique ids,
// today's zoning naming known units and schools). It returns all problems
// joined, or nil.
func (d *Dataset) Validate() error {
	var errs []error
	seen := make(map[string]bool, len(d.Schools))
	for i := range d.Schools {
		s := &d.Schools[i]
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("school %q: %w", s.ID, err))
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("school %q: duplicate id", s.ID))
		}
		seen[s.ID] = true
	}
	useen := make(map[string]bool, len(d.Units))
	for i := range d.Units {
		u := &d.Units[i]
		if err := u.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("unit %q: %w", u.ID, err))
		}
		if useen[u.ID] {
			errs = append(errs, fmt.Errorf("unit %q: duplicate id", u.ID))
		}
		useen[u.ID] = true
	}
	for _, c := range d.Current {
		if !useen[c.UnitID] {
			errs = append(errs, fmt.Errorf("current zoning: unknown unit %q", c.UnitID))
		}
		if !seen[c.SchoolID] {
			errs = append(errs, fmt.Errorf("current zoning: unknown school %q", c.SchoolID))
		}
	}
	return errors.Join(errs...)
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func finitePoint(p orb.Point) bool { return finite(p[0]) && finite(p[1]) }
