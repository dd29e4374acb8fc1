package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"catchment/data"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// cities caches generated test cities: generation is deterministic, so
// sharing them between tests changes nothing but the run time.
var (
	cityMu sync.Mutex
	cities = map[Config]*City{}
)

func city(t testing.TB, cfg Config) *City {
	t.Helper()
	cityMu.Lock()
	defer cityMu.Unlock()
	if c, ok := cities[cfg]; ok {
		return c
	}
	c, err := Generate(cfg)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", cfg, err)
	}
	cities[cfg] = c
	return c
}

// testConfigs are the cities the invariant tests run on.
var testConfigs = []Config{
	{Pupils: 20_000, Seed: 1},
	{Pupils: 60_000, Seed: 7},
	{Pupils: 8_000, Seed: 3, NoStreets: true},
	{Pupils: 30_000, Schools: 40, Seed: 11, Center: orb.Point{113.6, 34.75}, NoStreets: true},
}

func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestWriteDirDeterministic(t *testing.T) {
	cfg := Config{Pupils: 10_000, Seed: 5}
	var runs []map[string][]byte
	for range 2 {
		// Fresh generations, not the cache: determinism is the point.
		c, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := c.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteHouseholdsFile(dir); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, readAll(t, dir))
	}
	want := []string{BoundaryFile, CandidatesFile, CurrentFile, HouseholdsFile, SchoolsFile, StreetsFile, UnitsFile}
	var got []string
	for name := range runs[0] {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for name, b := range runs[0] {
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
		if !bytes.Equal(b, runs[1][name]) {
			t.Errorf("%s differs between two runs of the same config", name)
		}
	}
	// Another seed is another city.
	other, err := Generate(Config{Pupils: 10_000, Seed: 6, NoStreets: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := data.WriteSchoolsCSV(&buf, other.Dataset.Schools, false); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(buf.Bytes(), runs[0][SchoolsFile]) {
		t.Error("seeds 5 and 6 gave the same schools.csv")
	}
}

func TestNoStreets(t *testing.T) {
	c := city(t, Config{Pupils: 8_000, Seed: 3, NoStreets: true})
	if c.Streets != nil {
		t.Fatal("NoStreets city has streets")
	}
	dir := t.TempDir()
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, StreetsFile)); !os.IsNotExist(err) {
		t.Errorf("streets.osm written without streets: %v", err)
	}
}

