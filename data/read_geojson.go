package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// rawFeature is one member of a features array, with its parts still raw.
// Only Geometry and Properties can fail to decode (when they are not JSON
// objects); the decoder then still fills the other fields.
type rawFeature struct {
	Type       json.RawMessage            `json:"type"`
	ID         json.RawMessage            `json:"id"`
	Geometry   *rawGeometry               `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
	// geomErr records a geometry that is not an object.
	geomErr error
}

// rawGeometry is a GeoJSON geometry object with its parts still raw.
type rawGeometry struct {
	Type        json.RawMessage `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ReadUnitsGeoJSON reads units from a GeoJSON FeatureCollection
// (FORMATS.md), one Feature per unit; name is the file name used in errors
// and warnings.
//
// The file is decoded feature by feature from a token stream, so only one
// feature is held in memory at a time besides the result. A feature's
// geometry must be a Point, Polygon or MultiPolygon; positions are
// range-checked (unless opt.Planar) and transformed by opt.Transform. For a
// point the Loc is the point and Geom is nil; for a polygon Geom is the
// transformed geometry and Loc its area centroid (planar.CentroidArea).
// The id is properties.id, else the Feature id; numeric ids are kept as
// written. Property names are case-insensitive; values may be JSON numbers
// or numeric strings; null means absent.
//
// It returns every unit in file order, each passing Unit.Validate, with
// unique ids and at least one unit; or nil and an ErrorList of every
// problem found (up to opt.MaxErrors). Errors carry the feature index; a
// JSON syntax error (for example a truncated file) stops reading and names
// the feature reached.
func ReadUnitsGeoJSON(r io.Reader, name string, opt ReadOptions) ([]Unit, error) {
	g := &geoReader{
		opt:     &opt,
		errs:    newCollector(name, opt.MaxErrors),
		seen:    map[string]int{},
		unknown: map[string]bool{},
	}
	g.dec = json.NewDecoder(stripBOM(r))
	g.read()
	if len(g.unknown) > 0 {
		names := make([]string, 0, len(g.unknown))
		for k := range g.unknown {
			names = append(names, k)
		}
		slices.Sort(names)
		if len(names) > 20 {
			names = append(names[:20], fmt.Sprintf("and %d more", len(names)-20))
		}
		opt.warn("%s: ignoring unknown properties: %s", name, strings.Join(names, ", "))
	}
	if err := g.errs.err(); err != nil {
		return nil, err
	}
	return g.units, nil
}

// geoReader holds the state of one ReadUnitsGeoJSON call.
type geoReader struct {
	opt      *ReadOptions
	errs     *collector
	dec      *json.Decoder
	units    []Unit
	seen     map[string]int  // unit id → feature index
	unknown  map[string]bool // unknown property names
	feature  int             // index of the feature being read, -1 outside the array
	nFeat    int             // features seen
	hasPupil bool            // some feature has a pupils property
	bad      bool            // the current feature has a problem
}

// fatal reports a problem that stops reading. A decoder error is classified
// as a syntax error with the byte offset reached.
func (g *geoReader) fatal(err error) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		err = &kindError{kind: ErrSyntax, msg: fmt.Sprintf("truncated JSON: unexpected end of file after byte %d", g.dec.InputOffset()), cause: err}
	case errors.As(err, &se):
		err = &kindError{kind: ErrSyntax, msg: fmt.Sprintf("invalid JSON near byte %d: %v", se.Offset, se), cause: err}
	case errors.As(err, &te):
		err = &kindError{kind: ErrNotFeatureCollection, msg: fmt.Sprintf("unexpected JSON value at byte %d: %v", g.dec.InputOffset(), te), cause: err}
	case errors.As(err, new(*kindError)):
	default:
		err = &kindError{kind: ErrSyntax, msg: "read: " + err.Error(), cause: err}
	}
	g.errs.add(0, g.feature, "", err)
}

