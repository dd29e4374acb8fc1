package e2e_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"catchment/api"
	"catchment/data"
)

// TestPublicResponsesHaveNoHouseholdData builds a scenario from household
// points, solves it, then requests every public GET route of the OpenAPI
// document (plus look-ups at every household and name searches) and
// checks that no response contains a household's coordinates or any
// household field.
func TestPublicResponsesHaveNoHouseholdData(t *testing.T) {
	s := newStack(t, nil)
	city := demoCity(t, 2000)
	dir := t.TempDir()
	schools := filepath.Join(dir, "schools.csv")
	f, err := os.Create(schools)
	if err != nil {
		t.Fatal(err)
	}
	if err := data.WriteSchoolsCSV(f, city.Dataset.Schools, false); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// Households with 6-decimal coordinates around the schools.
	rng := rand.New(rand.NewPCG(1, 2))
	var hh strings.Builder
	hh.WriteString("lon,lat,primary,junior,migrant\n")
	var coords, pairs []string
	for i := range 400 {
		sc := city.Dataset.Schools[i%len(city.Dataset.Schools)].Loc
		lon := sc[0] + (rng.Float64()-0.5)*0.03
		lat := sc[1] + (rng.Float64()-0.5)*0.03
		ls, as := fmt.Sprintf("%.6f", lon), fmt.Sprintf("%.6f", lat)
		coords = append(coords, ls, as)
		// As JSON would print them: shortest form of the parsed values.
		pl, _ := strconv.ParseFloat(ls, 64)
		pa, _ := strconv.ParseFloat(as, 64)
		js, ja := strconv.FormatFloat(pl, 'f', -1, 64), strconv.FormatFloat(pa, 'f', -1, 64)
		pairs = append(pairs, js+","+ja, `"lon":`+js+`,"lat":`+ja)
		fmt.Fprintf(&hh, "%s,%s,%d,%d,%v\n", ls, as, 1+rng.IntN(2), rng.IntN(2), i%7 == 0)
	}
	households := filepath.Join(dir, "households.csv")
	os.WriteFile(households, []byte(hh.String()), 0o644)
	body, ctype := upload(t, map[string]string{"name": "hh"}, map[string]string{"schools": schools, "households": households})
	if r := s.do(t, "POST", "/api/v1/scenarios", token, body, ctype); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r := s.do(t, "POST", "/api/v1/scenarios/hh/solve", token, nil, "")
	if r.status != 202 {
		t.Fatalf("solve: %d %s", r.status, r.body)
	}
	s.waitJob(t, decode[api.JobStatus](t, r).ID)

	// Every public GET route, from the OpenAPI document.
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	subst := map[string][]string{
		"{id}":    {"current", "1"},
		"{stage}": {"primary", "junior"},
	}
	var paths []string
	for p, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || !public(op.Security) {
			continue
		}
		if strings.Contains(p, "*") {
			continue // static files: checked separately below
		}
		expanded := []string{p}
		for ph, vals := range subst {
			var next []string
			for _, e := range expanded {
				if !strings.Contains(e, ph) {
					next = append(next, e)
					continue
				}
				for _, v := range vals {
					next = append(next, strings.ReplaceAll(e, ph, v))
				}
			}
			expanded = next
		}
		for _, e := range expanded {
			if strings.Contains(e, "/collections/{id}") {
				for _, c := range []string{"zones-primary", "zones-junior", "schools"} {
					paths = append(paths, strings.ReplaceAll(e, "{id}", c)+"?limit=10000")
				}
				continue
			}
			paths = append(paths, e)
		}
	}
	paths = append(paths, "/api/v1/units?q=grid&limit=50", "/api/v1/units?q=cell&limit=50")
	for i := 0; i < len(coords); i += 2 {
		paths = append(paths, "/api/v1/lookup?lon="+url.QueryEscape(coords[i])+"&lat="+url.QueryEscape(coords[i+1]))
	}
	if len(paths) < 20 {
		t.Fatalf("only %d public paths", len(paths))
	}
	householdField := regexp.MustCompile(`(?i)household`)
	scanned := 0
	for _, p := range paths {
		r := s.do(t, "GET", p, "", nil, "")
		if r.status == 401 {
			t.Errorf("%s is documented as public but needs a token", p)
			continue
		}
		if r.status != 200 && !strings.Contains(p, "lookup") {
			if r.status != 400 && r.status != 404 {
				t.Errorf("%s: %d %s", p, r.status, r.body)
			}
		}
		body := string(r.body)
		// A look-up echoes its own query point; blank it before scanning.
		if strings.Contains(p, "/lookup") {
			q, _ := url.ParseQuery(p[strings.Index(p, "?")+1:])
			pl, _ := strconv.ParseFloat(q.Get("lon"), 64)
			pa, _ := strconv.ParseFloat(q.Get("lat"), 64)
			body = strings.ReplaceAll(body, `"lon":`+strconv.FormatFloat(pl, 'f', -1, 64)+`,"lat":`+strconv.FormatFloat(pa, 'f', -1, 64), "")
		}
		// A household's position is a (lon, lat) pair; single coordinates
		// coincide with zone vertices now and then.
		for _, c := range pairs {
			if containsNumber(body, c) {
				k := strings.Index(body, c)
				t.Fatalf("%s leaks household coordinate %s: …%s…", p, c, body[max(0, k-300):min(len(body), k+100)])
			}
		}
		if householdField.MatchString(body) && strings.HasPrefix(p, "/api/") && !strings.Contains(p, "openapi") {
			t.Errorf("%s mentions households: %.300s", p, body)
		}
		scanned++
	}
	t.Logf("scanned %d public responses", scanned)
	if scanned < 200 {
		t.Fatalf("only %d responses scanned", scanned)
	}
}

// public reports whether an OpenAPI security list allows anonymous calls
// (no requirement, or an empty one among the alternatives).
func public(sec []map[string][]string) bool {
	if len(sec) == 0 {
		return true
	}
	for _, r := range sec {
		if len(r) == 0 {
			return true
		}
	}
	return false
}

// containsNumber reports whether num occurs in s as a whole number (not
// as the prefix of a longer one, e.g. 117.0233971).
func containsNumber(s, num string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], num)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(num)
		before := j == 0 || !isNumByte(s[j-1])
		after := end == len(s) || !isNumByte(s[end])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isNumByte(b byte) bool { return b >= '0' && b <= '9' || b == '.' }
