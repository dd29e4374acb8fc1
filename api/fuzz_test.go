package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "阳光小区", "<script>&", "a\"b\\c", "\x00\x1f\n\t\r", "\xff\xfe", "\u2028\u2029", "🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", b, s, err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("round trip %q → %q", s, got)
		}
		if strings.ContainsAny(string(b), "<>&") {
			t.Fatalf("unescaped HTML character in %q", b)
		}
	})
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"1,2,3,4", "117,35,118,36", "-180,-90,180,90", "1,2,3", "a,b,c,d", "NaN,1,2,3", "3,4,1,2", "1e308,1,1e309,2", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBBox(s)
		if err != nil {
			return
		}
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%q gave non-finite bound %v", s, b)
			}
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
			t.Fatalf("%q gave inverted bound %v", s, b)
		}
	})
}

func FuzzParseCoord(f *testing.F) {
	for _, s := range []string{"117.5", "-35", "1e3", "NaN", "Inf", "-Inf", "0x1p-2", "", "1_000", strings.Repeat("9", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseCoord(s)
		if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("%q parsed to %v", s, v)
		}
	})
}

func TestAppendAnswerIsValidJSON(t *testing.T) {
	for _, a := range []Answer{
		{},
		{Inside: true, UnitID: "u\"1", UnitName: "阳光<b>", Lon: 117.1234567891, Lat: math.NaN(),
			Stages:  []StageAnswer{{Stage: "primary", SchoolID: "s", SchoolName: "n", Meters: math.Inf(1), Placement: "unplaced"}},
			Nearest: []NearSchool{{SchoolID: "a", Meters: 1.25}, {SchoolID: "b", Meters: 2}}},
	} {
		b := appendAnswer(nil, 7, &a)
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("invalid JSON %s: %v", b, err)
		}
		if v["plan_id"] != 7.0 {
			t.Errorf("plan_id %v", v["plan_id"])
		}
	}
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(10, 2) // 10/s, burst 2
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	steps := []struct {
		client  string
		advance time.Duration
		want    bool
	}{
		{"a", 0, true}, {"a", 0, true}, {"a", 0, false}, // burst spent
		{"b", 0, true},                                          // other clients have their own bucket
		{"a", 50 * time.Millisecond, false},                     // half a token
		{"a", 50 * time.Millisecond, true},                      // one token refilled
		{"a", time.Hour, true}, {"a", 0, true}, {"a", 0, false}, // refill caps at burst
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := l.allow(s.client); got != s.want {
			t.Fatalf("step %d (%s): allow %v, want %v", i, s.client, got, s.want)
		}
	}
	// A flood of distinct clients stays bounded.
	for i := range 40 * maxClientsPerShard {
		l.allow(fmt.Sprint("10.0.", i))
	}
	for i := range l.shards {
		if n := len(l.shards[i].buckets); n > maxClientsPerShard {
			t.Fatalf("shard %d holds %d clients", i, n)
		}
	}
}

func FuzzParseLookupQuery(f *testing.F) {
	for _, s := range []string{"lon=117&lat=35", "x=1&y=2&crs=xy", "lon=117%2E5&lat=35&crs=gcj02", "lon=&lat=", "lat=1&lon=2&lon=3", "%zz", "lon=1e400&lat=1", "crs=" + strings.Repeat("a", 20) + "&lon=1&lat=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseLookupQuery(raw)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("%q: error %v is not a 400", raw, err)
			}
			return
		}
		if math.IsNaN(q.x) || math.IsInf(q.x, 0) || math.IsNaN(q.y) || math.IsInf(q.y, 0) || len(q.crs) > 16 {
			t.Fatalf("%q parsed to %+v", raw, q)
		}
	})
}

func TestParseLookupQuery(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want lookupQuery
		ok   bool
	}{
		{"lon=117.5&lat=35.25", lookupQuery{117.5, 35.25, ""}, true},
		{"lat=35&lon=117&crs=gcj02&extra=1", lookupQuery{117, 35, "gcj02"}, true},
		{"x=100&y=200&crs=xy", lookupQuery{100, 200, "xy"}, true},
		{"lon=117%2E5&lat=%2B35", lookupQuery{117.5, 35, ""}, true},
		{"lon=1&lon=2&lat=3", lookupQuery{1, 3, ""}, true},
		{"lon=117", lookupQuery{}, false},
		{"lon=NaN&lat=1", lookupQuery{}, false},
		{"lon=%zz&lat=1", lookupQuery{}, false},
		{"", lookupQuery{}, false},
	} {
		got, err := parseLookupQuery(tc.raw)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%q: %+v %v, want %+v ok=%v", tc.raw, got, err, tc.want, tc.ok)
		}
	}
}
