package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// ReadOptions configures the readers. The zero value reads WGS-84 degrees,
// reports up to 100 problems and discards warnings.
type ReadOptions struct {
	// Planar selects projected coordinates in metres (--crs xy): CSV columns
	// x, y (lon, lat are accepted as their aliases) and no range check.
	// Otherwise CSV columns lon, lat hold degrees, checked against
	// [-180, 180] and [-90, 90].
	Planar bool
	// Transform, when non-nil, is applied to every coordinate after it was
	// parsed and range-checked, for example GCJ-02 → WGS-84. It must be
	// deterministic; a non-finite result is reported as an error.
	Transform func(orb.Point) orb.Point
	// MaxErrors caps the problems reported per file: 0 means 100, a
	// negative value means no cap. When the cap is hit the list ends with an
	// ErrTooManyErrors entry and reading stops.
	MaxErrors int
	// Warn receives non-fatal findings (unknown columns, one message per
	// file; purchased_seats on schools that are not purchased). Messages
	// start with the file name. Nil discards them.
	Warn func(msg string)
	// KnownUnit, when non-nil, must return true for every non-empty
	// households unit_id.
	KnownUnit func(id string) bool
}

func (o *ReadOptions) warn(format string, a ...any) {
	if o.Warn != nil {
		o.Warn(fmt.Sprintf(format, a...))
	}
}

// MaxCount is the largest count (seats, classes, pupils, children) a reader
// accepts. It keeps sums over a city far from integer overflow.
const MaxCount = 1_000_000_000

// stripBOM returns a buffered reader positioned after a leading UTF-8 BOM,
// if any.
func stripBOM(r io.Reader) *bufio.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	if b, err := br.Peek(3); err == nil && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		_, _ = br.Discard(3)
	}
	return br
}

// csvFile is one CSV input being read: the header map, the current record
// and the problems found so far.
type csvFile struct {
	opt  *ReadOptions
	errs *collector
	r    *csv.Reader
	cols map[string]int // canonical column name → field index
	nHdr int
	rec  []string
	line int  // line of the current record
	bad  bool // the current record has a problem
	done bool // a fatal problem stopped reading
	rows int  // records returned by next, good or bad
	// xCol, yCol name the coordinate columns in use ("lon"/"lat" or "x"/"y");
	// xi, yi are their indexes (-1 when the file has no coordinates).
	xCol, yCol string
	xi, yi     int
}

// coordNames are the coordinate column pairs known to every CSV format.
var coordNames = []string{"lon", "lat", "x", "y"}

