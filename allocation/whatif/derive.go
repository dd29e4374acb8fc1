// Package whatif owns what-if scenarios: datasets derived from a stored
// scenario by planned changes (a planned school, a closure under 先建后撤,
// changed seats or classes, pupils grown or shrunk by area class or inside
// a polygon, a new housing development), the comparison of a scenario's
// plan with its parent's (indicator deltas, zones changed, exactly the
// units whose zone school changes, per-school utilisation before and
// after), and the provision check of POLICY.md §B5.
//
// Derivations work on a Clone and never modify the parent dataset. They
// return errors for unknown ids and bad values, never panic on user input.
package whatif

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"catchment/allocation"
	"catchment/data"
)

// Clone returns a deep copy of the slices of ds (geometries are shared:
// derivations never modify them).
func Clone(ds *data.Dataset) *data.Dataset {
	out := *ds
	out.Schools = slices.Clone(ds.Schools)
	out.Units = slices.Clone(ds.Units)
	out.Current = slices.Clone(ds.Current)
	out.Candidates = slices.Clone(ds.Candidates)
	return &out
}

func schoolAt(ds *data.Dataset, id string) (*data.School, error) {
	for i := range ds.Schools {
		if ds.Schools[i].ID == id {
			return &ds.Schools[i], nil
		}
	}
	return nil, fmt.Errorf("no school %q", id)
}

// AddSchool adds a planned school to ds. It enters the scenario as an open
// school (the scenario describes the city once it is built), public unless
// s says otherwise. The id must be new.
func AddSchool(ds *data.Dataset, s data.School) error {
	if _, err := schoolAt(ds, s.ID); err == nil {
		return fmt.Errorf("add school: id %q already exists", s.ID)
	}
	s.Status = data.Open
	if err := s.Validate(); err != nil {
		return fmt.Errorf("add school %q: %w", s.ID, err)
	}
	ds.Schools = append(ds.Schools, s)
	return nil
}

// ClosureRefused is the error of a closure that would leave pupils without
// a seat (先建后撤: build before closing). Missing[st] is the number of
// pupils of stage st the closure leaves without a seat anywhere.
type ClosureRefused struct {
	SchoolID string
	Missing  [data.NumStages]int
}

// Error says how many seats are missing.
func (e *ClosureRefused) Error() string {
	msg := fmt.Sprintf("closing school %q is refused (先建后撤): it would leave", e.SchoolID)
	sep := ""
	for st, m := range e.Missing {
		if m > 0 {
			msg += fmt.Sprintf("%s %d %s pupils", sep, m, data.Stage(st))
			sep = " and"
		}
	}
	return msg + " without a seat; build the seats first or force the closure"
}

// MissingSeats returns, per stage, how many more pupils would lack a seat
// if school id closed: max(0, P − S + s) − max(0, P − S), with P the stage's
// pupils, S the seats of zoneable schools, s the closed school's seats.
func MissingSeats(ds *data.Dataset, id string) ([data.NumStages]int, error) {
	var miss [data.NumStages]int
	sc, err := schoolAt(ds, id)
	if err != nil {
		return miss, err
	}
	for st := range data.NumStages {
		if !sc.Zoneable(data.Stage(st)) {
			continue
		}
		var pupils, seats int
		for i := range ds.Units {
			pupils += ds.Units[i].Pupils[st]
		}
		for i := range ds.Schools {
			if ds.Schools[i].Zoneable(data.Stage(st)) {
				seats += ds.Schools[i].Seats[st]
			}
		}
		after := seats - sc.Seats[st]
		miss[st] = max(0, pupils-after) - max(0, pupils-seats)
	}
	return miss, nil
}

// CloseSchool closes school id: its status becomes closed, so its pupils
// are re-zoned when the scenario is solved. Unless force is set, a closure
// that would leave pupils without a seat is refused with a *ClosureRefused
// error and ds is left unchanged. The returned counts are the missing seats
// (all zero when the remaining seats suffice).
func CloseSchool(ds *data.Dataset, id string, force bool) ([data.NumStages]int, error) {
	miss, err := MissingSeats(ds, id)
	if err != nil {
		return miss, fmt.Errorf("close school: %w", err)
	}
	short := false
	for _, m := range miss {
		short = short || m > 0
	}
	if short && !force {
		return miss, &ClosureRefused{SchoolID: id, Missing: miss}
	}
	sc, _ := schoolAt(ds, id)
	sc.Status = data.Closed
	return miss, nil
}

