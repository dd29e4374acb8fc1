package data

import (
	"io"
)

// unitColumns are the unit fields of FORMATS.md besides the coordinates, in
// file order; they are CSV columns and GeoJSON properties alike.
var unitColumns = []string{
	"id", "name", "area", "primary_pupils", "junior_pupils", "primary_migrants", "junior_migrants",
}

var (
	pupilColumns   = [NumStages]string{"primary_pupils", "junior_pupils"}
	migrantColumns = [NumStages]string{"primary_migrants", "junior_migrants"}
)

// ReadUnitsCSV reads point units from units.csv (FORMATS.md); name is the
// file name used in errors and warnings.
//
// It returns every unit in file order, each a point unit (Geom nil) passing
// Unit.Validate, with unique ids and at least one unit; or nil and an
// ErrorList of every problem found (up to opt.MaxErrors). Header, BOM,
// trimming and number rules are those of ReadSchools.
func ReadUnitsCSV(r io.Reader, name string, opt ReadOptions) ([]Unit, error) {
	errs := newCollector(name, opt.MaxErrors)
	f := openCSV(r, name, &opt, errs, unitColumns, []string{"id"}, pupilColumns[:], true)
	iID, iName, iArea := f.index("id"), f.index("name"), f.index("area")
	var iPupils, iMigrants [NumStages]int
	for st := range NumStages {
		iPupils[st] = f.index(pupilColumns[st])
		iMigrants[st] = f.index(migrantColumns[st])
	}
	var units []Unit
	seen := map[string]int{}
	for f.next() {
		var u Unit
		u.ID = f.id(iID, "id", seen)
		u.Name = f.text(iName, "name")
		if c := f.cell(iArea); c != "" {
			a, err := ParseArea(c)
			if err != nil {
				f.fail("area", wrapKind(ErrUnknownValue, err))
			}
			u.Area = a
		}
		u.Loc = f.point()
		for st := range NumStages {
			u.Pupils[st] = f.count(iPupils[st], pupilColumns[st])
			u.Migrants[st] = f.count(iMigrants[st], migrantColumns[st])
		}
		if f.bad {
			continue
		}
		for st := range NumStages {
			if u.Migrants[st] > u.Pupils[st] {
				f.fail(migrantColumns[st], errorf(ErrMigrantsExceedPupils, "%d %s migrants exceed %d pupils", u.Migrants[st], Stage(st), u.Pupils[st]))
			}
		}
		if f.bad {
			continue
		}
		if err := u.Validate(); err != nil { // safety net
			f.fail("", wrapKind(ErrOutOfRange, err))
			continue
		}
		units = append(units, u)
	}
	if !f.done && !errs.full && f.rows == 0 {
		errs.add(0, -1, "", errorf(ErrNoRows, "no units: the file has a header but no records"))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return units, nil
}
