package api

import (
	"math"
	"net/http"
	"strconv"
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
	x, y, err := lookupPoint(c)
	if err != nil {
		return err
	}
	crs := c.QueryParam("crs")
	if len(crs) > 16 {
		return errf(http.StatusBadRequest, CodeBadRequest, "unknown crs")
	}
	sc := lookupPool.Get().(*lookupScratch)
	defer lookupPool.Put(sc)
	sc.ans.reset()
	if err := st.snap.Locator.Lookup(crs, x, y, &sc.ans); err != nil {
		return err
	}
	sc.buf = appendAnswer(sc.buf[:0], st.snap.Plan.ID, &sc.ans)
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mimeJSON)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(sc.buf)
	return err
}

func lookupPoint(c echo.Context) (x, y float64, err error) {
	xs, ys := c.QueryParam("lon"), c.QueryParam("lat")
	if xs == "" && ys == "" {
		xs, ys = c.QueryParam("x"), c.QueryParam("y")
	}
	if xs == "" || ys == "" {
		return 0, 0, errf(http.StatusBadRequest, CodeBadRequest, "give lon and lat (or x and y for planar data)")
	}
	x, err1 := parseCoord(xs)
	y, err2 := parseCoord(ys)
	if err1 != nil || err2 != nil {
		return 0, 0, errf(http.StatusBadRequest, CodeBadRequest, "coordinates must be finite numbers")
	}
	return x, y, nil
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