// fail reports a problem in property col of the current feature.
func (g *geoReader) fail(col string, err error) {
	g.bad = true
	g.errs.add(0, g.feature, col, err)
}

// read walks the top-level object.
func (g *geoReader) read() {
	g.feature = -1
	tok, err := g.dec.Token()
	if err == io.EOF {
		g.errs.add(0, -1, "", errorf(ErrEmptyFile, "empty file: want a GeoJSON FeatureCollection"))
		return
	}
	if err != nil {
		g.fatal(err)
		return
	}
	if tok != json.Delim('{') {
		g.errs.add(0, -1, "", errorf(ErrNotFeatureCollection, "not a FeatureCollection: the file is not a JSON object"))
		return
	}
	sawFeatures := false
	for g.dec.More() {
		kt, err := g.dec.Token()
		if err != nil {
			g.fatal(err)
			return
		}
		key, _ := kt.(string)
		switch key {
		case "type":
			var t any
			if err := g.dec.Decode(&t); err != nil {
				g.fatal(err)
				return
			}
			if t != "FeatureCollection" {
				g.errs.add(0, -1, "", errorf(ErrNotFeatureCollection, "not a FeatureCollection: type is %s", jsonText(t)))
				return
			}
		case "features":
			sawFeatures = true
			if !g.readFeatures() {
				return
			}
		default:
			var skip json.RawMessage
			if err := g.dec.Decode(&skip); err != nil {
				g.fatal(err)
				return
			}
		}
	}
	if _, err := g.dec.Token(); err != nil { // the closing brace
		g.fatal(err)
		return
	}
	end := g.dec.InputOffset()
	if _, err := g.dec.Token(); err != io.EOF {
		if err == nil {
			err = errorf(ErrSyntax, "unexpected data after the FeatureCollection, which ends at byte %d", end)
		}
		g.fatal(err)
		return
	}
	switch {
	case !sawFeatures:
		g.errs.add(0, -1, "", errorf(ErrNotFeatureCollection, "not a FeatureCollection: no features array"))
	case g.nFeat == 0:
		g.errs.add(0, -1, "", errorf(ErrNoRows, "no units: the features array is empty"))
	case !g.hasPupil && len(g.units) > 0:
		g.errs.add(0, -1, "primary_pupils", errorf(ErrMissingColumn, "no feature has a primary_pupils or junior_pupils property"))
	}
}

// readFeatures reads the features array; false means reading must stop.
func (g *geoReader) readFeatures() bool {
	tok, err := g.dec.Token()
	if err != nil {
		g.fatal(err)
		return false
	}
	if tok != json.Delim('[') {
		g.errs.add(0, -1, "", errorf(ErrNotFeatureCollection, "not a FeatureCollection: features is %s, not an array", jsonText(tok)))
		return false
	}
	for g.dec.More() {
		if g.errs.full {
			return false
		}
		g.feature = g.nFeat
		g.nFeat++
		var rf rawFeature
		g.bad = false
		err := g.dec.Decode(&rf)
		if err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) { // syntax or I/O: the stream is lost
				g.fatal(err)
				return false
			}
			// A well-formed value of the wrong shape: the decoder has moved
			// past it, so report it and carry on.
			switch te.Field {
			case "geometry":
				rf.Geometry = nil
				rf.geomErr = errorf(ErrGeometry, "geometry is a JSON %s, want a geometry object", te.Value)
			case "properties":
				g.fail("", errorf(ErrNotFeatureCollection, "properties is a JSON %s, want an object", te.Value))
				continue
			default:
				g.fail("", errorf(ErrNotFeatureCollection, "member of features is not a Feature object (got a JSON %s ending at byte %d)", te.Value, g.dec.InputOffset()))
				continue
			}
		}
		g.feature1(&rf)
	}
	if _, err := g.dec.Token(); err != nil { // the closing bracket
		g.fatal(err)
		return false
	}
	g.feature = -1
	return true
}