// openCSV reads the header. known lists the format's column names besides
// the coordinates; required lists the ones that must be present; oneOf, when
// non-empty, lists columns of which at least one must be present. withCoords
// says whether lon,lat (or x,y) are required. On a fatal header problem the
// returned csvFile has done set and the problems recorded in errs.
func openCSV(r io.Reader, name string, opt *ReadOptions, errs *collector, known, required, oneOf []string, withCoords bool) *csvFile {
	f := &csvFile{opt: opt, errs: errs, xi: -1, yi: -1}
	f.r = csv.NewReader(stripBOM(r))
	f.r.FieldsPerRecord = -1
	f.r.ReuseRecord = true
	hdr, err := f.r.Read()
	if err == io.EOF {
		errs.add(0, -1, "", errorf(ErrEmptyFile, "empty file: want a header row"))
		f.done = true
		return f
	}
	if err != nil {
		errs.add(1, -1, "", csvSyntax(err))
		f.done = true
		return f
	}
	f.nHdr = len(hdr)
	f.cols = make(map[string]int, len(hdr))
	var unknown []string
	for i, h := range hdr {
		c := strings.ToLower(strings.TrimSpace(h))
		if c == "" {
			continue // trailing empty columns from spreadsheets
		}
		if !utf8.ValidString(c) {
			errs.add(1, -1, "", errorf(ErrNotUTF8, "header cell %d is not valid UTF-8 (save the file as UTF-8)", i+1))
			f.done = true
			continue
		}
		if j, dup := f.cols[c]; dup {
			errs.add(1, -1, c, errorf(ErrDuplicateColumn, "duplicate column (fields %d and %d)", j+1, i+1))
			f.done = true
			continue
		}
		f.cols[c] = i
		if !slices.Contains(known, c) && !slices.Contains(coordNames, c) {
			unknown = append(unknown, c)
		}
	}
	if len(hdr) == 1 && strings.ContainsAny(hdr[0], ";\t|") {
		errs.add(1, -1, "", errorf(ErrMissingColumn, "the header has a single field %q: separate columns with commas, not semicolons, tabs or bars", trunc(hdr[0], 60)))
		f.done = true
		return f
	}
	if len(unknown) > 0 {
		opt.warn("%s: ignoring unknown columns: %s", name, strings.Join(unknown, ", "))
	}
	for _, c := range required {
		if _, ok := f.cols[c]; !ok {
			errs.add(1, -1, c, errorf(ErrMissingColumn, "missing required column"))
			f.done = true
		}
	}
	if len(oneOf) > 0 {
		found := false
		for _, c := range oneOf {
			if _, ok := f.cols[c]; ok {
				found = true
			}
		}
		if !found {
			errs.add(1, -1, oneOf[0], errorf(ErrMissingColumn, "missing column: need at least one of %s", strings.Join(oneOf, ", ")))
			f.done = true
		}
	}
	if withCoords {
		f.findCoords()
	}
	return f
}

// findCoords locates the coordinate columns: x, y when planar (lon, lat
// accepted), lon, lat otherwise.
func (f *csvFile) findCoords() {
	want, alt := [2]string{"lon", "lat"}, [2]string{"x", "y"}
	if f.opt.Planar {
		want, alt = alt, want
	}
	xi, xok := f.cols[want[0]]
	yi, yok := f.cols[want[1]]
	if xok && yok {
		f.xCol, f.yCol, f.xi, f.yi = want[0], want[1], xi, yi
		return
	}
	axi, axok := f.cols[alt[0]]
	ayi, ayok := f.cols[alt[1]]
	if f.opt.Planar && axok && ayok {
		f.xCol, f.yCol, f.xi, f.yi = alt[0], alt[1], axi, ayi
		return
	}
	hint := ""
	if !f.opt.Planar && axok && ayok {
		hint = " (the file has x, y columns: planar metres need the planar coordinate system, --crs xy)"
	}
	switch {
	case !xok && !yok:
		f.errs.add(1, -1, want[0], errorf(ErrMissingColumn, "missing required columns %s, %s%s", want[0], want[1], hint))
	case !xok:
		f.errs.add(1, -1, want[0], errorf(ErrMissingColumn, "missing required column%s", hint))
	default:
		f.errs.add(1, -1, want[1], errorf(ErrMissingColumn, "missing required column%s", hint))
	}
	f.done = true
}

// csvSyntax classifies an encoding/csv error.
func csvSyntax(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &kindError{kind: ErrSyntax, msg: "invalid CSV: " + pe.Err.Error(), cause: err}
	}
	return &kindError{kind: ErrSyntax, msg: "read: " + err.Error(), cause: err}
}

// next advances to the next record, reporting malformed records and
// skipping them. It returns false at the end of the file, after a fatal
// problem, or when the error cap is reached.
func (f *csvFile) next() bool {
	for !f.done && !f.errs.full {
		before := f.r.InputOffset()
		rec, err := f.r.Read()
		if err == io.EOF {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				f.errs.add(0, -1, "", csvSyntax(err))
				f.done = true
				return false
			}
			f.errs.add(pe.StartLine, -1, "", csvSyntax(err))
			if f.r.InputOffset() == before {
				f.done = true // no progress: stop rather than spin
				return false
			}
			f.rows++
			continue
		}
		f.line, _ = f.r.FieldPos(0)
		f.rows++
		if len(rec) != f.nHdr {
			f.errs.add(f.line, -1, "", errorf(ErrFieldCount, "record has %d fields, header has %d", len(rec), f.nHdr))
			continue
		}
		f.rec = rec
		f.bad = false
		return true
	}
	return false
}

