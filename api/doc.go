// Package api owns catchment's HTTP service: the echo/v4 routes under
// /api/v1 and their OpenAPI 3 document, bearer-token auth for planner
// endpoints, request limits (body size, per-client lookup rate), JSON
// errors with stable codes, Prometheus metrics, solve jobs with progress
// and cancellation, the read-only OGC API – Features endpoints, and the
// embedded map pages (package api/web).
//
// The package is thin: it parses requests, calls an Engine (the port to
// data, geo and allocation, implemented by package api/engine) and encodes
// answers. The plan it serves is one immutable published state — a
// Snapshot plus its pre-encoded GeoJSON, report and search index — behind
// an atomic.Pointer: a re-solve builds a new state and swaps the pointer,
// so readers never lock and never see a half-swapped plan.
//
// Planner edits (edit.go): when the Engine also implements Editor, the
// /scenarios/{name}/edit… routes drive one allocation/edit Session per
// scenario — move, pin, lock, undo, redo, restore, repair, preview,
// "complete the plan" (synchronous, under ten request timeouts), compare
// and export of revisions. Every edit is a new stored revision based on
// the revision the planner saw; a stale base is refused with 409
// stale_revision naming both revisions. Edit revisions are drafts: they
// are served to parents only once published.
//
// Public (unauthenticated) endpoints are read-only and never return
// household-level rows: only school-, zone- and unit-level aggregates.
package api