// feature1 converts one decoded feature into a unit.
func (g *geoReader) feature1(rf *rawFeature) {
	if t := bytes.TrimSpace(rf.Type); string(t) != `"Feature"` {
		if len(t) == 0 {
			t = []byte("missing")
		}
		if len(t) > 40 {
			t = append(t[:40:40], "…"...)
		}
		g.fail("", errorf(ErrNotFeatureCollection, "member of features has type %s, want \"Feature\"", t))
		return
	}
	props := make(map[string]json.RawMessage, len(rf.Properties))
	for k, v := range rf.Properties {
		lk := strings.ToLower(strings.TrimSpace(k))
		if _, dup := props[lk]; dup {
			g.fail(lk, errorf(ErrDuplicateColumn, "property %q given twice (names are case-insensitive)", lk))
			continue
		}
		props[lk] = v
		if !slices.Contains(unitColumns, lk) {
			g.unknown[lk] = true
		}
	}
	var u Unit
	u.ID = g.unitID(rf, props)
	u.Name = g.text(props, "name")
	if c := g.text(props, "area"); c != "" {
		a, err := ParseArea(c)
		if err != nil {
			g.fail("area", wrapKind(ErrUnknownValue, err))
		}
		u.Area = a
	}
	for st := range NumStages {
		if isPresent(props[pupilColumns[st]]) {
			g.hasPupil = true
		}
		u.Pupils[st] = g.count(props, pupilColumns[st])
		u.Migrants[st] = g.count(props, migrantColumns[st])
	}
	geom, loc, err := g.geometry(rf.Geometry)
	if rf.geomErr != nil {
		err = rf.geomErr
	}
	if err != nil {
		g.fail("geometry", err)
	}
	u.Geom, u.Loc = geom, loc
	if g.bad {
		return
	}
	for st := range NumStages {
		if u.Migrants[st] > u.Pupils[st] {
			g.fail(migrantColumns[st], errorf(ErrMigrantsExceedPupils, "%d %s migrants exceed %d pupils", u.Migrants[st], Stage(st), u.Pupils[st]))
		}
	}
	if g.bad {
		return
	}
	if err := u.Validate(); err != nil { // safety net
		g.fail("", wrapKind(ErrGeometry, err))
		return
	}
	g.units = append(g.units, u)
}

// unitID returns properties.id, else the Feature id, checking uniqueness.
func (g *geoReader) unitID(rf *rawFeature, props map[string]json.RawMessage) string {
	id, err := scalarText(props["id"])
	if err == nil && id == "" {
		id, err = scalarText(rf.ID)
	}
	switch {
	case err != nil:
		g.fail("id", err)
		return ""
	case id == "":
		g.fail("id", errorf(ErrMissingValue, "no id: want properties.id or a Feature id"))
		return ""
	case !utf8.ValidString(id):
		g.fail("id", errorf(ErrNotUTF8, "id is not valid UTF-8"))
		return ""
	}
	if first, dup := g.seen[id]; dup {
		g.fail("id", errorf(ErrDuplicateID, "duplicate id %q (first in feature %d)", id, first))
	} else {
		g.seen[id] = g.feature
	}
	return id
}

// text returns a string (or number, as written) property; absent or null
// is "".
func (g *geoReader) text(props map[string]json.RawMessage, col string) string {
	s, err := scalarText(props[col])
	if err == nil && !utf8.ValidString(s) {
		err = errorf(ErrNotUTF8, "text is not valid UTF-8")
	}
	if err != nil {
		g.fail(col, err)
		return ""
	}
	return s
}

// count returns a count property; absent or null is 0.
func (g *geoReader) count(props map[string]json.RawMessage, col string) int {
	raw := props[col]
	if !isPresent(raw) {
		return 0
	}
	if t := bytes.TrimSpace(raw); t[0] == 't' || t[0] == 'f' {
		g.fail(col, errorf(ErrInvalidNumber, "invalid number %s", t))
		return 0
	}
	s, err := scalarText(raw)
	if err != nil {
		g.fail(col, err)
		return 0
	}
	n, err := parseCount(s)
	if err != nil {
		g.fail(col, err)
	}
	return n
}

