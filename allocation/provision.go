package allocation

import (
	"errors"
	"fmt"

	"catchment/data"
)

// ProvisionRules are the new-school provision thresholds of POLICY.md §B5
// (Seed3) and the child ratios that turn a housing development's residents
// into pupils. Every number is a default a county may override.
//
// Invariants after Validate: 0 < SmallCommunityMin ≤ SmallCommunityMax;
// PrimaryPerPopulation, JuniorPerPopulation > 0; class ranges have
// 0 < min ≤ max; 0 ≤ ChildrenPerResident[st] ≤ 1.
type ProvisionRules struct {
	// A community of SmallCommunityMin..SmallCommunityMax residents needs one
	// complete primary of SmallPrimaryClasses[0]..[1] classes (6–12).
	SmallCommunityMin   int    `json:"small_community_min"`
	SmallCommunityMax   int    `json:"small_community_max"`
	SmallPrimaryClasses [2]int `json:"small_primary_classes"`
	// Above SmallCommunityMax: one primary of PrimaryClasses[0]..[1]
	// classes (18–24) per PrimaryPerPopulation residents (10,000), and one
	// junior of at least JuniorMinClasses (18) per JuniorPerPopulation
	// (20,000), rounded up.
	PrimaryPerPopulation int    `json:"primary_per_population"`
	PrimaryClasses       [2]int `json:"primary_classes"`
	JuniorPerPopulation  int    `json:"junior_per_population"`
	JuniorMinClasses     int    `json:"junior_min_classes"`
	// ChildrenPerResident is the pupils of each stage per resident of a new
	// housing development (whole-stage cohorts: about 12 children per 1,000
	// residents per school year, so 6 × 12 and 3 × 12 per 1,000). [M]:
	// a planning rule of thumb, set it from the local 千人指标.
	ChildrenPerResident [data.NumStages]float64 `json:"children_per_resident"`
}

// DefaultProvisionRules returns the POLICY.md §B5 defaults.
func DefaultProvisionRules() ProvisionRules {
	return ProvisionRules{
		SmallCommunityMin:    4000,
		SmallCommunityMax:    10000,
		SmallPrimaryClasses:  [2]int{6, 12},
		PrimaryPerPopulation: 10000,
		PrimaryClasses:       [2]int{18, 24},
		JuniorPerPopulation:  20000,
		JuniorMinClasses:     18,
		ChildrenPerResident:  [data.NumStages]float64{0.072, 0.036},
	}
}

// Validate checks the invariants of ProvisionRules.
func (r *ProvisionRules) Validate() error {
	var errs []error
	if r.SmallCommunityMin <= 0 || r.SmallCommunityMax < r.SmallCommunityMin {
		errs = append(errs, errors.New("provision: need 0 < small_community_min ≤ small_community_max"))
	}
	if r.PrimaryPerPopulation <= 0 || r.JuniorPerPopulation <= 0 {
		errs = append(errs, errors.New("provision: per-population figures must be > 0"))
	}
	for _, c := range [][2]int{r.SmallPrimaryClasses, r.PrimaryClasses} {
		if c[0] <= 0 || c[1] < c[0] {
			errs = append(errs, fmt.Errorf("provision: class range %v must have 0 < min ≤ max", c))
		}
	}
	if r.JuniorMinClasses <= 0 {
		errs = append(errs, errors.New("provision: junior_min_classes must be > 0"))
	}
	for st, v := range r.ChildrenPerResident {
		if !(v >= 0 && v <= 1) {
			errs = append(errs, fmt.Errorf("provision: children_per_resident[%s] must be in [0,1]", data.Stage(st)))
		}
	}
	return errors.Join(errs...)
}
