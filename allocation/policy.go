package allocation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"catchment/data"
)

// Policy holds every target, threshold and tuning knob of a solve and its
// report. Nothing else in catchment hard-codes these numbers; defaults come
// from POLICY.md and a county overrides them with a JSON file.
//
// Per-stage arrays are indexed by data.Stage (primary, junior).
type Policy struct {
	// ClassSize is the class-size cap per stage (POLICY.md B1: 45 / 50).
	ClassSize [data.NumStages]int `json:"class_size"`
	// LargeClass and OversizedClass start the 大班额 (56–65) and 超大班额
	// (≥66) bands of average class size.
	LargeClass     int `json:"large_class"`
	OversizedClass int `json:"oversized_class"`
	// SchoolSizeCap caps pupils in a single-stage school; NineYearSizeCap in
	// a school offering both stages (B2: 2000 / 2500).
	SchoolSizeCap   int `json:"school_size_cap"`
	NineYearSizeCap int `json:"nine_year_size_cap"`
	// NearZoneTarget is the required share of pupils placed in their zone
	// school, per stage (B3: 1.00 / 0.95), applied to urban and town units.
	NearZoneTarget [data.NumStages]float64 `json:"near_zone_target"`
	// MigrantTarget is the required share of eligible migrant children in
	// public schools or purchased places (B3: 0.85).
	MigrantTarget float64 `json:"migrant_target"`
	// ServiceRadiusMeters is the walking radius per stage (B4: 500 / 1000).
	ServiceRadiusMeters [data.NumStages]float64 `json:"service_radius_m"`
	// StaffRatio is pupils per staff member, per stage (B5: 19 / 13.5).
	StaffRatio [data.NumStages]float64 `json:"staff_ratio"`
	// Indicators are the seven resource indicators of POLICY.md §C.
	Indicators []Indicator `json:"indicators"`
	// IndicatorPassCount indicators of a school must meet their threshold,
	// and the rest must reach IndicatorMinShare of it (6 of 7, 0.85).
	IndicatorPassCount int     `json:"indicator_pass_count"`
	IndicatorMinShare  float64 `json:"indicator_min_share"`
	// CVLimit caps each indicator's enrolment-weighted coefficient of
	// variation across schools, per stage (0.50 / 0.45).
	CVLimit [data.NumStages]float64 `json:"cv_limit"`
	// PriorityTiers order who is placed first inside an oversubscribed zone;
	// the last tiers overflow (统筹安排) first. See Tier.
	PriorityTiers []Tier `json:"priority_tiers"`
	// Solver holds the optimiser's knobs.
	Solver SolverOptions `json:"solver"`
	// Provision holds the new-school provision thresholds (POLICY.md §B5)
	// and the children-per-resident ratios of new housing; see ProvisionRules.
	Provision ProvisionRules `json:"provision"`
}

// Indicator is one resource indicator: Resource divided by pupils, times
// 100 when Per100, must reach Threshold per stage.
type Indicator struct {
	Name      string                  `json:"name"`
	Resource  string                  `json:"resource"`
	Per100    bool                    `json:"per_100"`
	Threshold [data.NumStages]float64 `json:"threshold"`
}

// Tier is one admission priority tier. Units carry only pupil and migrant
// counts, so a tier selects a group ("resident" = non-migrant pupils,
// "migrant" = eligible migrant children) and takes Share of that
// group (the shares of a group's tiers sum to at most 1; the remainder forms
// an implicit last tier of that group). Tiers are listed from highest
// priority to lowest.
type Tier struct {
	Name  string  `json:"name"`
	Group string  `json:"group"`
	Share float64 `json:"share"`
}

// SolverOptions tune the zoning optimiser.
type SolverOptions struct {
	// Candidates is the number of nearest schools first offered to each unit;
	// it is widened automatically where a unit needs more.
	Candidates int `json:"candidates"`
	// Contiguity asks for contiguous zones (enclaves the data forces are
	// tolerated and counted).
	Contiguity bool `json:"contiguity"`
	// StabilityMeters is the extra distance, per pupil, that the optimiser
	// accepts to keep a unit at its current (today's) zone school. 0 ignores
	// today's zoning.
	StabilityMeters float64 `json:"stability_m"`
	// LocalSearchRounds bounds the boundary improvement passes, and
	// LocalSearchSeconds their time per stage (0: no time limit); a pass
	// that starts always finishes, so results stay deterministic for a
	// given number of completed passes.
	LocalSearchRounds  int     `json:"local_search_rounds"`
	LocalSearchSeconds float64 `json:"local_search_s"`
	// FarMoveMeters flags units zoned farther than this beyond their nearest
	// zoneable school (a planner warning).
	FarMoveMeters float64 `json:"far_move_m"`
}