// TestReadersAcceptOutput reads every written file back with the data
// package readers and requires the very same values.
func TestReadersAcceptOutput(t *testing.T) {
	c := city(t, testConfigs[0])
	dir := t.TempDir()
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteHouseholdsFile(dir); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	opt := data.ReadOptions{Warn: func(m string) { warnings = append(warnings, m) }}
	var ds data.Dataset
	var err error
	if ds.Schools, err = data.ReadSchoolsFile(filepath.Join(dir, SchoolsFile), opt); err != nil {
		t.Fatal(err)
	}
	if ds.Units, err = data.ReadUnitsFile(filepath.Join(dir, UnitsFile), opt); err != nil {
		t.Fatal(err)
	}
	if ds.Current, err = data.ReadCurrentFile(filepath.Join(dir, CurrentFile), opt); err != nil {
		t.Fatal(err)
	}
	if ds.Candidates, err = data.ReadCandidatesFile(filepath.Join(dir, CandidatesFile), opt); err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("readers warned: %q", warnings)
	}
	if err := ds.Validate(); err != nil {
		t.Fatalf("re-read dataset invalid: %v", err)
	}
	if err := c.Dataset.Validate(); err != nil {
		t.Fatalf("generated dataset invalid: %v", err)
	}
	for _, cmp := range []struct {
		name      string
		got, want any
	}{
		{"schools", ds.Schools, c.Dataset.Schools},
		{"units", ds.Units, c.Dataset.Units},
		{"current", ds.Current, c.Dataset.Current},
		{"candidates", ds.Candidates, c.Dataset.Candidates},
	} {
		if !reflect.DeepEqual(cmp.got, cmp.want) {
			t.Errorf("%s read back differ from the generated ones", cmp.name)
		}
	}

	// Households add up to every unit's pupils and migrants.
	idx := c.Dataset.UnitIndex()
	var sum [][4]int
	sum = make([][4]int, len(c.Dataset.Units))
	n := 0
	err = data.ReadHouseholdsFile(filepath.Join(dir, HouseholdsFile), opt, func(h data.Household) error {
		i, ok := idx[h.UnitID]
		if !ok {
			return fmt.Errorf("household with unknown unit %q", h.UnitID)
		}
		u := &c.Dataset.Units[i]
		if poly, ok := u.Geom.(orb.Polygon); ok && !planar.PolygonContains(poly, h.Loc) {
			return fmt.Errorf("household at %v outside its unit %s", h.Loc, u.ID)
		}
		if u.Geom == nil && math.Hypot((h.Loc[0]-u.Loc[0])*c.proj.ky/c.proj.kx, h.Loc[1]-u.Loc[1])/c.proj.ky > 41 {
			return fmt.Errorf("household at %v more than 40 m from its point unit %s", h.Loc, u.ID)
		}
		sum[i][0] += h.Primary
		sum[i][1] += h.Junior
		if h.Migrant {
			sum[i][2] += h.Primary
			sum[i][3] += h.Junior
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range c.Dataset.Units {
		want := [4]int{u.Pupils[0], u.Pupils[1], u.Migrants[0], u.Migrants[1]}
		if sum[i] != want {
			t.Fatalf("unit %s: households sum to %v, want %v", u.ID, sum[i], want)
		}
	}
	if n == 0 {
		t.Fatal("no households")
	}

	// The boundary is one closed counter-clockwise polygon.
	b, err := os.ReadFile(filepath.Join(dir, BoundaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"type":"FeatureCollection"`) || strings.Count(string(b), `"type":"Polygon"`) != 1 {
		t.Errorf("boundary.geojson is not a FeatureCollection with one Polygon: %.100s", b)
	}
	if err := data.ValidatePolygonal(c.Boundary); err != nil {
		t.Error(err)
	}
	if ringArea(c.Boundary[0]) <= 0 {
		t.Error("boundary ring is not counter-clockwise")
	}
}

func ringArea(r orb.Ring) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// stageTotals sums pupils and zoneable seats per area and stage.
func stageTotals(c *City) (pupils, seats [3][data.NumStages]int) {
	for _, u := range c.Dataset.Units {
		for st := range data.NumStages {
			pupils[u.Area][st] += u.Pupils[st]
		}
	}
	for i := range c.Dataset.Schools {
		s := &c.Dataset.Schools[i]
		for _, st := range data.Stages {
			if s.Zoneable(st) {
				seats[s.Area][st] += s.Seats[st]
			}
		}
	}
	return pupils, seats
}

func TestSeatBalance(t *testing.T) {
	for _, cfg := range testConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			pupils, seats := stageTotals(c)
			total := 0
			for st := range data.NumStages {
				var p, s int
				for a := range 3 {
					p += pupils[a][st]
					s += seats[a][st]
				}
				total += p
				// Overall: seats ≥ pupils by a modest margin.
				if r := float64(s) / float64(p); r < 1.0 || r > 1.15 {
					t.Errorf("stage %d: zoneable seats / pupils = %.3f, want in [1.00, 1.15]", st, r)
				}
				// Core: pupils exceed seats by 15–30% (give or take one grade
				// unit of seats in a small city).
				r := float64(pupils[data.Urban][st]) / float64(seats[data.Urban][st])
				slack := r * float64(unitSeats[st]) / float64(seats[data.Urban][st])
				if r < 1.15-slack || r > 1.30+slack {
					t.Errorf("stage %d: core pupils / seats = %.3f, want in [1.15, 1.30] ± %.3f", st, r, slack)
				}
				// Villages: spare seats.
				if r := float64(seats[data.Rural][st]) / float64(pupils[data.Rural][st]); r < 1.2 {
					t.Errorf("stage %d: rural seats / pupils = %.3f, want ≥ 1.2", st, r)
				}
				if r := float64(seats[data.Town][st]) / float64(pupils[data.Town][st]); r < 1.0 {
					t.Errorf("stage %d: town seats / pupils = %.3f, want ≥ 1", st, r)
				}
			}
			if total != cfg.Pupils {
				t.Errorf("pupils %d, want %d", total, cfg.Pupils)
			}
			// Junior ≈ half of primary.
			var p, j int
			for a := range 3 {
				p += pupils[a][data.Primary]
				j += pupils[a][data.Junior]
			}
			if r := float64(j) / float64(p); r < 0.45 || r > 0.55 {
				t.Errorf("junior / primary pupils = %.3f, want ≈ 0.5", r)
			}
		})
	}
}

func TestSchoolsRealistic(t *testing.T) {
	for _, cfg := range testConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			d := &c.Dataset
			wantSchools := cfg.Schools
			if wantSchools == 0 {
				wantSchools = cfg.Pupils / PupilsPerSchool
			}
			if len(d.Schools) != wantSchools {
				t.Errorf("%d schools, want %d", len(d.Schools), wantSchools)
			}
			if n, want := len(d.Units), cfg.Pupils/20; n < want*8/10 || n > want*12/10 {
				t.Errorf("%d units, want about %d", n, want)
			}
			if n := len(d.Candidates); n != 2*len(d.Schools) {
				t.Errorf("%d candidates, want %d", n, 2*len(d.Schools))
			}
			var overCap, private, purchased, boarding, nine, withRes, pass, fail int
			names := map[string]bool{}
			for i := range d.Schools {
				s := &d.Schools[i]
				if names[s.Name] {
					t.Errorf("duplicate school name %s", s.Name)
				}
				names[s.Name] = true
				for _, st := range data.Stages {
					if s.Seats[st] != s.Classes[st]*classSize[st] || s.Classes[st]%grades[st] != 0 {
						t.Errorf("%s: %s seats %d, classes %d: not whole grades × class size", s.ID, st, s.Seats[st], s.Classes[st])
					}
				}
				size, limit := s.Seats[0]+s.Seats[1], capSingleStage
				if s.NineYear() {
					limit = capNineYear
					nine++
					if !strings.Contains(s.Name, "九年一贯制") && !strings.HasSuffix(s.Name, "学校") {
						t.Errorf("nine-year school named %s", s.Name)
					}
				}
				if size > limit {
					overCap++
				}
				switch s.Ownership {
				case data.Private:
					private++
				case data.Purchased:
					purchased++
					if s.PurchasedSeats <= 0 || s.PurchasedSeats > size {
						t.Errorf("%s: purchased seats %d of %d", s.ID, s.PurchasedSeats, size)
					}
				}
				if s.Boarding {
					boarding++
				}
				if s.HasResource[data.Staff] {
					withRes++
					if meetsSix(s) {
						pass++
					} else {
						fail++
					}
				}
			}
			if overCap > max(2, len(d.Schools)*6/100) {
				t.Errorf("%d of %d schools over the size caps", overCap, len(d.Schools))
			}
			if nine == 0 {
				t.Error("no nine-year schools")
			}
			if cfg.Pupils >= 20_000 && (private == 0 || purchased == 0 || boarding == 0) {
				t.Errorf("private %d, purchased %d, boarding %d: want some of each", private, purchased, boarding)
			}
			if withRes < len(d.Schools)*7/10 || pass == 0 || fail == 0 {
				t.Errorf("%d schools with resources, %d pass, %d fail the 6-of-7 rule: want most with resources, some passing and some failing", withRes, pass, fail)
			}
		})
	}
}

// meetsSix applies the POLICY.md §C per-school rule to seat-based per-pupil
// figures: six of seven indicators met, the seventh at ≥ 85%.
func meetsSix(s *data.School) bool {
	missed, worst := 0, 1.0
	for r := data.QualifiedTeachers; r < data.NumResources; r++ {
		need := 0.0
		for st := range data.NumStages {
			need += float64(s.Seats[st]) * resourceNorm[r][st]
		}
		ratio := s.Resources[r] / need
		if ratio < 1 {
			missed++
			worst = min(worst, ratio)
		}
	}
	return missed == 0 || (missed == 1 && worst >= 0.85)
}

func TestMigrantShares(t *testing.T) {
	for _, cfg := range testConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			var ind, other [2]int // migrants, pupils
			for i, u := range c.Dataset.Units {
				m := u.Migrants[0] + u.Migrants[1]
				p := u.Pupils[0] + u.Pupils[1]
				switch {
				case u.Area == data.Rural:
					if m != 0 {
						t.Errorf("rural unit %s has %d migrant children", u.ID, m)
					}
				case c.units[i].industrial:
					ind[0] += m
					ind[1] += p
				default:
					other[0] += m
					other[1] += p
				}
			}
			if r := float64(ind[0]) / float64(ind[1]); r < 0.10 || r > 0.40 {
				t.Errorf("industrial districts: migrant share %.3f, want 10–40%%", r)
			}
			if r := float64(other[0]) / float64(other[1]); r < 0.015 || r > 0.05 {
				t.Errorf("elsewhere: migrant share %.3f, want ≈ 3%%", r)
			}
		})
	}
}

// TestCompoundsTile checks that compound polygons tile their blocks: no two
// compounds share a cell, every ring is a closed counter-clockwise outline
// of grid vertices, and where two compounds touch, each edge of one appears
// reversed, with identical coordinates, in the other.
func TestCompoundsTile(t *testing.T) {
	for _, cfg := range testConfigs[:2] {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			g := c.g
			owner := map[int]int{} // cell → unit
			type edge struct{ p, q orb.Point }
			edges := map[edge]int{}
			for i, ui := range c.units {
				if ui.kind != kindCompound {
					if c.Dataset.Units[i].Geom != nil {
						t.Fatalf("point unit %d has a geometry", i)
					}
					continue
				}
				for b := ui.b0; b < ui.b1; b++ {
					for a := ui.a0; a < ui.a1; a++ {
						k := g.cidx(int(a), int(b))
						if o, dup := owner[k]; dup {
							t.Fatalf("cell %d in units %d and %d", k, o, i)
						}
						owner[k] = i
					}
				}
				poly, ok := c.Dataset.Units[i].Geom.(orb.Polygon)
				if !ok || len(poly) != 1 {
					t.Fatalf("unit %d: geometry %T", i, c.Dataset.Units[i].Geom)
				}
				r := poly[0]
				if ringArea(r) <= 0 {
					t.Fatalf("unit %d: ring not counter-clockwise", i)
				}
				for k := 0; k+1 < len(r); k++ {
					e := edge{r[k], r[k+1]}
					if o, dup := edges[e]; dup {
						t.Fatalf("units %d and %d both have edge %v (overlap)", o, i, e)
					}
					edges[e] = i
				}
			}
			shared := 0
			for e, i := range edges {
				if j, ok := edges[edge{e.q, e.p}]; ok {
					if j == i {
						t.Fatalf("unit %d has an edge both ways", i)
					}
					shared++
				}
			}
			if shared < len(edges)/3 {
				t.Errorf("only %d of %d compound edges are shared with a neighbour", shared, len(edges))
			}
			// Every grid edge between two cells owned by different compounds
			// must be shared.
			for k, i := range owner {
				a, b := k%g.ni, k/g.ni
				if j, ok := owner[g.cidx(a+1, b)]; ok && j != i && a+1 < g.ni {
					p := c.proj.lonLat(g.pos(a+1, b))
					q := c.proj.lonLat(g.pos(a+1, b+1))
					if edges[edge{p, q}] != i || edges[edge{q, p}] != j {
						t.Fatalf("units %d and %d touch but do not share edge %v–%v", i, j, p, q)
					}
				}
				if j, ok := owner[g.cidx(a, b+1)]; ok && j != i && b+1 < g.nj {
					p := c.proj.lonLat(g.pos(a+1, b+1))
					q := c.proj.lonLat(g.pos(a, b+1))
					if edges[edge{p, q}] != i || edges[edge{q, p}] != j {
						t.Fatalf("units %d and %d touch but do not share edge %v–%v", i, j, p, q)
					}
				}
			}
		})
	}
}

// TestPlacement checks that nothing sits in the river, on the railway or the
// motorway, or outside the boundary.
func TestPlacement(t *testing.T) {
	for _, cfg := range testConfigs {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			lay := c.lay
			check := func(what string, x, y float64) {
				if cl := lay.clearance(x, y); cl < 0 {
					t.Errorf("%s at clearance %.1f m: inside a corridor", what, cl)
				}
				if !lay.poly.contains(x, y) {
					t.Errorf("%s outside the boundary", what)
				}
			}
			for i, ui := range c.units {
				if ui.kind == kindCompound {
					for _, p := range c.g.compoundRing(int(ui.a0), int(ui.b0), int(ui.a1), int(ui.b1)) {
						check("unit "+c.Dataset.Units[i].ID+" vertex", p[0], p[1])
					}
				} else {
					check("unit "+c.Dataset.Units[i].ID, ui.x, ui.y)
				}
			}
			for i, si := range c.sch {
				check("school "+c.Dataset.Schools[i].ID, si.x, si.y)
			}
			for _, cand := range c.Dataset.Candidates {
				x := (cand.Loc[0] - c.proj.lon0) / c.proj.kx
				y := (cand.Loc[1] - c.proj.lat0) / c.proj.ky
				check("candidate "+cand.ID, x, y)
				if cand.Seats[0]+cand.Seats[1] == 0 || cand.Cost <= 0 || cand.Name == "" {
					t.Errorf("candidate %+v: want seats, a cost and a name", cand)
				}
			}
		})
	}
}

// TestCurrentIsNearest recomputes today's zoning from the written values
// and checks that the river and the railway separate some units from the
// school they are zoned to.
func TestCurrentIsNearest(t *testing.T) {
	for _, cfg := range testConfigs[:2] {
		t.Run(fmt.Sprint(cfg.Pupils, "/", cfg.Seed), func(t *testing.T) {
			c := city(t, cfg)
			d := &c.Dataset
			kx := math.Cos(c.Config.Center[1] * math.Pi / 180)
			dist := func(p, q orb.Point) float64 {
				return math.Hypot((p[0]-q[0])*kx, p[1]-q[1]) * math.Pi / 180 * earthRadius
			}
			sidx := d.SchoolIndex()
			uidx := d.UnitIndex()
			seen := map[[2]int]bool{}
			var across [numBarriers]int
			for _, z := range d.Current {
				u := &d.Units[uidx[z.UnitID]]
				s := &d.Schools[sidx[z.SchoolID]]
				if !s.Zoneable(z.Stage) {
					t.Fatalf("unit %s zoned to %s, which is not zoneable for %s", u.ID, s.ID, z.Stage)
				}
				seen[[2]int{uidx[z.UnitID], int(z.Stage)}] = true
				best := math.Inf(1)
				for k := range d.Schools {
					if d.Schools[k].Zoneable(z.Stage) {
						best = min(best, dist(u.Loc, d.Schools[k].Loc))
					}
				}
				if got := dist(u.Loc, s.Loc); got > best+1 {
					t.Fatalf("unit %s %s zone %s at %.0f m, nearest zoneable school at %.0f m", u.ID, z.Stage, s.ID, got, best)
				}
				ui, si := &c.units[uidx[z.UnitID]], &c.sch[sidx[z.SchoolID]]
				for k := range numBarriers {
					b := &c.lay.bars[k]
					if (b.sdist(ui.x, ui.y) > 0) != (b.sdist(si.x, si.y) > 0) {
						across[k]++
					}
				}
			}
			if len(seen) != len(d.Units)*int(data.NumStages) {
				t.Errorf("current zoning covers %d (unit, stage) pairs, want %d", len(seen), len(d.Units)*2)
			}
			if across[river] == 0 || across[rail] == 0 {
				t.Errorf("zones crossing the river %d, the railway %d: want some of each", across[river], across[rail])
			}
		})
	}
}

func TestNamesUnique(t *testing.T) {
	c := city(t, testConfigs[1])
	seen := map[string]string{}
	for _, u := range c.Dataset.Units {
		if u.Name == "" {
			t.Fatalf("unit %s has no name", u.ID)
		}
		if o, dup := seen[u.Name]; dup {
			t.Fatalf("units %s and %s are both named %s", o, u.ID, u.Name)
		}
		seen[u.Name] = u.ID
		if !strings.HasSuffix(u.Name, "组") && !strings.ContainsAny(u.Name, "区园苑村寓居期") {
			t.Errorf("unit name %s does not look like a compound or village", u.Name)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"too few pupils", Config{Pupils: 100}, "outside"},
		{"too many pupils", Config{Pupils: MaxPupils + 1}, "outside"},
		{"negative pupils", Config{Pupils: -5}, "outside"},
		{"negative schools", Config{Pupils: 5000, Schools: -1}, "negative"},
		{"too few schools", Config{Pupils: 20_000, Schools: 2}, "too few"},
		{"too many schools", Config{Pupils: 5000, Schools: 51}, "more than one per 100"},
		{"bad centre", Config{Pupils: 5000, Center: orb.Point{200, 10}}, "centre"},
		{"polar centre", Config{Pupils: 5000, Center: orb.Point{10, 85}}, "centre"},
		{"antimeridian centre", Config{Pupils: 5000, Center: orb.Point{179.9, 10}}, "centre"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
			}
		})
	}
}

func TestApportion(t *testing.T) {
	for _, tc := range []struct {
		total int
		w     []float64
		want  []int
	}{
		{10, []float64{1, 1}, []int{5, 5}},
		{10, []float64{1, 1, 1}, []int{4, 3, 3}},
		{7, []float64{0, 3, 1}, []int{0, 5, 2}},
		{3, []float64{0, 0}, []int{2, 1}},
		{0, []float64{1}, []int{0}},
		{5, nil, []int{}},
	} {
		got := apportion(tc.total, tc.w)
		if !slices.Equal(got, tc.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", tc.total, tc.w, got, tc.want)
		}
	}
}

// TestGolden pins the bytes of a small city, so that any change to the
// generator is a deliberate one (run with -update to accept it).
func TestGolden(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		// Other architectures may fuse multiply-adds, which moves some
		// coordinates by an ulp and can flip a rounding.
		t.Skipf("golden bytes are pinned on amd64, not %s", runtime.GOARCH)
	}
	c, err := Generate(Config{Pupils: 3_000, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	files := readAll(t, dir)
	var sums strings.Builder
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(files[n]), n)
	}
	golden := map[string][]byte{
		"golden_3000.sha256":      []byte(sums.String()),
		"golden_3000_schools.csv": files[SchoolsFile],
	}
	for name, got := range golden {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (run go test -update if the change is intended)", name)
		}
	}
}

func FuzzGenerate(f *testing.F) {
	f.Add(2_000, 0, int64(1))
	f.Add(5_000, 9, int64(-3))
	f.Add(12_345, 0, int64(99))
	f.Fuzz(func(t *testing.T, pupils, schools int, seed int64) {
		if pupils == 0 || pupils > 15_000 {
			pupils = MinPupils + abs(pupils%13_000) // keep each case fast (0 would be the 1,000,000-pupil default)
		}
		c, err := Generate(Config{Pupils: pupils, Schools: schools, Seed: seed, NoStreets: pupils%2 == 0})
		if err != nil {
			return // rejected configs are fine; panics are not
		}
		if err := c.Dataset.Validate(); err != nil {
			t.Fatalf("invalid dataset: %v", err)
		}
		total := 0
		for _, u := range c.Dataset.Units {
			total += u.Pupils[0] + u.Pupils[1]
		}
		if total != pupils {
			t.Fatalf("%d pupils, want %d", total, pupils)
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	for _, p := range []int{100_000, DefaultPupils} {
		b.Run(fmt.Sprint(p), func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(Config{Pupils: p, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWriteDir(b *testing.B) {
	c, err := Generate(Config{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for b.Loop() {
		if err := c.WriteDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGenerateContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := GenerateContext(ctx, Config{Pupils: 5_000}); !errors.Is(err, context.Canceled) {
		t.Fatalf("GenerateContext with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestPointIndex compares the bucket index with a brute-force scan.
func TestPointIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 7, 100, 1000} {
		sch := make([]schoolInfo, n)
		var idx []int32
		for i := range sch {
			// Clustered points, with duplicates, to exercise empty buckets and ties.
			sch[i].x = math.Round(rng.NormFloat64()*3000*float64(1+i%3)) / 10 * 10
			sch[i].y = math.Round(rng.NormFloat64()*2000) / 10 * 10
			if i%4 != 3 {
				idx = append(idx, int32(i))
			}
		}
		if len(idx) == 0 {
			idx = []int32{0}
		}
		pi := newPointIndex(sch, idx)
		for range 500 {
			x, y := rng.NormFloat64()*20000, rng.NormFloat64()*20000
			want, bd := int32(-1), math.Inf(1)
			for _, k := range idx {
				d := (sch[k].x-x)*(sch[k].x-x) + (sch[k].y-y)*(sch[k].y-y)
				if d < bd {
					want, bd = k, d
				}
			}
			if got := pi.nearest(x, y); got != want {
				t.Fatalf("n=%d: nearest(%v, %v) = %d, want %d", n, x, y, got, want)
			}
		}
	}
	if got := newPointIndex(nil, nil).nearest(0, 0); got != -1 {
		t.Errorf("empty index: nearest = %d, want -1", got)
	}
}

func TestSplitKinds(t *testing.T) {
	for _, tc := range []struct {
		n      int
		fj, fn float64
		want   [3]int
	}{
		{0, 0.3, 0.1, [3]int{}},
		{1, 0.3, 0.1, [3]int{0, 0, 1}},
		{2, 0.3, 0.1, [3]int{1, 1, 0}},
		{3, 0.27, 0.08, [3]int{2, 1, 0}},
		{10, 0.27, 0.08, [3]int{6, 3, 1}},
		{3, 0.5, 0.5, [3]int{1, 2, 0}},
		{4, 0.9, 0.9, [3]int{1, 3, 0}},
	} {
		got := splitKinds(tc.n, tc.fj, tc.fn)
		if got != tc.want {
			t.Errorf("splitKinds(%d, %v, %v) = %v, want %v", tc.n, tc.fj, tc.fn, got, tc.want)
		}
		if tc.n >= 1 && (got[0]+got[2] == 0 || got[1]+got[2] == 0) {
			t.Errorf("splitKinds(%d): %v leaves a stage without a school", tc.n, got)
		}
	}
}
