package data

import (
	"io"
)

var currentColumns = []string{"unit_id", "stage", "school_id"}

// ReadCurrent reads today's zoning, current.csv (FORMATS.md:
// unit_id,stage,school_id, all required); name is the file name used in
// errors and warnings.
//
// It returns the rows in file order, each with non-empty ids, a valid stage
// and no (unit_id, stage) pair twice; or nil and an ErrorList of every
// problem found (up to opt.MaxErrors). A header without records is valid
// and yields an empty slice; an empty file (no header) is ErrEmptyFile.
// Whether the ids name known units and schools
// is checked by Dataset.Validate, not here.
func ReadCurrent(r io.Reader, name string, opt ReadOptions) ([]CurrentZone, error) {
	errs := newCollector(name, opt.MaxErrors)
	f := openCSV(r, name, &opt, errs, currentColumns, currentColumns, nil, false)
	iUnit, iStage, iSchool := f.index("unit_id"), f.index("stage"), f.index("school_id")
	type key struct {
		unit  string
		stage Stage
	}
	seen := map[key]int{}
	zones := []CurrentZone{}
	for f.next() {
		var z CurrentZone
		z.UnitID = f.id(iUnit, "unit_id", nil)
		st, err := ParseStage(f.cell(iStage))
		if err != nil {
			if f.cell(iStage) == "" {
				err = errorf(ErrMissingValue, "empty stage (want primary or junior)")
			} else {
				err = wrapKind(ErrUnknownValue, err)
			}
			f.fail("stage", err)
		}
		z.Stage = st
		z.SchoolID = f.id(iSchool, "school_id", nil)
		if f.bad {
			continue
		}
		k := key{z.UnitID, z.Stage}
		if first, dup := seen[k]; dup {
			f.fail("unit_id", errorf(ErrDuplicateID, "unit %q already has a %s zone school (line %d)", z.UnitID, z.Stage, first))
			continue
		}
		seen[k] = f.line
		zones = append(zones, z)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return zones, nil
}
