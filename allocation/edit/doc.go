// Package edit owns planners' hand edits of a plan: an editing Session over
// a scenario's stored plan lineage (move units between zones, pin a unit,
// lock a zone, undo, redo, restore, "complete the plan" around pins and
// locks, "repair" what breaks a rule), each edit a new revision in
// data/store with optimistic concurrency (ErrStale), and the Evaluator that
// keeps the plan's zone-determined indicators exact under edits in time
// proportional to the zones touched, not to the city.
//
// The division of work with allocation: the Evaluator mirrors
// allocation.FromZones for everything that follows from the zones and the
// overflow priority rules (near-zone ratio, over-capacity, contiguity,
// reassignment, who overflows by tier, zone distances) and tests hold it
// equal to FromZones' report. Where overflowing pupils are finally placed
// is a stage-wide min-cost flow; Session.Plan computes it (with the full
// report) for a revision on demand, e.g. for export.
//
// A revision stores every unit's zone (PlanRecord.Zones) and, in
// PlanRecord.Meta (see Meta), the edit, the pins and locks in force, the
// undo/redo stacks and the indicators. Placements are not stored: they are
// a deterministic function of the zones (FromZones), as pipeline.FromRecord
// assumes.
package edit
