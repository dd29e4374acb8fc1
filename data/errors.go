package data

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kinds of input problems. Every error a reader reports wraps exactly one of
// these, so callers (the HTTP API, tests) can classify problems with
// errors.Is without parsing messages.
var (
	// ErrEmptyFile: the file has no header row (or, for GeoJSON, no JSON value).
	ErrEmptyFile = errors.New("empty file")
	// ErrNoRows: a schools, units or households file has a header but no records.
	ErrNoRows = errors.New("no records")
	// ErrMissingColumn: a required column (CSV) or property (GeoJSON) is absent.
	ErrMissingColumn = errors.New("missing column")
	// ErrDuplicateColumn: two header cells name the same column.
	ErrDuplicateColumn = errors.New("duplicate column")
	// ErrFieldCount: a CSV row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrSyntax: the file is not well-formed CSV or JSON (for example a
	// truncated GeoJSON file or a bare quote in a CSV field).
	ErrSyntax = errors.New("syntax error")
	// ErrNotUTF8: a text cell is not valid UTF-8 (often a GBK export).
	ErrNotUTF8 = errors.New("not UTF-8")
	// ErrMissingValue: a required cell is empty.
	ErrMissingValue = errors.New("missing value")
	// ErrInvalidNumber: a cell is not a number, or not a whole number where
	// a count is expected.
	ErrInvalidNumber = errors.New("invalid number")
	// ErrNotFinite: a number is NaN or infinite.
	ErrNotFinite = errors.New("not a finite number")
	// ErrOutOfRange: a number is outside its allowed range (longitude,
	// latitude, counts above MaxCount, purchased seats above seats).
	ErrOutOfRange = errors.New("out of range")
	// ErrNegative: a count or resource that must be ≥ 0 is negative.
	ErrNegative = errors.New("negative value")
	// ErrMigrantsExceedPupils: a unit has more migrant children than pupils.
	ErrMigrantsExceedPupils = errors.New("migrants exceed pupils")
	// ErrInvalidBool: a boolean cell is not true/false.
	ErrInvalidBool = errors.New("invalid boolean")
	// ErrUnknownValue: an enumeration (ownership, area, status, stage) has
	// an unknown spelling.
	ErrUnknownValue = errors.New("unknown value")
	// ErrDuplicateID: an id (or, in current.csv, a unit and stage pair)
	// occurs twice.
	ErrDuplicateID = errors.New("duplicate id")
	// ErrNoSeats: a school has no seats in any stage.
	ErrNoSeats = errors.New("no seats")
	// ErrUnknownUnit: a household names a unit that ReadOptions.KnownUnit
	// rejects.
	ErrUnknownUnit = errors.New("unknown unit")
	// ErrNotFeatureCollection: a GeoJSON file is not a FeatureCollection, or a
	// member of its features array is not a Feature.
	ErrNotFeatureCollection = errors.New("not a FeatureCollection")
	// ErrGeometry: a GeoJSON geometry is missing, of a type other than Point,
	// Polygon or MultiPolygon, or malformed (short or unclosed ring, bad
	// position, zero area).
	ErrGeometry = errors.New("invalid geometry")
	// ErrTooManyErrors marks the last entry of an ErrorList that was cut
	// short at ReadOptions.MaxErrors; reading stopped there.
	ErrTooManyErrors = errors.New("too many errors")
)

// ParseError is one problem in one input file, located as precisely as the
// format allows. Its Err wraps one of the Err* kinds of this package.
//
// Invariants: File is the base name the reader was given; Line is the
// 1-based line of a CSV record (1 is the header) or 0 when not applicable;
// Feature is the 0-based index in a GeoJSON features array or -1 when not
// applicable; Column is the canonical lower-case column or property name, or
// "" when the problem is not about one column.
type ParseError struct {
	File    string
	Line    int
	Feature int
	Column  string
	Err     error
}

// Error formats the problem like the compiler does:
//
//	schools.csv:12: column primary_seats: invalid number "abc"
//	units.geojson: feature 7: property primary_pupils: negative value -3
//	units.geojson: feature 9: geometry: geometry type "LineString" not allowed: …
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Feature >= 0 {
		b.WriteString("feature ")
		b.WriteString(strconv.Itoa(e.Feature))
		b.WriteString(": ")
	}
	if e.Column != "" {
		if e.Feature >= 0 {
			if e.Column != "geometry" { // a Feature member, not a property
				b.WriteString("property ")
			}
		} else {
			b.WriteString("column ")
		}
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, ErrInvalidNumber)
// and similar work.
func (e *ParseError) Unwrap() error { return e.Err }

// ErrorList is every problem a reader found in one file, in file order, at
// most ReadOptions.MaxErrors entries plus a final ErrTooManyErrors entry.
// Readers return a non-empty ErrorList or nil, never an empty list.
type ErrorList []*ParseError

// Error lists the problems, one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the entries, so errors.Is and errors.As look into each.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// kindError is an error of one of the Err* kinds with its own message and
// an optional cause.
type kindError struct {
	kind  error
	msg   string
	cause error
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

// errorf returns an error of the given kind with a formatted message.
func errorf(kind error, format string, a ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, a...)}
}

// wrapKind classifies cause as kind, keeping cause's message.
func wrapKind(kind, cause error) error {
	return &kindError{kind: kind, msg: cause.Error(), cause: cause}
}

// defaultMaxErrors is the ErrorList cap used when ReadOptions.MaxErrors is 0.
const defaultMaxErrors = 100

// collector accumulates a file's problems up to a cap.
type collector struct {
	file string
	max  int // ≤ 0: unlimited
	list ErrorList
	full bool
}

func newCollector(file string, maxErrors int) *collector {
	switch {
	case maxErrors == 0:
		maxErrors = defaultMaxErrors
	case maxErrors < 0:
		maxErrors = 0
	}
	return &collector{file: file, max: maxErrors}
}

// add records a problem. Once the cap is reached it appends one final
// ErrTooManyErrors entry and sets full; the reader must then stop.
func (c *collector) add(line, feature int, column string, err error) {
	if c.full {
		return
	}
	if c.max > 0 && len(c.list) >= c.max {
		c.list = append(c.list, &ParseError{File: c.file, Line: line, Feature: feature,
			Err: errorf(ErrTooManyErrors, "too many errors, stopped reading after %d", c.max)})
		c.full = true
		return
	}
	c.list = append(c.list, &ParseError{File: c.file, Line: line, Feature: feature, Column: column, Err: err})
}

// err returns the list as an error, or nil when it is empty.
func (c *collector) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return c.list
}