// isPresent reports whether a raw property value is given and not null.
func isPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && !bytes.Equal(t, []byte("null"))
}

// scalarText returns a JSON string's value (trimmed), a number or boolean
// as written, "" for absent or null; objects and arrays are an error.
func scalarText(raw json.RawMessage) (string, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return "", nil
	}
	switch t[0] {
	case '"':
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", errorf(ErrSyntax, "invalid JSON string: %v", err)
		}
		return strings.TrimSpace(s), nil
	case '{', '[':
		return "", errorf(ErrInvalidNumber, "want a string or number, got a JSON %s", map[byte]string{'{': "object", '[': "array"}[t[0]])
	}
	return string(t), nil
}

// jsonText renders a decoded JSON value or token briefly for a message.
func jsonText(v any) string {
	switch t := v.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) > 40 {
		return fmt.Sprintf("a JSON %T", v)
	}
	return string(b)
}

// geometry parses, checks and transforms a feature's geometry and returns
// it (nil for a point) with the unit's representative point.
func (g *geoReader) geometry(rg *rawGeometry) (orb.Geometry, orb.Point, error) {
	if rg == nil {
		return nil, orb.Point{}, errorf(ErrGeometry, "missing geometry: want a Point, Polygon or MultiPolygon")
	}
	typ, err := scalarText(rg.Type)
	if err != nil || (len(rg.Type) > 0 && rg.Type[0] != '"') {
		typ = string(bytes.TrimSpace(rg.Type))
	}
	bad := func(err error) (orb.Geometry, orb.Point, error) {
		return nil, orb.Point{}, &kindError{kind: ErrGeometry, msg: fmt.Sprintf("invalid %s coordinates: %v", typ, err), cause: err}
	}
	var geom orb.Geometry
	cp := coordParser{s: string(rg.Coordinates), g: g}
	switch typ {
	case "Point":
		var p orb.Point
		if p, err = cp.position(); err == nil {
			err = cp.end()
		}
		if err != nil {
			return bad(err)
		}
		return nil, p, nil
	case "Polygon":
		var p orb.Polygon
		if p, err = cp.polygon(""); err == nil {
			err = cp.end()
		}
		geom = p
	case "MultiPolygon":
		var mp orb.MultiPolygon
		if mp, err = cp.multiPolygon(); err == nil {
			err = cp.end()
		}
		geom = mp
	default:
		if len(typ) > 40 {
			typ = typ[:40] + "…"
		}
		return nil, orb.Point{}, errorf(ErrGeometry, "geometry type %q not allowed: want Point, Polygon or MultiPolygon", typ)
	}
	if err != nil {
		return bad(err)
	}
	if err := ValidatePolygonal(geom); err != nil {
		return nil, orb.Point{}, &kindError{kind: ErrGeometry, msg: fmt.Sprintf("invalid %s: %v", typ, err), cause: err}
	}
	c, area := planar.CentroidArea(geom)
	if area == 0 || !finitePoint(c) {
		return nil, orb.Point{}, errorf(ErrGeometry, "invalid %s: zero or non-finite area", typ)
	}
	return geom, c, nil
}

// coordParser reads GeoJSON coordinates arrays directly from their JSON
// text, which the decoder has already checked for syntax. Unlike decoding
// into float slices it rejects null coordinates and short positions instead
// of reading them as zeros, and it allocates only the result.
type coordParser struct {
	s string
	i int
	g *geoReader
}

func (p *coordParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// open consumes '[' and reports whether the array is empty (consuming ']').
func (p *coordParser) open(what string) (empty bool, err error) {
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '[' {
		return false, fmt.Errorf("want %s", what)
	}
	p.i++
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return true, nil
	}
	return false, nil
}

// more consumes ',' (true) or ']' (false) after an element.
func (p *coordParser) more() (bool, error) {
	p.skipSpace()
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case ',':
			p.i++
			return true, nil
		case ']':
			p.i++
			return false, nil
		}
	}
	return false, errors.New("malformed coordinates array")
}

