package data

import (
	"fmt"
	"io"
	"strings"
)

// schoolColumns are the schools.csv columns of FORMATS.md besides the
// coordinates, in file order.
var schoolColumns = []string{
	"id", "name", "primary_seats", "junior_seats", "primary_classes", "junior_classes",
	"ownership", "purchased_seats", "boarding", "area", "status",
	"staff", "qualified_teachers", "key_teachers", "pe_art_teachers",
	"building_m2", "sports_m2", "equipment_yuan", "multimedia_rooms",
}

var (
	seatColumns  = [NumStages]string{"primary_seats", "junior_seats"}
	classColumns = [NumStages]string{"primary_classes", "junior_classes"}
)

// ReadSchools reads schools.csv (FORMATS.md) from r; name is the file name
// used in errors and warnings.
//
// It returns every school in file order, each passing School.Validate, with
// unique ids and at least one school; or nil and an ErrorList of every
// problem found (up to opt.MaxErrors). Header names are case-insensitive
// and trimmed, a UTF-8 BOM is skipped, cells are trimmed, empty optional
// cells take their defaults, counts may be written "12" or "12.0".
// purchased_seats on a school that is not purchased is kept and reported
// through opt.Warn.
func ReadSchools(r io.Reader, name string, opt ReadOptions) ([]School, error) {
	errs := newCollector(name, opt.MaxErrors)
	f := openCSV(r, name, &opt, errs, schoolColumns, []string{"id"}, seatColumns[:], true)
	var (
		iID, iName                  = f.index("id"), f.index("name")
		iSeats, iClasses            [NumStages]int
		iOwn, iPurch, iBoard, iArea = f.index("ownership"), f.index("purchased_seats"), f.index("boarding"), f.index("area")
		iStatus                     = f.index("status")
		iRes                        [NumResources]int
	)
	for st := range NumStages {
		iSeats[st] = f.index(seatColumns[st])
		iClasses[st] = f.index(classColumns[st])
	}
	for k := range NumResources {
		iRes[k] = f.index(Resource(k).String())
	}
	var (
		schools   []School
		seen      = map[string]int{}
		oddPurch  []string // lines with purchased_seats on a non-purchased school
		nOddPurch int
	)
	for f.next() {
		var s School
		s.ID = f.id(iID, "id", seen)
		s.Name = f.text(iName, "name")
		s.Loc = f.point()
		for st := range NumStages {
			s.Seats[st] = f.count(iSeats[st], seatColumns[st])
			s.Classes[st] = f.count(iClasses[st], classColumns[st])
		}
		if c := f.cell(iOwn); c != "" {
			o, err := ParseOwnership(c)
			if err != nil {
				f.fail("ownership", wrapKind(ErrUnknownValue, err))
			}
			s.Ownership = o
		}
		s.PurchasedSeats = f.count(iPurch, "purchased_seats")
		s.Boarding = f.boolean(iBoard, "boarding")
		if c := f.cell(iArea); c != "" {
			a, err := ParseArea(c)
			if err != nil {
				f.fail("area", wrapKind(ErrUnknownValue, err))
			}
			s.Area = a
		}
		if c := f.cell(iStatus); c != "" {
			st, err := ParseStatus(c)
			if err != nil {
				f.fail("status", wrapKind(ErrUnknownValue, err))
			}
			s.Status = st
		}
		for k := range NumResources {
			s.Resources[k], s.HasResource[k] = f.number(iRes[k], Resource(k).String())
		}
		if f.bad {
			continue
		}
		// Cross-column rules, only once every cell parsed.
		total := s.Seats[Primary] + s.Seats[Junior]
		if total == 0 {
			f.fail(firstPresent(f, seatColumns[:]), errorf(ErrNoSeats, "no seats in any stage (primary_seats and junior_seats are 0 or empty)"))
			continue
		}
		if s.PurchasedSeats > total {
			f.fail("purchased_seats", errorf(ErrOutOfRange, "%d purchased seats exceed the school's %d seats", s.PurchasedSeats, total))
			continue
		}
		if s.PurchasedSeats > 0 && s.Ownership != Purchased {
			if len(oddPurch) < 10 {
				oddPurch = append(oddPurch, fmt.Sprint(f.line))
			}
			nOddPurch++
		}
		if err := s.Validate(); err != nil { // safety net: the checks above should cover it
			f.fail("", wrapKind(ErrOutOfRange, err))
			continue
		}
		schools = append(schools, s)
	}
	if nOddPurch > 0 {
		more := ""
		if nOddPurch > len(oddPurch) {
			more = ", …"
		}
		what := fmt.Sprintf("%d schools whose ownership is not purchased (lines", nOddPurch)
		if nOddPurch == 1 {
			what = "a school whose ownership is not purchased (line"
		}
		opt.warn("%s: purchased_seats given for %s %s%s); those seats do not count as government-purchased places",
			name, what, strings.Join(oddPurch, ", "), more)
	}
	if !f.done && !errs.full && f.rows == 0 {
		errs.add(0, -1, "", errorf(ErrNoRows, "no schools: the file has a header but no records"))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return schools, nil
}

// firstPresent returns the first of cols that the file has.
func firstPresent(f *csvFile, cols []string) string {
	for _, c := range cols {
		if f.index(c) >= 0 {
			return c
		}
	}
	return cols[0]
}
