package data

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// householdColumns are the households.csv columns of FORMATS.md besides the
// coordinates.
var householdColumns = []string{"primary", "junior", "migrant", "unit_id"}

// ReadHouseholds streams households.csv (FORMATS.md) from r, calling fn
// once per valid record in file order; name is the file name used in errors
// and warnings. Records are never accumulated, so a file of millions of
// households reads in constant memory. A Household's UnitID shares memory
// with the record it was read from (and consecutive equal ids share one
// string); callers that keep millions of households may want to intern ids.
//
// Columns: lon, lat (or x, y when opt.Planar) required; primary and junior
// (children of each stage, at least one of the two columns required);
// migrant (true/false, default false); unit_id (optional; checked with
// opt.KnownUnit when that is non-nil).
//
// Invalid records are not passed to fn; every problem is collected (up to
// opt.MaxErrors) and returned as an ErrorList after the last record, so a
// caller must discard what fn received when the result is non-nil. A file
// with a header and no records is an error. If fn returns an error, reading
// stops and that error is returned wrapped with the file and line; to make
// a long read cancellable, return ctx.Err() from fn when ctx is done.
func ReadHouseholds(r io.Reader, name string, opt ReadOptions, fn func(Household) error) error {
	errs := newCollector(name, opt.MaxErrors)
	f := openCSV(r, name, &opt, errs, householdColumns, nil, []string{"primary", "junior"}, true)
	iPrim, iJun, iMig, iUnit := f.index("primary"), f.index("junior"), f.index("migrant"), f.index("unit_id")
	// lastID is the previous valid unit_id: files sorted by unit repeat it,
	// and reusing it skips the checks and shares one string.
	lastID := ""
	for f.next() {
		var h Household
		h.Loc = f.point()
		h.Primary = f.count(iPrim, "primary")
		h.Junior = f.count(iJun, "junior")
		if iMig >= 0 {
			h.Migrant = f.boolean(iMig, "migrant")
		}
		if iUnit >= 0 {
			id := f.cell(iUnit)
			switch {
			case id == "":
			case id == lastID:
				id = lastID // share the string of the run's first record
			case !utf8.ValidString(id):
				f.fail("unit_id", errorf(ErrNotUTF8, "unit_id is not valid UTF-8"))
			case opt.KnownUnit != nil && !opt.KnownUnit(id):
				f.fail("unit_id", errorf(ErrUnknownUnit, "unknown unit %q", id))
			default:
				lastID = id
			}
			h.UnitID = id
		}
		if f.bad {
			continue
		}
		if err := fn(h); err != nil {
			return fmt.Errorf("%s:%d: %w", name, f.line, err)
		}
	}
	if !f.done && !errs.full && f.rows == 0 {
		errs.add(0, -1, "", errorf(ErrNoRows, "no households: the file has a header but no records"))
	}
	return errs.err()
}
