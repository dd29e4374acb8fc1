package sites

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"catchment/allocation"
	"catchment/data"
)

func TestObjectiveLess(t *testing.T) {
	tests := []struct {
		a, b Objective
		want bool
	}{
		{Objective{0, 10}, Objective{0, 20}, true},
		{Objective{0, 20}, Objective{0, 10}, false},
		{Objective{1, 0}, Objective{0, 1e12}, false},
		{Objective{0, 1e12}, Objective{1, 0}, true},
		{Objective{2, 5}, Objective{2, 5}, false},
	}
	for _, tc := range tests {
		if got := tc.a.Less(tc.b); got != tc.want {
			t.Errorf("%+v.Less(%+v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	ds := randomInstance(1, 8, 2, 4)
	noSeats := randomInstance(1, 8, 2, 4)
	for i := range noSeats.Candidates {
		noSeats.Candidates[i].Seats = [2]int{}
	}
	tests := []struct {
		name string
		ds   *data.Dataset
		opt  Options
		want error
	}{
		{"negative k", ds, Options{K: -1}, nil},
		{"no dataset", nil, Options{K: 1}, nil},
		{"no seats", noSeats, Options{K: 1}, ErrNoCandidates},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Select(context.Background(), tc.ds, tc.opt)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
	// --seats rescues candidates without seats.
	res, err := Select(context.Background(), noSeats, Options{K: 1, DefaultSeats: [2]int{100, 0}})
	if err != nil || len(res.Chosen) != 1 || res.Chosen[0].Seats["primary"] != 100 {
		t.Fatalf("default seats: %+v %v", res, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Select(ctx, ds, Options{K: 2}); err == nil {
		t.Fatal("cancelled selection succeeded")
	}
}

// TestSweepMonotone: each extra school never makes the objective worse,
// the greedy steps' marginal values are the objective differences, and
// every result keeps at most k sites.
func TestSweepMonotone(t *testing.T) {
	for seed := range uint64(4) {
		ds := randomInstance(seed+40, 14, 2, 8)
		rs, err := Sweep(context.Background(), ds, Options{}, 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		for k, r := range rs {
			if r.K != k || len(r.Chosen) > k {
				t.Fatalf("k=%d: result for %d with %d sites", k, r.K, len(r.Chosen))
			}
			if k > 0 && rs[k-1].Objective.Less(r.Objective) {
				t.Fatalf("seed %d: k=%d objective %+v worse than k=%d %+v", seed, k, r.Objective, k-1, rs[k-1].Objective)
			}
			for i := 1; i < len(r.Greedy); i++ {
				if d := diff(r.Greedy[i-1].Objective, r.Greedy[i].Objective); d != r.Greedy[i].Marginal {
					t.Fatalf("marginal %+v, want %+v", r.Greedy[i].Marginal, d)
				}
			}
			for _, a := range r.Alternatives {
				if a.Objective.Less(r.Objective) {
					t.Fatalf("alternative %s beats the chosen set", a.Site.ID)
				}
			}
		}
	}
}

func TestApplyAndFinish(t *testing.T) {
	ds := randomInstance(9, 14, 2, 6)
	res, err := Select(context.Background(), ds, Options{K: 2})
	if err != nil {
		t.Fatal(err)
	}
	nds := Apply(ds, res)
	if len(nds.Schools) != len(ds.Schools)+len(res.Chosen) || len(nds.Candidates) != len(ds.Candidates)-len(res.Chosen) {
		t.Fatalf("apply: %d schools, %d candidates", len(nds.Schools), len(nds.Candidates))
	}
	if len(ds.Schools) != 2 || len(ds.Candidates) != 6 {
		t.Fatal("Apply modified its input")
	}
	if err := nds.Validate(); err != nil {
		t.Fatal(err)
	}
	pol := allocation.DefaultPolicy()
	solve := func(ctx context.Context, d *data.Dataset) (*allocation.Plan, error) {
		return allocation.Solve(ctx, allocation.Input{Dataset: d, Policy: pol})
	}
	before, after, err := Finish(context.Background(), ds, res, solve)
	if err != nil {
		t.Fatal(err)
	}
	if res.After["primary"].Unplaced > res.Before["primary"].Unplaced {
		t.Fatalf("more unplaced after building: %+v → %+v", res.Before, res.After)
	}
	total := 0
	for _, c := range res.Chosen {
		total += c.ZonePupils["primary"]
		if len(c.ZoneUnits["primary"]) == 0 {
			t.Errorf("site %s has an empty zone", c.ID)
		}
	}
	if before.Report == nil || after.Report == nil || total == 0 {
		t.Fatal("no plans")
	}
}

func ExampleSelect() {
	ds := randomInstance(5, 12, 2, 6)
	res, err := Select(context.Background(), ds, Options{K: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("sites:", len(res.Chosen))
	fmt.Println("fewer unplaced or shorter trips:", res.Objective.Less(res.Baseline))
	// Output:
	// sites: 2
	// fewer unplaced or shorter trips: true
}

// TestWorkersAgree: concurrent evaluation on network copies reaches the
// same objective as the serial search.
func TestWorkersAgree(t *testing.T) {
	for seed := range uint64(6) {
		ds := randomInstance(seed+70, 14, 3, 8)
		one, err := Select(context.Background(), ds, Options{K: 3, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		two, err := Select(context.Background(), ds, Options{K: 3, Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		if one.Objective != two.Objective {
			t.Fatalf("seed %d: serial %+v, concurrent %+v", seed, one.Objective, two.Objective)
		}
	}
}

// TestBothStages: a site serving both stages is scored on the sum of the
// two relaxations, and the chosen sites carry seats of both.
func TestBothStages(t *testing.T) {
	ds := randomInstance(11, 12, 2, 6)
	for i := range ds.Units {
		ds.Units[i].Pupils[data.Junior] = ds.Units[i].Pupils[data.Primary] / 2
	}
	for i := range ds.Schools {
		ds.Schools[i].Seats[data.Junior] = ds.Schools[i].Seats[data.Primary] / 2
	}
	for i := range ds.Candidates {
		ds.Candidates[i].Seats[data.Junior] = ds.Candidates[i].Seats[data.Primary] / 2
	}
	both, err := Select(context.Background(), ds, Options{K: 2, Stages: []data.Stage{data.Primary, data.Junior}})
	if err != nil {
		t.Fatal(err)
	}
	if len(both.Chosen) == 0 || !both.Objective.Less(both.Baseline) {
		t.Fatalf("no improvement: %+v", both)
	}
	for _, c := range both.Chosen {
		if c.Seats["primary"] == 0 || c.Seats["junior"] == 0 {
			t.Fatalf("site %s seats %v", c.ID, c.Seats)
		}
	}
	p, _ := Select(context.Background(), ds, Options{K: 0, Stages: []data.Stage{data.Primary}})
	j, _ := Select(context.Background(), ds, Options{K: 0, Stages: []data.Stage{data.Junior}})
	if sum := (Objective{p.Baseline.Unplaced + j.Baseline.Unplaced, p.Baseline.Meters + j.Baseline.Meters}); sum.Less(both.Baseline) || both.Baseline.Less(sum) {
		t.Fatalf("baseline %+v is not the sum of the stages %+v", both.Baseline, sum)
	}
}