// DefaultPolicy returns the defaults of POLICY.md.
func DefaultPolicy() Policy {
	return Policy{
		ClassSize:           [data.NumStages]int{45, 50},
		LargeClass:          56,
		OversizedClass:      66,
		SchoolSizeCap:       2000,
		NineYearSizeCap:     2500,
		NearZoneTarget:      [data.NumStages]float64{1.00, 0.95},
		MigrantTarget:       0.85,
		ServiceRadiusMeters: [data.NumStages]float64{500, 1000},
		StaffRatio:          [data.NumStages]float64{19, 13.5},
		Indicators: []Indicator{
			{Name: "qualified_teachers_per_100", Resource: "qualified_teachers", Per100: true, Threshold: [2]float64{4.2, 5.3}},
			{Name: "key_teachers_per_100", Resource: "key_teachers", Per100: true, Threshold: [2]float64{1, 1}},
			{Name: "pe_art_teachers_per_100", Resource: "pe_art_teachers", Per100: true, Threshold: [2]float64{0.9, 0.9}},
			{Name: "building_m2_per_pupil", Resource: "building_m2", Threshold: [2]float64{4.5, 5.8}},
			{Name: "sports_m2_per_pupil", Resource: "sports_m2", Threshold: [2]float64{7.5, 10.2}},
			{Name: "equipment_yuan_per_pupil", Resource: "equipment_yuan", Threshold: [2]float64{2000, 2500}},
			{Name: "multimedia_rooms_per_100", Resource: "multimedia_rooms", Per100: true, Threshold: [2]float64{2.3, 2.4}},
		},
		Provision:          DefaultProvisionRules(),
		IndicatorPassCount: 6,
		IndicatorMinShare:  0.85,
		CVLimit:            [data.NumStages]float64{0.50, 0.45},
		PriorityTiers: []Tier{
			{Name: "hukou-and-property", Group: "resident", Share: 0.7},
			{Name: "hukou", Group: "resident", Share: 0.3},
			{Name: "residence-permit", Group: "migrant", Share: 1},
		},
		Solver: SolverOptions{
			Candidates:         16,
			Contiguity:         true,
			LocalSearchRounds:  4,
			LocalSearchSeconds: 3,
			FarMoveMeters:      3000,
		},
	}
}

// Validate checks that the policy is usable.
func (p *Policy) Validate() error {
	var errs []error
	for st := range data.NumStages {
		if p.ClassSize[st] <= 0 {
			errs = append(errs, fmt.Errorf("class_size[%s] must be > 0", data.Stage(st)))
		}
		if p.NearZoneTarget[st] < 0 || p.NearZoneTarget[st] > 1 {
			errs = append(errs, fmt.Errorf("near_zone_target[%s] must be in [0,1]", data.Stage(st)))
		}
		if p.ServiceRadiusMeters[st] < 0 {
			errs = append(errs, fmt.Errorf("service_radius_m[%s] must be ≥ 0", data.Stage(st)))
		}
	}
	if p.MigrantTarget < 0 || p.MigrantTarget > 1 {
		errs = append(errs, errors.New("migrant_target must be in [0,1]"))
	}
	if p.SchoolSizeCap <= 0 || p.NineYearSizeCap <= 0 {
		errs = append(errs, errors.New("school size caps must be > 0"))
	}
	for i, ind := range p.Indicators {
		if _, ok := resourceByName(ind.Resource); !ok {
			errs = append(errs, fmt.Errorf("indicators[%d]: unknown resource %q", i, ind.Resource))
		}
	}
	shares := map[string]float64{}
	for i, t := range p.PriorityTiers {
		switch t.Group {
		case "resident", "migrant":
		default:
			errs = append(errs, fmt.Errorf("priority_tiers[%d]: group %q (want resident or migrant)", i, t.Group))
		}
		if t.Share < 0 || t.Share > 1 {
			errs = append(errs, fmt.Errorf("priority_tiers[%d]: share must be in [0,1]", i))
		}
		shares[t.Group] += t.Share
	}
	for g, s := range shares {
		if s > 1+1e-9 {
			errs = append(errs, fmt.Errorf("priority_tiers: shares of group %q sum to %.3f > 1", g, s))
		}
	}
	if p.Solver.Candidates < 1 {
		errs = append(errs, errors.New("solver.candidates must be ≥ 1"))
	}
	if p.Solver.StabilityMeters < 0 {
		errs = append(errs, errors.New("solver.stability_m must be ≥ 0"))
	}
	return errors.Join(errs...)
}

// ReadPolicy reads a JSON policy. Fields left out keep their defaults;
// unknown fields are an error (a misspelt threshold must not pass silently).
func ReadPolicy(r io.Reader) (Policy, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	p := DefaultPolicy()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	// encoding/json fills a short array with zeros: "[0.9]" for a
	// per-stage value would silently set the junior value to 0.
	var raw any
	if err := json.Unmarshal(b, &raw); err == nil {
		if err := checkArrayLengths(reflect.TypeOf(p), raw, ""); err != nil {
			return Policy{}, fmt.Errorf("policy: %w", err)
		}
	}
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}

// checkArrayLengths reports the first JSON array in v that is decoded into
// a Go array of t (following struct fields by their json names, and slice
// elements) with another number of elements.
func checkArrayLengths(t reflect.Type, v any, path string) error {
	switch t.Kind() {
	case reflect.Pointer:
		return checkArrayLengths(t.Elem(), v, path)
	case reflect.Array:
		if a, ok := v.([]any); ok && len(a) != t.Len() {
			what := fmt.Sprintf("%d values", t.Len())
			if t.Len() == int(data.NumStages) {
				what = "2 (primary, junior)"
			}
			return fmt.Errorf("%s: %d values, want %s", path, len(a), what)
		}
	case reflect.Slice:
		if a, ok := v.([]any); ok {
			for i, e := range a {
				if err := checkArrayLengths(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			for k, e := range obj {
				if strings.EqualFold(k, name) {
					p := name
					if path != "" {
						p = path + "." + name
					}
					if err := checkArrayLengths(f.Type, e, p); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// ReadPolicyFile reads a JSON policy file; an empty path gives the defaults.
func ReadPolicyFile(path string) (Policy, error) {
	if path == "" {
		return DefaultPolicy(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, err
	}
	p, err := ReadPolicy(bytes.NewReader(b))
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// MarshalIndent returns the policy as indented JSON.
func (p Policy) MarshalIndent() ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}

func resourceByName(name string) (data.Resource, bool) {
	for r := range data.NumResources {
		if data.Resource(r).String() == name {
			return data.Resource(r), true
		}
	}
	return 0, false
}