// fail records a problem in column col of the current record.
func (f *csvFile) fail(col string, err error) {
	f.bad = true
	f.errs.add(f.line, -1, col, err)
}

// index returns the field index of column c, or -1.
func (f *csvFile) index(c string) int {
	if i, ok := f.cols[c]; ok {
		return i
	}
	return -1
}

// cell returns the trimmed content of field i, "" when i < 0.
func (f *csvFile) cell(i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(f.rec[i])
}

// text returns field i as free text, checking it is UTF-8.
func (f *csvFile) text(i int, col string) string {
	s := f.cell(i)
	if !utf8.ValidString(s) {
		f.fail(col, errorf(ErrNotUTF8, "text is not valid UTF-8 (save the file as UTF-8)"))
		return ""
	}
	return s
}

// id returns field i as a required identifier, checking it is non-empty,
// UTF-8 and (when seen is non-nil) not seen on an earlier line.
func (f *csvFile) id(i int, col string, seen map[string]int) string {
	s := f.text(i, col)
	if s == "" {
		if f.cell(i) == "" {
			f.fail(col, errorf(ErrMissingValue, "empty %s", col))
		}
		return ""
	}
	if seen != nil {
		if first, dup := seen[s]; dup {
			f.fail(col, errorf(ErrDuplicateID, "duplicate id %q (first on line %d)", s, first))
		} else {
			seen[s] = f.line
		}
	}
	return s
}

// count parses field i as a count ≥ 0; empty means 0.
func (f *csvFile) count(i int, col string) int {
	if i < 0 {
		return 0
	}
	s := f.rec[i]
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= MaxCount {
		return n // fast path
	}
	n, err := parseCount(strings.TrimSpace(s))
	if err != nil {
		f.fail(col, err)
	}
	return n
}

// number parses field i as a finite float ≥ 0; empty means (0, false).
func (f *csvFile) number(i int, col string) (float64, bool) {
	s := f.cell(i)
	if s == "" {
		return 0, false
	}
	v, err := parseNumber(s)
	if err == nil && v < 0 {
		err = errorf(ErrNegative, "negative value %s", s)
	}
	if err != nil {
		f.fail(col, err)
		return 0, false
	}
	return v, true
}

// boolean parses field i; empty means false.
func (f *csvFile) boolean(i int, col string) bool {
	s := f.cell(i)
	v, err := parseBool(s)
	if err != nil {
		f.fail(col, err)
	}
	return v
}

// point parses the coordinate columns, range-checks and transforms them.
func (f *csvFile) point() orb.Point {
	var p orb.Point
	ok := true
	for k, i := range [2]int{f.xi, f.yi} {
		col := f.xCol
		if k == 1 {
			col = f.yCol
		}
		s := f.rec[i]
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			t := strings.TrimSpace(s)
			if t == "" {
				err = errorf(ErrMissingValue, "missing coordinate")
			} else {
				v, err = parseNumber(t)
			}
		}
		if err == nil && !f.opt.Planar {
			err = checkDegrees(k, v)
		}
		if err != nil {
			f.fail(col, err)
			ok = false
		}
		p[k] = v
	}
	if !ok {
		return orb.Point{}
	}
	if f.opt.Transform != nil {
		p = f.opt.Transform(p)
		if !finitePoint(p) {
			f.fail(f.xCol, errorf(ErrNotFinite, "coordinate transform gave a non-finite point"))
		}
	}
	return p
}

