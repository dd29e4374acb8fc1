package store

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"catchment/data"

	"github.com/paulmach/orb"
)

func TestRoundTrip(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	for _, planar := range []bool{false, true} {
		name := "full"
		if planar {
			name = "full planar"
		}
		d := fullDataset()
		d.Planar = planar
		meta := ScenarioInfo{Name: "ignored", CRS: "gcj02", Created: fixedTime, Parent: "base", Note: "备注 note"}
		if err := s.ImportScenario(ctx, name, d, meta); err != nil {
			t.Fatalf("ImportScenario: %v", err)
		}
		got, info, err := s.LoadScenario(ctx, name)
		if err != nil {
			t.Fatalf("LoadScenario: %v", err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Errorf("planar=%v: round trip differs:\n got %+v\nwant %+v", planar, got, d)
		}
		want := ScenarioInfo{Name: name, Planar: planar, CRS: "gcj02", Created: fixedTime.UTC(), Schools: 3, Units: 3, Current: 3, Candidates: 2, Parent: "base", Note: "备注 note"}
		if !reflect.DeepEqual(info, want) {
			t.Errorf("info = %+v, want %+v", info, want)
		}
	}
	list, err := s.Scenarios(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "full" || list[1].Name != "full planar" || !list[1].Planar || list[0].Units != 3 {
		t.Errorf("Scenarios = %+v", list)
	}
}

func TestRoundTripEmptyAndExtremes(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	d := &data.Dataset{Schools: []data.School{{ID: "only", Loc: orb.Point{math.MaxFloat64, -math.SmallestNonzeroFloat64}, Seats: [data.NumStages]int{math.MaxInt32, 0}}}}
	mustImport(t, s, "tiny", d)
	got, info, err := s.LoadScenario(ctx, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("got %+v, want %+v", got, d)
	}
	if info.Created.IsZero() || info.Created.Location() != time.UTC {
		t.Errorf("Created = %v, want now in UTC", info.Created)
	}
	if got.Units != nil || got.Current != nil || got.Candidates != nil {
		t.Errorf("empty collections should load as nil")
	}
}

func TestNotFound(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	mustImport(t, s, "A", fullDataset())
	checks := map[string]error{}
	_, _, checks["LoadScenario"] = s.LoadScenario(ctx, "nope")
	checks["DeleteScenario"] = s.DeleteScenario(ctx, "nope")
	_, checks["Checksum"] = s.Checksum(ctx, "nope")
	_, checks["Plan"] = s.Plan(ctx, 42)
	_, checks["LatestPlan(no scenario)"] = s.LatestPlan(ctx, "nope")
	_, checks["LatestPlan(no plans)"] = s.LatestPlan(ctx, "A")
	_, checks["Plans"] = s.Plans(ctx, "nope")
	checks["DeletePlan"] = s.DeletePlan(ctx, 42)
	_, checks["Blob(no scenario)"] = s.Blob(ctx, "nope", "k")
	_, checks["Blob(no key)"] = s.Blob(ctx, "A", "k")
	checks["PutBlob"] = s.PutBlob(ctx, "nope", "k", []byte("x"))
	_, checks["SavePlan"] = s.SavePlan(ctx, &PlanRecord{Scenario: "nope"})
	for name, err := range checks {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestReplaceDeletesPlansAndBlobs(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	d1 := bigDataset(100, 5)
	mustImport(t, s, "A", d1)
	mustImport(t, s, "B", fullDataset())
	sumB := mustChecksum(t, s, "B")
	if _, err := s.SavePlan(ctx, bigPlan(d1, "A")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlob(ctx, "A", "graph", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	d2 := bigDataset(40, 3)
	mustImport(t, s, "A", d2)
	got, info, err := s.LoadScenario(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d2) || info.Units != 40 {
		t.Errorf("replaced scenario does not hold the new data (units %d)", info.Units)
	}
	if _, err := s.LatestPlan(ctx, "A"); !errors.Is(err, ErrNotFound) {
		t.Errorf("plans of the replaced scenario survived: %v", err)
	}
	if _, err := s.Blob(ctx, "A", "graph"); !errors.Is(err, ErrNotFound) {
		t.Errorf("blobs of the replaced scenario survived: %v", err)
	}
	if mustChecksum(t, s, "B") != sumB {
		t.Errorf("replacing A changed B")
	}
	// No orphan rows of the old scenario remain.
	for _, table := range []string{"units", "schools", "current_zones", "plan_zones", "plan_placements", "blobs"} {
		var n int
		if err := s.r.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"units": 43, "schools": 6, "current_zones": 43, "plan_zones": 0, "plan_placements": 0, "blobs": 0}[table]
		if n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
}

func TestDeleteScenario(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	d := bigDataset(50, 4)
	mustImport(t, s, "A", d)
	mustImport(t, s, "B", d)
	if _, err := s.SavePlan(ctx, bigPlan(d, "A")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBlob(ctx, "A", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteScenario(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LoadScenario(ctx, "A"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LoadScenario after delete: %v", err)
	}
	list, err := s.Scenarios(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "B" {
		t.Errorf("Scenarios = %+v, %v", list, err)
	}
	var n int
	if err := s.r.QueryRow(`SELECT (SELECT COUNT(*) FROM units) + (SELECT COUNT(*) FROM plans) + (SELECT COUNT(*) FROM plan_zones) + (SELECT COUNT(*) FROM blobs)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 50 {
		t.Errorf("%d rows left, want only B's 50 units", n)
	}
}

func TestImportRefusesInvalid(t *testing.T) {
	tests := []struct {
		name    string
		scen    string
		mutate  func(d *data.Dataset)
		wantSub string
	}{
		{"duplicate unit", "A", func(d *data.Dataset) { d.Units[1].ID = d.Units[0].ID }, "duplicate id"},
		{"negative seats", "A", func(d *data.Dataset) { d.Schools[0].Seats[0] = -1 }, "negative primary seats"},
		{"migrants exceed", "A", func(d *data.Dataset) { d.Units[0].Migrants[0] = 1000 }, "exceed"},
		{"open ring", "A", func(d *data.Dataset) { d.Units[0].Geom = orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 2}}} }, "not closed"},
		{"line geometry", "A", func(d *data.Dataset) { d.Units[0].Geom = orb.LineString{{0, 0}, {1, 1}} }, "not a Polygon"},
		{"NaN location", "A", func(d *data.Dataset) { d.Units[2].Loc[0] = math.NaN() }, "finite"},
		{"unknown current school", "A", func(d *data.Dataset) { d.Current[0].SchoolID = "S9" }, "unknown school"},
		{"bad current stage", "A", func(d *data.Dataset) { d.Current[0].Stage = 7 }, "invalid stage(7)"},
		{"bad ownership", "A", func(d *data.Dataset) { d.Schools[0].Ownership = 9 }, "invalid ownership(9)"},
		{"bad area", "A", func(d *data.Dataset) { d.Units[0].Area = -1 }, "invalid area(-1)"},
		{"bad status", "A", func(d *data.Dataset) { d.Schools[1].Status = 3 }, "invalid status(3)"},
		{"candidate duplicate", "A", func(d *data.Dataset) { d.Candidates[1].ID = "C1" }, "duplicate id"},
		{"candidate NaN cost", "A", func(d *data.Dataset) { d.Candidates[0].Cost = math.NaN() }, "cost"},
		{"candidate Inf location", "A", func(d *data.Dataset) { d.Candidates[0].Loc[1] = math.Inf(1) }, "location"},
		{"candidate negative seats", "A", func(d *data.Dataset) { d.Candidates[0].Seats[1] = -2 }, "negative junior seats"},
		{"candidate empty id", "A", func(d *data.Dataset) { d.Candidates[0].ID = " " }, "empty id"},
		{"empty name", "", func(d *data.Dataset) {}, "empty scenario name"},
		{"spaced name", " A", func(d *data.Dataset) {}, "leading or trailing space"},
		{"control name", "A\nB", func(d *data.Dataset) {}, "control character"},
		{"long name", strings.Repeat("x", 201), func(d *data.Dataset) {}, "longer than"},
		{"nil dataset", "A", nil, "nil dataset"},
	}
	s := openTemp(t)
	ctx := context.Background()
	mustImport(t, s, "A", fullDataset())
	before := mustChecksum(t, s, "A")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d *data.Dataset
			if tt.mutate != nil {
				d = fullDataset()
				tt.mutate(d)
			}
			err := s.ImportScenario(ctx, tt.scen, d, ScenarioInfo{})
			if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantSub)
			}
			if got := mustChecksum(t, s, "A"); got != before {
				t.Errorf("scenario A changed after a refused import")
			}
		})
	}
}

// TestCancelMidImport cancels the context half way through inserting the
// units of a replacement: the import fails and A is unchanged.
func TestCancelMidImport(t *testing.T) {
	s := openTemp(t)
	mustImport(t, s, "A", bigDataset(500, 10))
	before := mustChecksum(t, s, "A")
	info0, _ := s.Scenarios(context.Background())

	big := bigDataset(20000, 50)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reached int
	s.hook = func(stage string, done int) {
		if stage == "import:units" && done >= len(big.Units)/2 && reached == 0 {
			reached = done
			cancel()
		}
	}
	err := s.ImportScenario(ctx, "A", big, ScenarioInfo{})
	s.hook = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if reached == 0 {
		t.Fatal("the hook never ran: the test did not cancel inside the transaction")
	}
	if got := mustChecksum(t, s, "A"); got != before {
		t.Errorf("A changed after a cancelled import")
	}
	info1, _ := s.Scenarios(context.Background())
	if !reflect.DeepEqual(info0, info1) {
		t.Errorf("Scenarios changed: %+v → %+v", info0, info1)
	}
	// The writer connection is usable again.
	mustImport(t, s, "B", fullDataset())
}

// TestConcurrentReadersDuringImport holds an import open half way and
// checks that readers are not blocked and see only the old scenario, then
// only the new one.
func TestConcurrentReadersDuringImport(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	old := bigDataset(300, 6)
	mustImport(t, s, "A", old)
	oldSum := mustChecksum(t, s, "A")
	neu := bigDataset(10000, 20)

	inside := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	s.hook = func(stage string, done int) {
		if stage == "import:units" {
			once.Do(func() { close(inside); <-release })
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.ImportScenario(ctx, "A", neu, ScenarioInfo{}) }()
	<-inside

	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				got, info, err := s.LoadScenario(rctx, "A")
				if err != nil {
					t.Errorf("LoadScenario during import: %v", err)
					return
				}
				if info.Units != 300 || !reflect.DeepEqual(got, old) {
					t.Errorf("reader saw a half-written scenario (%d units)", info.Units)
				}
				if sum, err := s.Checksum(rctx, "A"); err != nil || sum != oldSum {
					t.Errorf("Checksum during import: %v (changed: %v)", err, sum != oldSum)
				}
			}
		})
	}
	wg.Wait()
	close(release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s.hook = nil
	got, _, err := s.LoadScenario(ctx, "A")
	if err != nil || !reflect.DeepEqual(got, neu) {
		t.Fatalf("after the import: %v", err)
	}
}

func TestConcurrentPlanSavesAndReads(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	d := bigDataset(2000, 20)
	mustImport(t, s, "A", d)
	var wg sync.WaitGroup
	const saves = 6
	wg.Go(func() {
		for i := range saves {
			p := bigPlan(d, "A")
			p.Comment = strings.Repeat("x", i)
			if _, err := s.SavePlan(ctx, p); err != nil {
				t.Errorf("SavePlan: %v", err)
			}
		}
	})
	for range 3 {
		wg.Go(func() {
			for range 10 {
				p, err := s.LatestPlan(ctx, "A")
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					t.Errorf("LatestPlan: %v", err)
					return
				}
				if len(p.Zones) != 4000 || len(p.Placements) != 4000 {
					t.Errorf("reader saw an incomplete plan: %d zones, %d placements", len(p.Zones), len(p.Placements))
				}
			}
		})
	}
	wg.Wait()
	infos, err := s.Plans(ctx, "A")
	if err != nil || len(infos) != saves {
		t.Fatalf("Plans = %d, %v", len(infos), err)
	}
	for i, pi := range infos {
		if pi.Revision != i+1 {
			t.Errorf("plan %d has revision %d", i, pi.Revision)
		}
	}
}

func TestPlans(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	d := fullDataset()
	mustImport(t, s, "A", d)
	mustImport(t, s, "B", d)
	p1 := &PlanRecord{
		Scenario: "A", Author: "李老师", Comment: "first",
		Policy: []byte(`{"a": 1}`), Report: []byte(` {"b":[1,2]} `), Meta: []byte(`null`),
		Zones: []ZoneRow{{UnitID: "U1", Stage: data.Primary, SchoolID: "S1"}, {UnitID: "U1", Stage: data.Junior, SchoolID: "S2"}},
		Placements: []PlacementRow{
			{UnitID: "U1", Stage: data.Primary, SchoolID: "S1", Pupils: 100, Migrants: 10, Meters: 123.456, Placement: PlacementZone},
			{UnitID: "U1", Stage: data.Primary, SchoolID: "S2", Pupils: 20, Meters: math.Inf(1), Placement: PlacementOverflow},
			{UnitID: "U2", Stage: data.Junior, Pupils: 3, Placement: PlacementUnplaced},
		},
	}
	id1, err := s.SavePlan(ctx, p1)
	if err != nil {
		t.Fatal(err)
	}
	if id1 != p1.ID || p1.Revision != 1 || p1.Created.IsZero() {
		t.Fatalf("SavePlan did not set ID/Revision/Created: %+v", p1)
	}
	got, err := s.Plan(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p1) {
		t.Errorf("plan round trip:\n got %+v\nwant %+v", got, p1)
	}
	p2 := &PlanRecord{Scenario: "A", Parent: id1}
	id2, err := s.SavePlan(ctx, p2)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Revision != 2 {
		t.Errorf("second plan revision = %d, want 2", p2.Revision)
	}
	pb := &PlanRecord{Scenario: "B"}
	if _, err := s.SavePlan(ctx, pb); err != nil || pb.Revision != 1 {
		t.Errorf("B's first plan: revision %d, %v", pb.Revision, err)
	}
	latest, err := s.LatestPlan(ctx, "A")
	if err != nil || latest.ID != id2 || latest.Parent != id1 || latest.Zones != nil || latest.Policy != nil {
		t.Errorf("LatestPlan = %+v, %v", latest, err)
	}
	infos, err := s.Plans(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	want := []PlanInfo{
		{ID: id1, Scenario: "A", Revision: 1, Author: "李老师", Comment: "first", Created: p1.Created, Zones: 2, Placements: 3},
		{ID: id2, Scenario: "A", Revision: 2, Parent: id1, Created: p2.Created},
	}
	if !reflect.DeepEqual(infos, want) {
		t.Errorf("Plans =\n%+v\nwant\n%+v", infos, want)
	}
	if err := s.DeletePlan(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if latest, err := s.LatestPlan(ctx, "A"); err != nil || latest.ID != id1 {
		t.Errorf("after deleting the newest, LatestPlan = %v, %v", latest, err)
	}
	if p3 := (&PlanRecord{Scenario: "A"}); true {
		if _, err := s.SavePlan(ctx, p3); err != nil || p3.Revision != 2 {
			t.Errorf("revision after delete = %d, %v", p3.Revision, err)
		}
	}
}

func TestSavePlanRefusesInvalid(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	mustImport(t, s, "A", fullDataset())
	mustImport(t, s, "B", fullDataset())
	idB, err := s.SavePlan(ctx, &PlanRecord{Scenario: "B"})
	if err != nil {
		t.Fatal(err)
	}
	idA, err := s.SavePlan(ctx, &PlanRecord{Scenario: "A"})
	if err != nil {
		t.Fatal(err)
	}
	zone := func(u, sc string, st data.Stage) []ZoneRow { return []ZoneRow{{UnitID: u, Stage: st, SchoolID: sc}} }
	place := func(r PlacementRow) []PlacementRow { return []PlacementRow{r} }
	tests := []struct {
		name    string
		p       PlanRecord
		wantSub string
	}{
		{"unknown unit", PlanRecord{Zones: zone("U9", "S1", 0)}, `unknown unit "U9"`},
		{"unknown school", PlanRecord{Zones: zone("U1", "S9", 0)}, `unknown school "S9"`},
		{"empty school", PlanRecord{Zones: zone("U1", "", 0)}, "empty school id"},
		{"bad stage", PlanRecord{Zones: zone("U1", "S1", 2)}, "invalid stage(2)"},
		{"bad placement", PlanRecord{Placements: place(PlacementRow{UnitID: "U1", SchoolID: "S1", Placement: "elsewhere"})}, "not zone, overflow or unplaced"},
		{"unplaced with school", PlanRecord{Placements: place(PlacementRow{UnitID: "U1", SchoolID: "S1", Placement: PlacementUnplaced})}, "unplaced row names school"},
		{"zone without school", PlanRecord{Placements: place(PlacementRow{UnitID: "U1", Placement: PlacementZone})}, "without a school"},
		{"migrants exceed", PlanRecord{Placements: place(PlacementRow{UnitID: "U1", SchoolID: "S1", Pupils: 1, Migrants: 2, Placement: PlacementZone})}, "migrants"},
		{"NaN meters", PlanRecord{Placements: place(PlacementRow{UnitID: "U1", SchoolID: "S1", Meters: math.NaN(), Placement: PlacementZone})}, "NaN"},
		{"bad policy JSON", PlanRecord{Policy: []byte(`{`)}, "policy is not valid JSON"},
		{"bad meta JSON", PlanRecord{Meta: []byte(``)}, "meta is not valid JSON"},
		{"parent of other scenario", PlanRecord{Parent: idB}, "is not a plan of scenario"},
		{"duplicate revision", PlanRecord{Revision: 1}, "revision 1 already exists"},
		{"negative revision", PlanRecord{Revision: -1}, "negative revision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			p.Scenario = "A"
			_, err := s.SavePlan(ctx, &p)
			if err == nil || !strings.Contains(err.Error(), tt.wantSub) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantSub)
			}
			if p.ID != 0 {
				t.Errorf("a refused plan got ID %d", p.ID)
			}
			if latest, err := s.LatestPlan(ctx, "A"); err != nil || latest.ID != idA {
				t.Errorf("LatestPlan changed: %v, %v", latest, err)
			}
		})
	}
}

func TestCancelMidSavePlan(t *testing.T) {
	s := openTemp(t)
	d := bigDataset(5000, 10)
	mustImport(t, s, "A", d)
	first := bigPlan(d, "A")
	id1, err := s.SavePlan(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.hook = func(stage string, done int) {
		if stage == "plan:placements" {
			cancel()
		}
	}
	_, err = s.SavePlan(ctx, bigPlan(d, "A"))
	s.hook = nil
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	latest, err := s.LatestPlan(context.Background(), "A")
	if err != nil || latest.ID != id1 || !reflect.DeepEqual(latest, first) {
		t.Fatalf("LatestPlan after a cancelled save: %v", err)
	}
}

func TestImportWithBlobs(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	blobs := map[string][]byte{"boundary": []byte(`{"type":"Polygon"}`), "empty": nil}
	if err := s.ImportScenarioWithBlobs(ctx, "A", fullDataset(), ScenarioInfo{}, blobs); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string][]byte{"boundary": blobs["boundary"], "empty": {}} {
		if got, err := s.Blob(ctx, "A", k); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Blob(%q) = %q, %v", k, got, err)
		}
	}
	// A refused import with blobs leaves A and its blobs alone.
	bad := fullDataset()
	bad.Units[0].Pupils[0] = -1
	if err := s.ImportScenarioWithBlobs(ctx, "A", bad, ScenarioInfo{}, map[string][]byte{"boundary": []byte("new")}); err == nil {
		t.Fatal("invalid dataset accepted")
	}
	if err := s.ImportScenarioWithBlobs(ctx, "A", fullDataset(), ScenarioInfo{}, map[string][]byte{"": []byte("x")}); err == nil {
		t.Fatal("empty blob key accepted")
	}
	if got, _ := s.Blob(ctx, "A", "boundary"); string(got) != `{"type":"Polygon"}` {
		t.Errorf("boundary blob changed to %q", got)
	}
}

func TestBlobs(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	mustImport(t, s, "A", fullDataset())
	mustImport(t, s, "B", fullDataset())
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tests := []struct {
		scenario, key string
		val           []byte
	}{
		{"A", "graph", big},
		{"A", "empty", nil},
		{"A", "zero", []byte{0, 0, 0}},
		{"B", "graph", []byte("B's graph")},
		{"A", "graph", []byte("replaced")},
	}
	for _, tt := range tests {
		if err := s.PutBlob(ctx, tt.scenario, tt.key, tt.val); err != nil {
			t.Fatal(err)
		}
	}
	want := map[[2]string][]byte{
		{"A", "graph"}: []byte("replaced"), {"A", "empty"}: {}, {"A", "zero"}: {0, 0, 0}, {"B", "graph"}: []byte("B's graph"),
	}
	for k, w := range want {
		got, err := s.Blob(ctx, k[0], k[1])
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Errorf("Blob(%q, %q) = %q, %v; want %q", k[0], k[1], got, err, w)
		}
	}
	if err := s.PutBlob(ctx, "A", "", []byte("x")); err == nil {
		t.Error("PutBlob accepted an empty key")
	}
}

func TestChecksum(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	meta := ScenarioInfo{CRS: "wgs84", Created: fixedTime}
	imp := func(name string, d *data.Dataset, m ScenarioInfo) string {
		t.Helper()
		if err := s.ImportScenario(ctx, name, d, m); err != nil {
			t.Fatal(err)
		}
		return mustChecksum(t, s, name)
	}
	base := imp("A", fullDataset(), meta)
	if again := imp("A2", fullDataset(), meta); again != base {
		t.Errorf("same data and metadata under another name: checksum differs")
	}
	if len(base) != 64 {
		t.Errorf("checksum %q is not hex SHA-256", base)
	}
	mutations := map[string]func(d *data.Dataset, m *ScenarioInfo){
		"unit name":      func(d *data.Dataset, m *ScenarioInfo) { d.Units[0].Name += "x" },
		"unit geometry":  func(d *data.Dataset, m *ScenarioInfo) { d.Units[0].Geom.(orb.Polygon)[0][1][0] += 1e-12 },
		"school order":   func(d *data.Dataset, m *ScenarioInfo) { d.Schools[0], d.Schools[1] = d.Schools[1], d.Schools[0] },
		"resource flag":  func(d *data.Dataset, m *ScenarioInfo) { d.Schools[2].HasResource[0] = true },
		"candidate cost": func(d *data.Dataset, m *ScenarioInfo) { d.Candidates[1].Cost = 0 },
		"current stage":  func(d *data.Dataset, m *ScenarioInfo) { d.Current[2].Stage = data.Primary },
		"created":        func(d *data.Dataset, m *ScenarioInfo) { m.Created = m.Created.Add(time.Nanosecond) },
		"note":           func(d *data.Dataset, m *ScenarioInfo) { m.Note = "n" },
		"planar":         func(d *data.Dataset, m *ScenarioInfo) { d.Planar = true },
		"no candidates":  func(d *data.Dataset, m *ScenarioInfo) { d.Candidates = nil },
	}
	for name, mut := range mutations {
		d, m := fullDataset(), meta
		mut(d, &m)
		if sum := imp("M", d, m); sum == base {
			t.Errorf("%s: checksum did not change", name)
		}
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	t.Run("new file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sub dir?#%", "new.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var mode string
		s.w.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v)
		s.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		defer s.Close()
		if v != SchemaVersion() || v < 1 {
			t.Errorf("schema version %d, want %d", v, SchemaVersion())
		}
		if mode != "wal" {
			t.Errorf("journal_mode = %q, want wal", mode)
		}
		for pragma, want := range map[string]int{"synchronous": 1 /* NORMAL */, "foreign_keys": 1, "busy_timeout": 5000} {
			var got int
			if err := s.w.QueryRow(`PRAGMA ` + pragma).Scan(&got); err != nil || got != want {
				t.Errorf("PRAGMA %s = %d (%v), want %d", pragma, got, err, want)
			}
		}
		var qo int
		if err := s.r.QueryRow(`PRAGMA query_only`).Scan(&qo); err != nil || qo != 1 {
			t.Errorf("reader connections are not query_only: %d, %v", qo, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the escaped path did not create the intended file: %v", err)
		}
	})
	t.Run("empty file and reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "empty.db")
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			mustImport(t, s, "A", fullDataset())
			s.Close()
		}
	})
	t.Run("newer schema refused", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "newer.db")
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, 'future', 0)`, SchemaVersion()+1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err = Open(ctx, path)
		if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "newer catchment") {
			t.Fatalf("Open of a newer database: %v, want ErrNewerSchema", err)
		}
	})
	t.Run("not a database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "junk.db")
		os.WriteFile(path, []byte(strings.Repeat("not sqlite ", 100)), 0o644)
		if _, err := Open(ctx, path); err == nil {
			t.Fatal("Open accepted a file that is not SQLite")
		}
	})
	t.Run("stepwise", func(t *testing.T) {
		db, err := sql.Open("sqlite3", dsn(filepath.Join(t.TempDir(), "steps.db"), true))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		v1 := fstest.MapFS{"migrations/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER);`)}}
		v3 := fstest.MapFS{
			"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
			"migrations/0002_b.sql": {Data: []byte(`CREATE TABLE b (y INTEGER); INSERT INTO a VALUES (1);`)},
			"migrations/0003_c.sql": {Data: []byte(`ALTER TABLE b ADD COLUMN z TEXT;`)},
		}
		broken := fstest.MapFS{
			"migrations/0001_a.sql": v1["migrations/0001_a.sql"],
			"migrations/0002_b.sql": v3["migrations/0002_b.sql"],
			"migrations/0003_c.sql": v3["migrations/0003_c.sql"],
			"migrations/0004_d.sql": {Data: []byte(`CREATE TABLE d (q); INSERT INTO nowhere VALUES (1);`)},
		}
		if err := migrate(ctx, db, v1); err != nil {
			t.Fatal(err)
		}
		if err := migrate(ctx, db, v3); err != nil {
			t.Fatal(err)
		}
		if err := migrate(ctx, db, v3); err != nil {
			t.Fatal("re-running migrations:", err)
		}
		if err := migrate(ctx, db, broken); err == nil || !strings.Contains(err.Error(), "0004_d.sql") {
			t.Fatalf("broken migration: %v", err)
		}
		var n, v int
		db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'd'`).Scan(&n)
		db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v)
		if n != 0 || v != 3 {
			t.Errorf("failed migration left table d=%d, version %d; want rolled back to 3", n, v)
		}
		var a int
		db.QueryRow(`SELECT COUNT(*) FROM a`).Scan(&a)
		if a != 1 {
			t.Errorf("migration 0002 ran %d times", a)
		}
		if err := migrate(ctx, db, v1); !errors.Is(err, ErrNewerSchema) {
			t.Errorf("older binary on a newer schema: %v", err)
		}
	})
	t.Run("bad migration names", func(t *testing.T) {
		for name, fsys := range map[string]fstest.MapFS{
			"gap":        {"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}},
			"duplicate":  {"migrations/0001_a.sql": {}, "migrations/1_b.sql": {}},
			"unnumbered": {"migrations/init.sql": {}},
			"zero":       {"migrations/0000_a.sql": {}},
		} {
			if _, err := loadMigrations(fsys); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		if ms, err := loadMigrations(migrationFS); err != nil || len(ms) == 0 {
			t.Errorf("embedded migrations: %v", err)
		}
	})
}

func TestConcurrentWritersAcrossStores(t *testing.T) {
	// Two Stores on one file stand for two processes: their writes queue on
	// SQLite's lock (busy timeout) instead of failing.
	path := filepath.Join(t.TempDir(), "two.db")
	ctx := context.Background()
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for i, s := range []*Store{a, b, a, b} {
		wg.Go(func() {
			name := string(rune('P' + i))
			if err := s.ImportScenario(ctx, name, bigDataset(3000, 10), ScenarioInfo{}); err != nil {
				t.Errorf("import %s: %v", name, err)
			}
		})
	}
	wg.Wait()
	list, err := b.Scenarios(ctx)
	if err != nil || len(list) != 4 {
		t.Errorf("Scenarios = %d, %v", len(list), err)
	}
}

// FuzzScenarioText stores arbitrary text in every string field (names,
// ids, notes) and checks that it loads back byte for byte, or is refused
// with an error, never a panic.
func FuzzScenarioText(f *testing.F) {
	for _, seed := range []string{"A", "小区 1", "a\x00b", "\xff\xfe", "'; DROP TABLE units; --", "%3f?#", strings.Repeat("长", 70)} {
		f.Add(seed, seed)
	}
	s := openTemp(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, name, text string) {
		d := fullDataset()
		d.Units[0].ID, d.Units[0].Name, d.Schools[2].Name, d.Candidates[0].Name = text+"u", text, text, text
		d.Current[0].UnitID = text + "u"
		meta := ScenarioInfo{CRS: text, Parent: text, Note: text, Created: fixedTime}
		err := s.ImportScenario(ctx, name, d, meta)
		if ValidateName(name) != nil {
			if err == nil {
				t.Fatalf("name %q accepted", name)
			}
			return
		}
		if err != nil {
			if d.Validate() == nil {
				t.Fatalf("valid dataset refused: %v", err)
			}
			return
		}
		got, info, err := s.LoadScenario(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("round trip of %q differs", text)
		}
		if info.Name != name || info.CRS != text || info.Note != text || info.Parent != text {
			t.Fatalf("metadata round trip of %q differs: %+v", text, info)
		}
		if err := s.DeleteScenario(ctx, name); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzMigrationNames feeds arbitrary file names to the migration loader:
// it must never panic, and whatever it accepts is numbered 1, 2, … in order.
func FuzzMigrationNames(f *testing.F) {
	f.Add("0001_init.sql", "0002_more.sql")
	f.Add("1_a.sql", "01_b.sql")
	f.Add("0001_a.sql", "x_b.sql")
	f.Add("-1_a.sql", "0_b.sql")
	f.Add("99999999999999999999_a.sql", "0001_a.sql")
	f.Fuzz(func(t *testing.T, a, b string) {
		fsys := fstest.MapFS{}
		for _, n := range []string{a, b} {
			if n == "" || strings.ContainsAny(n, "/\\\x00") || !strings.HasSuffix(n, ".sql") || n == "." || n == ".." {
				continue
			}
			fsys["migrations/"+n] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		ms, err := loadMigrations(fsys)
		if err != nil {
			return
		}
		for i, m := range ms {
			if m.version != i+1 {
				t.Fatalf("accepted %v: migration %d has version %d", fsys, i, m.version)
			}
		}
	})
}