// SetSeats sets school id's seats in stage st (≥ 0; a school keeps seats
// in at least one stage).
func SetSeats(ds *data.Dataset, id string, st data.Stage, seats int) error {
	sc, err := schoolAt(ds, id)
	if err != nil {
		return fmt.Errorf("set seats: %w", err)
	}
	if st < 0 || st >= data.NumStages || seats < 0 {
		return fmt.Errorf("set seats of %q: bad stage or seats %d", id, seats)
	}
	old := sc.Seats[st]
	sc.Seats[st] = seats
	if err := sc.Validate(); err != nil {
		sc.Seats[st] = old
		return fmt.Errorf("set seats of %q: %w", id, err)
	}
	return nil
}

// SetClasses sets school id's classes in stage st and its seats to
// classes × classSize (the policy's class-size cap for the stage).
func SetClasses(ds *data.Dataset, id string, st data.Stage, classes, classSize int) error {
	if classes < 0 || classSize <= 0 {
		return fmt.Errorf("set classes of %q: classes %d, class size %d", id, classes, classSize)
	}
	if err := SetSeats(ds, id, st, classes*classSize); err != nil {
		return err
	}
	sc, _ := schoolAt(ds, id)
	sc.Classes[st] = classes
	return nil
}

// Selection picks units: those of Area (when non-nil) whose point lies in
// Polygon (when non-nil; a Polygon or MultiPolygon in the dataset's
// coordinates). The zero Selection picks every unit.
type Selection struct {
	Area    *data.Area
	Polygon orb.Geometry
}

// Contains reports whether unit u is selected.
func (s Selection) Contains(u *data.Unit) bool {
	if s.Area != nil && u.Area != *s.Area {
		return false
	}
	switch g := s.Polygon.(type) {
	case nil:
		return true
	case orb.Polygon:
		return planar.PolygonContains(g, u.Loc)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, u.Loc)
	}
	return false
}

// ScalePupils multiplies the pupils (and migrants) of every stage in the
// selected units by factor (≥ 0), rounding to whole pupils. It returns the
// number of units changed.
func ScalePupils(ds *data.Dataset, sel Selection, factor float64) (int, error) {
	if !(factor >= 0) || math.IsInf(factor, 0) {
		return 0, fmt.Errorf("scale pupils: factor %v must be a finite number ≥ 0", factor)
	}
	if sel.Polygon != nil {
		if err := data.ValidatePolygonal(sel.Polygon); err != nil {
			return 0, fmt.Errorf("scale pupils: %w", err)
		}
	}
	n := 0
	for i := range ds.Units {
		u := &ds.Units[i]
		if !sel.Contains(u) {
			continue
		}
		changed := false
		for st := range data.NumStages {
			p := int(math.Round(float64(u.Pupils[st]) * factor))
			m := min(p, int(math.Round(float64(u.Migrants[st])*factor)))
			changed = changed || p != u.Pupils[st]
			u.Pupils[st], u.Migrants[st] = p, m
		}
		if changed {
			n++
		}
	}
	return n, nil
}

// Housing is a new housing development: a new unit whose pupils follow
// from its residents by the policy's ChildrenPerResident ratios.
type Housing struct {
	ID, Name   string
	Loc        orb.Point
	Geom       orb.Geometry // optional outline
	Population int
	Area       data.Area
}

// AddHousing adds h to ds as a new unit and returns it.
func AddHousing(ds *data.Dataset, h Housing, rules allocation.ProvisionRules) (*data.Unit, error) {
	if h.Population < 0 {
		return nil, fmt.Errorf("housing %q: population %d < 0", h.ID, h.Population)
	}
	for i := range ds.Units {
		if ds.Units[i].ID == h.ID {
			return nil, fmt.Errorf("housing %q: a unit with that id exists", h.ID)
		}
	}
	u := data.Unit{ID: h.ID, Name: h.Name, Area: h.Area, Loc: h.Loc, Geom: h.Geom}
	for st := range data.NumStages {
		u.Pupils[st] = int(math.Round(float64(h.Population) * rules.ChildrenPerResident[st]))
	}
	if err := u.Validate(); err != nil {
		return nil, fmt.Errorf("housing %q: %w", h.ID, err)
	}
	if u.Pupils == [data.NumStages]int{} {
		return nil, errors.New("housing " + h.ID + ": no pupils (population too small for the ratios)")
	}
	ds.Units = append(ds.Units, u)
	return &ds.Units[len(ds.Units)-1], nil
}
