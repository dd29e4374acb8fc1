package data

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

var (
	householdsOnce sync.Once
	householdsCSV  []byte
)

// millionHouseholds returns a 1,000,000-row households.csv built with the
// writer: realistic coordinates, 50,000 unit ids.
func millionHouseholds(b *testing.B) []byte {
	householdsOnce.Do(func() {
		var buf bytes.Buffer
		hw := NewHouseholdWriter(&buf, false)
		for i := range 1_000_000 {
			h := Household{
				Loc:     orb.Point{116.2 + float64(i%1000)*0.000371, 39.8 + float64(i/1000)*0.000293},
				Primary: i % 3 / 2, Junior: i % 5 / 4, Migrant: i%7 == 0,
				UnitID: fmt.Sprintf("U%05d", i%50_000),
			}
			if err := hw.Write(h); err != nil {
				b.Fatal(err)
			}
		}
		if err := hw.Flush(); err != nil {
			b.Fatal(err)
		}
		householdsCSV = buf.Bytes()
	})
	return householdsCSV
}

// BenchmarkReadHouseholds1M reads a 1,000,000-row households.csv per
// iteration; the target is well under 2 s per iteration.
func BenchmarkReadHouseholds1M(b *testing.B) {
	in := millionHouseholds(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := ReadHouseholds(bytes.NewReader(in), "households.csv", ReadOptions{}, func(Household) error { n++; return nil })
		if err != nil || n != 1_000_000 {
			b.Fatalf("%d rows, %v", n, err)
		}
	}
}

// BenchmarkWriteHouseholds1M writes 1,000,000 households per iteration.
func BenchmarkWriteHouseholds1M(b *testing.B) {
	h := Household{Loc: orb.Point{116.3912345, 39.9012345}, Primary: 1, UnitID: "U12345"}
	b.ReportAllocs()
	for b.Loop() {
		hw := NewHouseholdWriter(io.Discard, false)
		for range 1_000_000 {
			if err := hw.Write(h); err != nil {
				b.Fatal(err)
			}
		}
		if err := hw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}

// cityUnits returns 50,000 square polygon units.
func cityUnits() []Unit {
	units := make([]Unit, 50_000)
	for i := range units {
		x, y := 116.2+float64(i%250)*0.002, 39.8+float64(i/250)*0.002
		units[i] = Unit{
			ID: fmt.Sprintf("U%05d", i), Name: "compound",
			Geom:   orb.Polygon{{{x, y}, {x + 0.0015, y}, {x + 0.0015, y + 0.0015}, {x, y + 0.0015}, {x, y}}},
			Pupils: [NumStages]int{20, 10},
		}
	}
	return units
}

// BenchmarkReadUnitsGeoJSON50k reads 50,000 polygon units per iteration.
func BenchmarkReadUnitsGeoJSON50k(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteUnitsGeoJSON(&buf, cityUnits(), false); err != nil {
		b.Fatal(err)
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		units, err := ReadUnitsGeoJSON(bytes.NewReader(in), "units.geojson", ReadOptions{})
		if err != nil || len(units) != 50_000 {
			b.Fatalf("%d units, %v", len(units), err)
		}
	}
}

// BenchmarkReadUnitsCSV50k reads 50,000 point units per iteration.
func BenchmarkReadUnitsCSV50k(b *testing.B) {
	units := cityUnits()
	for i := range units {
		units[i].Loc, units[i].Geom = units[i].Geom.(orb.Polygon)[0][0], nil
	}
	var buf bytes.Buffer
	if err := WriteUnitsCSV(&buf, units, false); err != nil {
		b.Fatal(err)
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := ReadUnitsCSV(bytes.NewReader(in), "units.csv", ReadOptions{})
		if err != nil || len(got) != 50_000 {
			b.Fatalf("%d units, %v", len(got), err)
		}
	}
}
