package api

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// lookupScratch is the per-request memory of a look-up, pooled so that the
// hot path allocates next to nothing.
type lookupScratch struct {
	ans Answer
	buf []byte
}

var lookupPool = sync.Pool{New: func() any { return &lookupScratch{buf: make([]byte, 0, 1024)} }}

// lookup answers GET /api/v1/lookup?lon=&lat=&crs= (x= and y= are accepted
// for planar data). The JSON is written by hand into a pooled buffer: this
// is the endpoint parents hammer on enrolment day.
func (s *Server) lookup(c echo.Context) error {
	st := s.published.Load() // one load: the whole answer comes from one plan
	if st == nil {
		return errf(http.StatusServiceUnavailable, CodeNotReady, "no plan published yet")
	}
	q, err := parseLookupQuery(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	x, y, crs := q.x, q.y, q.crs
	sc := lookupPool.Get().(*lookupScratch)
	defer lookupPool.Put(sc)
	sc.ans.reset()
	if err := st.snap.Locator.Lookup(crs, x, y, &sc.ans); err != nil {
		return err
	}
	sc.buf = appendAnswer(sc.buf[:0], st.snap.Plan.ID, &sc.ans)
	h := c.Response().Header()
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(sc.buf)
	return err
}

type lookupQuery struct {
	x, y float64
	crs  string
}

// parseLookupQuery reads lon, lat (or x, y) and crs from a raw query
// string without building a url.Values map (this is the hot path).
// Unknown parameters are ignored; a repeated parameter keeps its first value.
func parseLookupQuery(raw string) (lookupQuery, error) {
	var q lookupQuery
	var xs, ys, lon, lat, crs string
	var haveCRS bool
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(v, "%+") {
			u, err := url.QueryUnescape(v)
			if err != nil {
				return q, errf(http.StatusBadRequest, CodeBadRequest, "malformed query string")
			}
			v = u
		}
		switch k {
		case "lon":
			lon = firstOf(lon, v)
		case "lat":
			lat = firstOf(lat, v)
		case "x":
			xs = firstOf(xs, v)
		case "y":
			ys = firstOf(ys, v)
		case "crs":
			if !haveCRS {
				crs, haveCRS = v, true
			}
		}
	}
	if lon != "" || lat != "" {
		xs, ys = lon, lat
	}
	if xs == "" || ys == "" {
		return q, errf(http.StatusBadRequest, CodeBadRequest, "give lon and lat (or x and y for planar data)")
	}
	var err1, err2 error
	q.x, err1 = parseCoord(xs)
	q.y, err2 = parseCoord(ys)
	if err1 != nil || err2 != nil {
		return q, errf(http.StatusBadRequest, CodeBadRequest, "coordinates must be finite numbers")
	}
	if len(crs) > 16 {
		return q, errf(http.StatusBadRequest, CodeBadRequest, "unknown crs")
	}
	q.crs = crs
	return q, nil
}

func firstOf(have, v string) string {
	if have != "" {
		return have
	}
	return v
}

// parseCoord parses a finite decimal number of at most 32 characters.
func parseCoord(s string) (float64, error) {
	if len(s) > 32 {
		return 0, strconv.ErrRange
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, strconv.ErrRange
	}
	return f, nil
}

// appendAnswer appends the JSON of a look-up answer.
func appendAnswer(b []byte, planID int64, a *Answer) []byte {
	b = append(b, `{"plan_id":`...)
	b = strconv.AppendInt(b, planID, 10)
	b = append(b, `,"inside":`...)
	b = strconv.AppendBool(b, a.Inside)
	b = append(b, `,"unit_id":`...)
	b = appendJSONString(b, a.UnitID)
	b = append(b, `,"unit_name":`...)
	b = appendJSONString(b, a.UnitName)
	b = append(b, `,"lon":`...)
	b = appendFloat(b, a.Lon, 7)
	b = append(b, `,"lat":`...)
	b = appendFloat(b, a.Lat, 7)
	b = append(b, `,"stages":[`...)
	for i := range a.Stages {
		sa := &a.Stages[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"stage":`...)
		b = appendJSONString(b, sa.Stage)
		b = append(b, `,"school_id":`...)
		b = appendJSONString(b, sa.SchoolID)
		b = append(b, `,"school_name":`...)
		b = appendJSONString(b, sa.SchoolName)
		b = append(b, `,"meters":`...)
		b = appendFloat(b, sa.Meters, 1)
		b = append(b, `,"placement":`...)
		b = appendJSONString(b, sa.Placement)
		b = append(b, `,"explanation":`...)
		b = appendJSONString(b, sa.Explanation)
		b = append(b, '}')
	}
	b = append(b, `],"nearest":[`...)
	for i := range a.Nearest {
		n := &a.Nearest[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"school_id":`...)
		b = appendJSONString(b, n.SchoolID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, n.Name)
		b = append(b, `,"stage":`...)
		b = appendJSONString(b, n.Stage)
		b = append(b, `,"meters":`...)
		b = appendFloat(b, n.Meters, 1)
		b = append(b, '}')
	}
	b = append(b, `],"message":`...)
	b = appendJSONString(b, a.Message)
	return append(b, '}')
}

// appendFloat appends f with at most prec decimals; non-finite values
// (an unreachable school) become null.
func appendFloat(b []byte, f float64, prec int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	p := math.Pow10(prec)
	f = math.Round(f*p) / p
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping quotes,
// backslashes, control characters, <, >, & and U+2028/U+2029 (safe to
// embed in HTML), and replacing invalid UTF-8 with U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
