package allocation

// Report is the policy report of a plan: FORMATS.md's report.json and the
// extra indicators of POLICY.md. Field names are the JSON contract.
type Report struct {
	// Stages is keyed by stage name ("primary", "junior").
	Stages map[string]*StageReport `json:"stages"`
	// Metric names the distance used.
	Metric       string  `json:"metric"`
	SolveSeconds float64 `json:"solve_seconds"`
	// Schools has one row per school and stage offered.
	Schools []SchoolReport `json:"schools"`
}

// StageReport is the report of one stage.
type StageReport struct {
	Pupils        int `json:"pupils"`
	PlacedInZone  int `json:"placed_in_zone"`
	OverflowCount int `json:"overflow"`
	Unplaced      int `json:"unplaced"`
	// NearZoneRatio is placed_in_zone / pupils over urban and town units.
	NearZoneRatio  float64 `json:"near_zone_ratio"`
	NearZoneTarget float64 `json:"near_zone_target"`
	NearZoneMet    bool    `json:"near_zone_met"`
	// NearZoneRatioAll counts every unit, rural included.
	NearZoneRatioAll float64 `json:"near_zone_ratio_all"`

	MigrantPupils      int     `json:"migrant_pupils"`
	MigrantPublic      int     `json:"migrant_public"`
	MigrantPublicRatio float64 `json:"migrant_public_ratio"`
	MigrantTarget      float64 `json:"migrant_target"`
	MigrantMet         bool    `json:"migrant_met"`

	TotalDistanceMeters float64 `json:"total_distance_m"`
	MeanDistanceMeters  float64 `json:"mean_distance_m"`
	P95DistanceMeters   float64 `json:"p95_distance_m"`
	MaxDistanceMeters   float64 `json:"max_distance_m"`
	LowerBoundMeters    float64 `json:"lower_bound_distance_m"`
	// ObjectiveMeters is what the optimiser minimised (StagePlan.Objective):
	// the total distance plus a road network's crossing penalties; the
	// optimality gap is ObjectiveMeters / LowerBoundMeters − 1.
	ObjectiveMeters float64 `json:"objective_m"`
	OptimalityGap   float64 `json:"optimality_gap"`

	SchoolsOverCapacity int `json:"schools_over_capacity"`
	PupilsOverCapacity  int `json:"pupils_over_capacity"`
	SchoolsOverSizeCap  int `json:"schools_over_size_cap"`
	ClassesOverCap      int `json:"classes_over_cap"`
	// SchoolsLargeClasses and SchoolsOversizedClasses count schools whose
	// average class size falls in the 大班额 / 超大班额 bands.
	SchoolsLargeClasses     int `json:"schools_large_classes"`
	SchoolsOversizedClasses int `json:"schools_oversized_classes"`
	ZonesNoncontiguous      int `json:"zones_noncontiguous"`
	ReassignedPupils        int `json:"reassigned_pupils"`
	ReassignedUnits         int `json:"reassigned_units"`

	// WithinRadiusRatio is the share of placed pupils within the service
	// radius of their school.
	ServiceRadiusMeters float64 `json:"service_radius_m"`
	WithinRadiusRatio   float64 `json:"within_radius_ratio"`

	// RoadDetourPupils are zoned to a school farther by the metric than
	// RoadDetourFactor × the straight line (0 for straight-line metrics);
	// MajorCrossingPupils' route to their zone school crosses a major road
	// at grade (only road-network metrics know).
	RoadDetourPupils    int     `json:"road_detour_pupils"`
	RoadDetourFactor    float64 `json:"road_detour_factor"`
	MajorCrossingPupils int     `json:"major_crossing_pupils"`
	// BarrierCrossingPupils' route to their zone school crosses a river, a
	// railway or a motorway (on a bridge, in a tunnel or at a level
	// crossing); only road-network metrics know.
	BarrierCrossingPupils int `json:"barrier_crossing_pupils"`
	// BarrierCrossingPupilsByKind splits BarrierCrossingPupils by the kind
	// of barrier crossed: keys "water" (river, canal, lake), "railway" and
	// "motorway" (geo.BarrierKind names), every key present (possibly 0)
	// whenever the metric knows barriers (StagePlan.ZoneBarrierKinds is
	// non-nil: a road network that measured the stage's zone routes), the
	// map omitted otherwise (straight-line plans, a stage with no zone). A pupil whose route crosses several kinds
	// counts under each, so the values are each ≤ BarrierCrossingPupils
	// and sum to at least it.
	BarrierCrossingPupilsByKind map[string]int `json:"barrier_crossing_pupils_by_kind,omitempty"`

	// SeatsShort is the number of pupils without a seat, by the zone they
	// live in (school id → pupils), i.e. where seats are missing.
	SeatsShort       int            `json:"seats_short"`
	SeatsShortByZone map[string]int `json:"seats_short_by_zone,omitempty"`
	// OverflowByTier counts overflowed and unplaced pupils per priority tier.
	OverflowByTier map[string]int `json:"overflow_by_tier,omitempty"`

	// StaffRatioFailures counts schools with staff given whose pupils per
	// staff member exceed the policy ratio.
	StaffSchools       int `json:"staff_schools"`
	StaffRatioFailures int `json:"staff_ratio_failures"`
	// Indicators holds the balance indicators, when resources are given.
	Indicators []IndicatorReport `json:"indicators,omitempty"`
	// SchoolsPassingIndicators counts schools meeting the per-school rule
	// (IndicatorPassCount met, the rest ≥ IndicatorMinShare of threshold).
	SchoolsWithIndicators    int `json:"schools_with_indicators"`
	SchoolsPassingIndicators int `json:"schools_passing_indicators"`
}

// IndicatorReport is one resource indicator across the schools of a stage.
type IndicatorReport struct {
	Name      string  `json:"name"`
	Threshold float64 `json:"threshold"`
	// Value is the county value ΣR/ΣP (×100 when per 100 pupils).
	Value float64 `json:"value"`
	// CV is the enrolment-weighted coefficient of variation (差异系数).
	CV      float64 `json:"cv"`
	CVLimit float64 `json:"cv_limit"`
	CVMet   bool    `json:"cv_met"`
	Schools int     `json:"schools"`
	// SchoolsMeeting counts schools at or above the threshold.
	SchoolsMeeting int `json:"schools_meeting"`
}

// SchoolReport is one school's figures for one stage.
type SchoolReport struct {
	SchoolID string `json:"school_id"`
	Name     string `json:"name"`
	Stage    string `json:"stage"`
	Seats    int    `json:"seats"`
	// ZonePupils live in the school's zone; Enrolled are placed there (zone
	// pupils that fit plus overflow from other zones).
	ZonePupils  int     `json:"zone_pupils"`
	Enrolled    int     `json:"enrolled"`
	Overflowed  int     `json:"overflowed_out"`
	Utilization float64 `json:"utilization"`
	Classes     int     `json:"classes"`
	// AvgClassSize is enrolled / classes.
	AvgClassSize float64 `json:"avg_class_size"`
	ClassBand    string  `json:"class_band"`
	OverSizeCap  bool    `json:"over_size_cap"`
	// Units counts the zone's units with pupils of the stage.
	Units      int  `json:"units"`
	Contiguous bool `json:"contiguous"`
}