// checkDegrees range-checks a longitude (k = 0) or latitude (k = 1).
func checkDegrees(k int, v float64) error {
	if k == 0 && (v < -180 || v > 180) {
		return errorf(ErrOutOfRange, "longitude %s outside [-180, 180]", fmtFloat(v))
	}
	if k == 1 && (v < -90 || v > 90) {
		return errorf(ErrOutOfRange, "latitude %s outside [-90, 90]", fmtFloat(v))
	}
	return nil
}

// parseNumber parses a finite float.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, errorf(ErrOutOfRange, "number %q is too large", s)
		}
		return 0, errorf(ErrInvalidNumber, "invalid number %q", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errorf(ErrNotFinite, "not a finite number %q", s)
	}
	return v, nil
}

// parseCount parses a whole number in [0, MaxCount], written as "12" or
// "12.0"; empty means 0.
func parseCount(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v, ferr := parseNumber(s)
		if ferr != nil {
			return 0, ferr
		}
		if v != math.Trunc(v) {
			return 0, errorf(ErrInvalidNumber, "invalid number %q: not a whole number", s)
		}
		if v < 0 {
			return 0, errorf(ErrNegative, "negative value %s", s)
		}
		if v > MaxCount {
			return 0, errorf(ErrOutOfRange, "%s exceeds the maximum %d", s, MaxCount)
		}
		return int(v), nil
	}
	if n < 0 {
		return 0, errorf(ErrNegative, "negative value %s", s)
	}
	if n > MaxCount {
		return 0, errorf(ErrOutOfRange, "%s exceeds the maximum %d", s, MaxCount)
	}
	return n, nil
}

// parseBool parses true/false (also 1/0, yes/no, t/f, case-insensitive);
// empty means false.
func parseBool(s string) (bool, error) {
	switch s {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	switch strings.ToLower(s) {
	case "false", "f", "no", "n":
		return false, nil
	case "true", "t", "yes", "y":
		return true, nil
	}
	return false, errorf(ErrInvalidBool, "invalid boolean %q (want true or false)", s)
}

// trunc shortens s to at most n bytes (on a rune boundary) for a message.
func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// fmtFloat formats v with the fewest digits that read back exactly.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// openNamed opens path for a File helper and returns its base name.
func openNamed(path string) (*os.File, string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("open input: %w", err)
	}
	return fh, filepath.Base(path), nil
}

// ReadSchoolsFile reads a schools.csv file by path; errors name the file by
// its base name.
func ReadSchoolsFile(path string, opt ReadOptions) ([]School, error) {
	fh, name, err := openNamed(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return ReadSchools(fh, name, opt)
}

// ReadUnitsFile reads units by path: GeoJSON for the extensions .geojson
// and .json, CSV for .csv (case-insensitive); other extensions are an error.
func ReadUnitsFile(path string, opt ReadOptions) ([]Unit, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".geojson" && ext != ".json" && ext != ".csv" {
		return nil, fmt.Errorf("read units %s: unknown extension %q (want .csv, .geojson or .json)", path, ext)
	}
	fh, name, err := openNamed(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if ext == ".csv" {
		return ReadUnitsCSV(fh, name, opt)
	}
	return ReadUnitsGeoJSON(fh, name, opt)
}

// ReadHouseholdsFile streams a households.csv file by path into fn; see
// ReadHouseholds.
func ReadHouseholdsFile(path string, opt ReadOptions, fn func(Household) error) error {
	fh, name, err := openNamed(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return ReadHouseholds(fh, name, opt, fn)
}

// ReadCurrentFile reads a current.csv file by path.
func ReadCurrentFile(path string, opt ReadOptions) ([]CurrentZone, error) {
	fh, name, err := openNamed(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return ReadCurrent(fh, name, opt)
}

// ReadCandidatesFile reads a candidates.csv file by path.
func ReadCandidatesFile(path string, opt ReadOptions) ([]Candidate, error) {
	fh, name, err := openNamed(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return ReadCandidates(fh, name, opt)
}
