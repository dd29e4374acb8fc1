package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"catchment/allocation"
	"catchment/data"
)

// Errors an Engine wraps so that handlers map them to HTTP statuses.
var (
	// ErrInvalid marks a problem with the caller's input (400).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound marks a missing scenario, plan or job (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict marks a request that conflicts with the current state (409).
	ErrConflict = errors.New("conflict")
)

// Engine is the service's port to the layers below (store, ingest, solver,
// tessellation). Implementations are safe for concurrent use; every method
// honours ctx cancellation. Package api/engine implements it.
type Engine interface {
	// Ping checks that the database is reachable.
	Ping(ctx context.Context) error
	// Scenarios lists the stored scenarios, newest first.
	Scenarios(ctx context.Context) ([]ScenarioInfo, error)
	// CreateScenario ingests the files (paths on local disk, read in the
	// coordinate system crs) and stores them as scenario name, replacing
	// a scenario of that name atomically. Input problems wrap ErrInvalid.
	CreateScenario(ctx context.Context, name string, files UploadFiles, crs string) (ScenarioInfo, error)
	// DeleteScenario deletes a scenario and its plans (ErrNotFound when absent).
	DeleteScenario(ctx context.Context, name string) error
	// Solve solves a stored scenario under pol, stores the plan durably
	// and returns its snapshot. progress may be nil.
	Solve(ctx context.Context, scenario string, pol allocation.Policy, progress func(Progress)) (*Snapshot, error)
	// Plans lists stored plans, newest first; scenario "" lists all.
	Plans(ctx context.Context, scenario string) ([]PlanInfo, error)
	// Snapshot loads stored plan id (ErrNotFound when absent).
	Snapshot(ctx context.Context, id int64) (*Snapshot, error)
	// Publish records plan id as the published plan, durably.
	Publish(ctx context.Context, id int64) error
	// Current returns the published plan: the last one recorded by
	// Publish, else the newest complete plan; ErrNotFound when there is none.
	Current(ctx context.Context) (*Snapshot, error)
}

// UploadFiles names the files of one scenario upload on local disk, by
// their FORMATS.md role; "" means not given.
type UploadFiles struct {
	Schools, Units, Households, Current, Candidates, Boundary string
}

// ScenarioInfo describes a stored scenario (no household rows).
type ScenarioInfo struct {
	Name       string    `json:"name"`
	Planar     bool      `json:"planar"`
	CRS        string    `json:"crs"`
	Created    time.Time `json:"created"`
	Schools    int       `json:"schools"`
	Units      int       `json:"units"`
	Current    int       `json:"current"`
	Candidates int       `json:"candidates"`
	Parent     string    `json:"parent,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// PlanInfo describes a stored plan. Revision and Parent chain a plan to the
// one it was derived from, so that planner edits can later add revisions.
type PlanInfo struct {
	ID       int64     `json:"id"`
	Scenario string    `json:"scenario"`
	Revision int       `json:"revision"`
	Parent   int64     `json:"parent,omitempty"`
	Author   string    `json:"author,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	Created  time.Time `json:"created"`
	Metric   string    `json:"metric,omitempty"`
}

// Progress is a solve's progress as reported by the solver.
type Progress struct {
	Stage    string  `json:"stage"`
	Step     string  `json:"step"`
	Fraction float64 `json:"fraction"`
}

// Snapshot is the raw material of one plan as the service publishes it.
// It is immutable once handed to the Server. Geometry is WGS-84
// [lon, lat], or planar metres when Planar.
type Snapshot struct {
	Plan   PlanInfo
	Planar bool
	// Report is the plan's report.json (FORMATS.md).
	Report json.RawMessage
	// Zones has one FeatureCollection per stage (FORMATS.md zones.geojson
	// properties); nil for a stage without zones.
	Zones [data.NumStages]*geojson.FeatureCollection
	// Schools has one Point feature per school with properties id, name,
	// seats and utilization per stage.
	Schools *geojson.FeatureCollection
	// Changes has one feature per unit and stage whose zone school differs
	// from today's zoning (properties unit_id, name, stage, from, to,
	// pupils); nil when the scenario has no current zoning.
	Changes *geojson.FeatureCollection
	// Comparison is the JSON comparison with today's zoning (null without it).
	Comparison json.RawMessage
	// Publication is the JSON publication list: per school and stage, the
	// names of the units in its zone.
	Publication json.RawMessage
	// Units lists every unit's id, name and representative point, for
	// the compound-name search of the parent page.
	Units []UnitRef
	// WriteAssignments writes FORMATS.md assignments.csv.
	WriteAssignments func(w io.Writer) error
	// Locator answers parent look-ups against this plan.
	Locator Locator
}

// UnitRef is a unit as the name search returns it.
type UnitRef struct {
	ID   string
	Name string
	Loc  orb.Point
}

// Locator answers a parent look-up. Implementations are safe for
// concurrent use and allocate little: Lookup fills dst, reusing its slices.
type Locator interface {
	// Lookup answers for the point (x, y) given in coordinate system crs
	// ("" = the plan's own). An unknown crs or a non-finite point is an
	// error wrapping ErrInvalid.
	Lookup(crs string, x, y float64, dst *Answer) error
}

// Answer is a parent look-up result. Inside reports whether the point lies
// in a residential unit of the plan; when it does not, Stages is empty and
// Nearest lists the closest schools.
type Answer struct {
	Inside   bool
	UnitID   string
	UnitName string
	// Lon, Lat is the query point in the plan's coordinates.
	Lon, Lat float64
	Stages   []StageAnswer
	Nearest  []NearSchool
	// Message is a note for the parent (e.g. outside the zoned area).
	Message string
}

// StageAnswer is the answer for one stage: the zone school, the distance
// from the point to it, how pupils of the unit are placed and why.
type StageAnswer struct {
	Stage       string
	SchoolID    string
	SchoolName  string
	Meters      float64
	Placement   string
	Explanation string
}

// NearSchool is a nearby school with its distance.
type NearSchool struct {
	SchoolID string
	Name     string
	Stage    string
	Meters   float64
}

func (a *Answer) reset() {
	a.Inside, a.UnitID, a.UnitName, a.Lon, a.Lat, a.Message = false, "", "", 0, 0, ""
	a.Stages = a.Stages[:0]
	a.Nearest = a.Nearest[:0]
}
