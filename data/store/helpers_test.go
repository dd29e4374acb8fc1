package store

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"catchment/data"

	"github.com/paulmach/orb"
)

// openTemp opens a fresh database in t.TempDir and closes it at cleanup.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "catchment.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fullDataset returns a small dataset in which every field of every type
// is set to a non-default value, so a round trip that drops anything fails.
func fullDataset() *data.Dataset {
	ring := orb.Ring{{116.30, 39.90}, {116.31, 39.90}, {116.31, 39.91}, {116.30, 39.91}, {116.30, 39.90}}
	hole := orb.Ring{{116.302, 39.902}, {116.303, 39.902}, {116.303, 39.903}, {116.302, 39.902}}
	ring2 := orb.Ring{{116.40, 39.95}, {116.4000001, 39.95}, {116.4000001, 39.9500001}, {116.40, 39.95}}
	d := &data.Dataset{
		Planar: false,
		Schools: []data.School{
			{
				ID: "S1", Name: "第一实验小学", Loc: orb.Point{116.3051234567891, 39.9051234567891},
				Seats: [data.NumStages]int{270, 0}, Classes: [data.NumStages]int{6, 0},
				Ownership: data.Public, Area: data.Urban, Status: data.Open,
			},
			{
				ID: "S2", Name: "九年一贯制 \"Nine\", with comma", Loc: orb.Point{116.41, 39.96},
				Seats: [data.NumStages]int{180, 200}, Classes: [data.NumStages]int{4, 4},
				Ownership: data.Purchased, PurchasedSeats: 40, Boarding: true, Area: data.Town, Status: data.Planned,
				Resources:   [data.NumResources]float64{30, 12.5, 3, 4, 4500.25, 7600, 1.25e6, 9},
				HasResource: [data.NumResources]bool{true, true, true, true, true, true, true, true},
			},
			{
				ID: "S3", Loc: orb.Point{-0.0, 1e-300},
				Seats: [data.NumStages]int{0, 50}, Ownership: data.Private, Area: data.Rural, Status: data.Closed,
				Resources:   [data.NumResources]float64{0, 0, 0, 7, 0, 0, 0, 0},
				HasResource: [data.NumResources]bool{false, true, false, true, false, false, false, true},
			},
		},
		Units: []data.Unit{
			{
				ID: "U1", Name: "阳光小区", Area: data.Urban, Loc: orb.Point{116.305, 39.905},
				Geom:   orb.Polygon{ring, hole},
				Pupils: [data.NumStages]int{120, 80}, Migrants: [data.NumStages]int{10, 5}, Households: 431,
			},
			{
				ID: "U2", Name: "two parts", Area: data.Town, Loc: orb.Point{116.35, 39.92},
				Geom:   orb.MultiPolygon{{ring}, {ring2}},
				Pupils: [data.NumStages]int{3, 0},
			},
			{
				ID: "U3", Area: data.Rural, Loc: orb.Point{math.Nextafter(116.4, 200), 39.97},
				Pupils: [data.NumStages]int{0, 9}, Migrants: [data.NumStages]int{0, 9},
			},
		},
		Current: []data.CurrentZone{
			{UnitID: "U1", Stage: data.Primary, SchoolID: "S1"},
			{UnitID: "U1", Stage: data.Junior, SchoolID: "S2"},
			{UnitID: "U3", Stage: data.Junior, SchoolID: "S3"},
		},
		Candidates: []data.Candidate{
			{ID: "C1", Name: "site east", Loc: orb.Point{116.5, 39.99}, Seats: [data.NumStages]int{360, 0}, Cost: 1.5e8},
			{ID: "C2", Loc: orb.Point{116.6, 40.01}, Cost: -3},
		},
	}
	return d
}

// bigDataset returns a deterministic dataset of nu units (every third a
// polygon) and ns schools, with today's zoning for every unit.
func bigDataset(nu, ns int) *data.Dataset {
	d := &data.Dataset{}
	side := int(math.Ceil(math.Sqrt(float64(nu))))
	const cell = 0.002
	for i := range ns {
		d.Schools = append(d.Schools, data.School{
			ID:   fmt.Sprintf("S%05d", i),
			Name: fmt.Sprintf("School %d", i),
			Loc:  orb.Point{116 + float64(i%40)*0.01, 39.5 + float64(i/40)*0.01},
			Seats: [data.NumStages]int{
				90 + i%7*45, (i % 3) * 50,
			},
			Area: data.Area(i % 3),
		})
	}
	d.Units = make([]data.Unit, nu)
	for i := range nu {
		x, y := 116+float64(i%side)*cell, 39.5+float64(i/side)*cell
		u := data.Unit{
			ID:         fmt.Sprintf("U%07d", i),
			Name:       fmt.Sprintf("Compound %d", i),
			Loc:        orb.Point{x + cell/2, y + cell/2},
			Pupils:     [data.NumStages]int{i % 50, i % 23},
			Migrants:   [data.NumStages]int{i % 5, min(i%3, i%23)},
			Households: i % 400,
		}
		if i%3 == 0 {
			u.Geom = orb.Polygon{{{x, y}, {x + cell, y}, {x + cell, y + cell}, {x, y + cell}, {x, y}}}
		}
		d.Units[i] = u
	}
	if ns > 0 {
		d.Current = make([]data.CurrentZone, 0, nu)
		for i := range nu {
			d.Current = append(d.Current, data.CurrentZone{UnitID: d.Units[i].ID, Stage: data.Primary, SchoolID: d.Schools[i%ns].ID})
		}
	}
	return d
}

// bigPlan returns a plan for d: one zone row and one placement row per
// unit and stage.
func bigPlan(d *data.Dataset, scenario string) *PlanRecord {
	p := &PlanRecord{
		Scenario: scenario, Author: "planner", Comment: "auto",
		Policy: []byte(`{"near_zone_target":1}`), Report: []byte(`{"stages":{}}`), Meta: []byte(`{"pins":[]}`),
		Zones:      make([]ZoneRow, 0, 2*len(d.Units)),
		Placements: make([]PlacementRow, 0, 2*len(d.Units)),
	}
	for i := range d.Units {
		for st := range data.NumStages {
			sc := d.Schools[(i+int(st))%len(d.Schools)].ID
			p.Zones = append(p.Zones, ZoneRow{UnitID: d.Units[i].ID, Stage: st, SchoolID: sc})
			p.Placements = append(p.Placements, PlacementRow{
				UnitID: d.Units[i].ID, Stage: st, SchoolID: sc,
				Pupils: d.Units[i].Pupils[st], Migrants: d.Units[i].Migrants[st],
				Meters: float64(i%997) * 1.5, Placement: PlacementZone,
			})
		}
	}
	return p
}

// mustImport imports d as name or fails the test.
func mustImport(t testing.TB, s *Store, name string, d *data.Dataset) {
	t.Helper()
	if err := s.ImportScenario(context.Background(), name, d, ScenarioInfo{CRS: "wgs84"}); err != nil {
		t.Fatalf("ImportScenario(%q): %v", name, err)
	}
}

func mustChecksum(t testing.TB, s *Store, name string) string {
	t.Helper()
	sum, err := s.Checksum(context.Background(), name)
	if err != nil {
		t.Fatalf("Checksum(%q): %v", name, err)
	}
	return sum
}

// fixedTime is a Created time with nanoseconds, in a non-UTC zone, to
// check that the store normalises times.
var fixedTime = time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
