package data

import (
	"io"
)

var candidateColumns = []string{"id", "primary_seats", "junior_seats", "name", "cost"}

// ReadCandidates reads candidate sites for new schools, candidates.csv
// (FORMATS.md: id and lon,lat or x,y required; primary_seats, junior_seats,
// name, cost optional); name is the file name used in errors and warnings.
//
// It returns the sites in file order with unique non-empty ids, seats ≥ 0
// and a finite cost ≥ 0; or nil and an ErrorList of every problem found (up
// to opt.MaxErrors). A header without records is valid and yields an empty
// slice; an empty file (no header) is ErrEmptyFile.
func ReadCandidates(r io.Reader, name string, opt ReadOptions) ([]Candidate, error) {
	errs := newCollector(name, opt.MaxErrors)
	f := openCSV(r, name, &opt, errs, candidateColumns, []string{"id"}, nil, true)
	iID, iName, iCost := f.index("id"), f.index("name"), f.index("cost")
	var iSeats [NumStages]int
	for st := range NumStages {
		iSeats[st] = f.index(seatColumns[st])
	}
	seen := map[string]int{}
	cands := []Candidate{}
	for f.next() {
		var c Candidate
		c.ID = f.id(iID, "id", seen)
		c.Name = f.text(iName, "name")
		c.Loc = f.point()
		for st := range NumStages {
			c.Seats[st] = f.count(iSeats[st], seatColumns[st])
		}
		c.Cost, _ = f.number(iCost, "cost")
		if f.bad {
			continue
		}
		cands = append(cands, c)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return cands, nil
}
