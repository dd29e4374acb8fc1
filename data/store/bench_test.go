package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkImportScenario replaces a city-scale scenario (1,000 schools,
// 50,000 units, a third of them polygons, today's zoning for every unit).
// The brief's target is ≤ 2 s per import.
func BenchmarkImportScenario(b *testing.B) {
	s := openTemp(b)
	d := bigDataset(50000, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := s.ImportScenario(ctx, "A", d, ScenarioInfo{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(d.Units)), "units/op")
}

// BenchmarkSavePlan saves a plan for 50,000 units × 2 stages (100,000
// zone rows and 100,000 placement rows). The brief's target is ≤ 1 s.
func BenchmarkSavePlan(b *testing.B) {
	s := openTemp(b)
	d := bigDataset(50000, 1000)
	ctx := context.Background()
	if err := s.ImportScenario(ctx, "A", d, ScenarioInfo{}); err != nil {
		b.Fatal(err)
	}
	p := bigPlan(d, "A")
	for b.Loop() {
		q := *p
		if _, err := s.SavePlan(ctx, &q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadScenario reads the 50,000-unit scenario back.
func BenchmarkLoadScenario(b *testing.B) {
	s := openTemp(b)
	d := bigDataset(50000, 1000)
	ctx := context.Background()
	if err := s.ImportScenario(ctx, "A", d, ScenarioInfo{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, _, err := s.LoadScenario(ctx, "A")
		if err != nil || len(got.Units) != len(d.Units) {
			b.Fatal(fmt.Sprint(err))
		}
	}
}