// end checks that nothing follows the coordinates.
func (p *coordParser) end() error {
	p.skipSpace()
	if p.i != len(p.s) {
		return errors.New("malformed coordinates array")
	}
	return nil
}

// number reads one coordinate.
func (p *coordParser) number() (float64, error) {
	p.skipSpace()
	j := p.i
	for j < len(p.s) && p.s[j] != ',' && p.s[j] != ']' && p.s[j] != ' ' && p.s[j] != '\t' && p.s[j] != '\n' && p.s[j] != '\r' {
		j++
	}
	tok := p.s[p.i:j]
	p.i = j
	switch {
	case tok == "null":
		return 0, errors.New("position has a null coordinate")
	case tok == "" || tok[0] == '"' || tok[0] == '[' || tok[0] == '{' || tok == "true" || tok == "false":
		return 0, errors.New("position has a coordinate that is not a number")
	}
	v, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		return parseNumber(tok) // classifies overflow and syntax
	}
	return v, nil
}

// position reads [x, y(, z…)], range-checks and transforms it.
func (p *coordParser) position() (orb.Point, error) {
	empty, err := p.open("a position [x, y]")
	if err != nil {
		return orb.Point{}, err
	}
	if empty {
		return orb.Point{}, errors.New("position has 0 numbers, want at least 2")
	}
	var pt orb.Point
	n := 0
	for {
		v, err := p.number()
		if err != nil {
			return orb.Point{}, err
		}
		if n < 2 {
			pt[n] = v
		}
		n++
		more, err := p.more()
		if err != nil {
			return orb.Point{}, err
		}
		if !more {
			break
		}
	}
	if n < 2 {
		return orb.Point{}, fmt.Errorf("position has %d numbers, want at least 2", n)
	}
	if !p.g.opt.Planar {
		for k := range 2 {
			if err := checkDegrees(k, pt[k]); err != nil {
				return orb.Point{}, err
			}
		}
	}
	if p.g.opt.Transform != nil {
		pt = p.g.opt.Transform(pt)
		if !finitePoint(pt) {
			return orb.Point{}, errors.New("coordinate transform gave a non-finite point")
		}
	}
	return pt, nil
}

// polygon reads an array of rings; what prefixes error messages.
func (p *coordParser) polygon(what string) (orb.Polygon, error) {
	empty, err := p.open("an array of rings")
	if err != nil || empty {
		return orb.Polygon{}, err
	}
	var poly orb.Polygon
	for ri := 0; ; ri++ {
		empty, err := p.open("a ring (an array of positions)")
		if err != nil {
			return nil, fmt.Errorf("%sring %d: %w", what, ri, err)
		}
		var ring orb.Ring
		if !empty {
			for pi := 0; ; pi++ {
				pt, err := p.position()
				if err != nil {
					return nil, fmt.Errorf("%sring %d position %d: %w", what, ri, pi, err)
				}
				ring = append(ring, pt)
				more, err := p.more()
				if err != nil {
					return nil, fmt.Errorf("%sring %d: %w", what, ri, err)
				}
				if !more {
					break
				}
			}
		}
		poly = append(poly, ring)
		more, err := p.more()
		if err != nil {
			return nil, err
		}
		if !more {
			return poly, nil
		}
	}
}

// multiPolygon reads an array of polygons.
func (p *coordParser) multiPolygon() (orb.MultiPolygon, error) {
	empty, err := p.open("an array of polygons")
	if err != nil || empty {
		return orb.MultiPolygon{}, err
	}
	var mp orb.MultiPolygon
	for i := 0; ; i++ {
		poly, err := p.polygon(fmt.Sprintf("polygon %d ", i))
		if err != nil {
			return nil, err
		}
		mp = append(mp, poly)
		more, err := p.more()
		if err != nil {
			return nil, err
		}
		if !more {
			return mp, nil
		}
	}
}
