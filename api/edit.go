package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"catchment/allocation/edit"
	"catchment/data"
)

// Editor is the optional port for planners' hand edits of a scenario's
// plan (issue 8). An Engine that also implements Editor gets the
// /scenarios/{name}/edit… routes; with any other Engine they answer 501.
// Package api/engine implements it.
type Editor interface {
	// EditSession returns the scenario's editing session, one per
	// scenario, positioned on its newest revision. A missing scenario
	// wraps ErrNotFound; a scenario without a plan wraps edit.ErrNotFound.
	EditSession(ctx context.Context, scenario string) (*edit.Session, error)
}

// defaultAuthor is the author of edits: the planner token carries no name.
const defaultAuthor = "planner"

// EditState is the head of a scenario's edit lineage as GET
// /scenarios/{name}/edit returns it. Pins maps stage → unit id → school
// id; Locks maps stage → school ids.
type EditState struct {
	Scenario   string                       `json:"scenario"`
	Revision   int                          `json:"revision"`
	PlanID     int64                        `json:"plan_id"`
	Indicators edit.Indicators              `json:"indicators"`
	Pins       map[string]map[string]string `json:"pins"`
	Locks      map[string][]string          `json:"locks"`
}

// EditRequest is the body of POST /scenarios/{name}/edits (and, with
// only stage, units and school, of the preview). BaseRevision must be the
// head revision (else 409); Op is move, pin, unpin, lock, unlock, undo,
// redo, restore (TargetRevision) or repair. A pin or unpin takes one unit.
type EditRequest struct {
	BaseRevision   int      `json:"base_revision"`
	Op             string   `json:"op"`
	Stage          string   `json:"stage"`
	Units          []string `json:"units"`
	School         string   `json:"school"`
	TargetRevision int      `json:"target_revision"`
	Comment        string   `json:"comment"`
}

// RevisionExport is a revision's export: its publication list (per
// school and stage, the names of the units in its zone) and its zones as
// GeoJSON per stage (FORMATS.md zones.geojson properties).
type RevisionExport struct {
	Scenario    string                     `json:"scenario"`
	Revision    int                        `json:"revision"`
	PlanID      int64                      `json:"plan_id"`
	Publication json.RawMessage            `json:"publication"`
	Zones       map[string]json.RawMessage `json:"zones"`
}

// editErr maps the edit package's errors to HTTP: a stale base revision is
// 409 stale_revision with base and head; a pinned unit or locked zone 409
// conflict; an unknown unit, school or revision 404; a malformed edit or
// one that changes nothing 422.
func editErr(err error) error {
	var se *edit.StaleError
	switch {
	case errors.As(err, &se):
		e := errf(http.StatusConflict, CodeStale, err.Error())
		e.Base, e.Head = &se.Base, &se.Head
		return e
	case errors.Is(err, edit.ErrLocked), errors.Is(err, edit.ErrPinned):
		return errf(http.StatusConflict, CodeConflict, err.Error())
	case errors.Is(err, edit.ErrNotFound):
		return errf(http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, edit.ErrInvalid), errors.Is(err, edit.ErrNothing):
		return errf(http.StatusUnprocessableEntity, CodeUnprocessable, err.Error())
	}
	return err
}

// session resolves the scenario's editing session.
func (s *Server) session(c echo.Context) (*edit.Session, error) {
	name := c.Param("name")
	if err := checkScenarioName(name); err != nil {
		return nil, err
	}
	ed, ok := s.engine.(Editor)
	if !ok {
		return nil, errf(http.StatusNotImplemented, CodeNotImplemented, "this server's engine does not support plan edits")
	}
	ses, err := ed.EditSession(c.Request().Context(), name)
	if err != nil {
		return nil, editErr(err)
	}
	return ses, nil
}

func (s *Server) editState(c echo.Context) error {
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	rev, ind := ses.Head()
	pins, locks := ses.Pins()
	id, err := revisionPlan(c.Request().Context(), ses, rev)
	if err != nil {
		return editErr(err)
	}
	if pins == nil {
		pins = map[string]map[string]string{}
	}
	if locks == nil {
		locks = map[string][]string{}
	}
	return c.JSON(http.StatusOK, EditState{Scenario: c.Param("name"), Revision: rev, PlanID: id, Indicators: ind, Pins: pins, Locks: locks})
}

// revisionPlan returns the stored plan id of revision rev.
func revisionPlan(ctx context.Context, ses *edit.Session, rev int) (int64, error) {
	hist, err := ses.History(ctx)
	if err != nil {
		return 0, err
	}
	for _, h := range hist {
		if h.Revision == rev {
			return h.ID, nil
		}
	}
	return 0, fmt.Errorf("revision %d: %w", rev, edit.ErrNotFound)
}

func (s *Server) listRevisions(c echo.Context) error {
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	hist, err := ses.History(c.Request().Context())
	if err != nil {
		return editErr(err)
	}
	out := make([]PlanInfo, 0, len(hist))
	for _, h := range hist {
		out = append(out, PlanInfo{ID: h.ID, Scenario: h.Scenario, Revision: h.Revision, Parent: h.Parent,
			Author: h.Author, Comment: h.Comment, Created: h.Created})
	}
	return c.JSON(http.StatusOK, out)
}

func bindEdit(c echo.Context) (EditRequest, error) {
	var r EditRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, bodyErr(err, "the body must be a JSON edit")
	}
	if len(r.Comment) > 1000 {
		return r, errf(http.StatusBadRequest, CodeBadRequest, "comment longer than 1000 bytes")
	}
	return r, nil
}

func parseStage(name string) (data.Stage, error) {
	st, err := data.ParseStage(name)
	if err != nil {
		return 0, errf(http.StatusUnprocessableEntity, CodeUnprocessable, err.Error())
	}
	return st, nil
}

func (s *Server) previewEdit(c echo.Context) error {
	r, err := bindEdit(c)
	if err != nil {
		return err
	}
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	st, err := parseStage(r.Stage)
	if err != nil {
		return err
	}
	res, err := ses.Preview(c.Request().Context(), st, r.Units, r.School)
	if err != nil {
		return editErr(err)
	}
	return c.JSON(http.StatusOK, res)
}

// oneUnit is the single unit of a pin or unpin.
func oneUnit(r EditRequest) (string, error) {
	if len(r.Units) != 1 {
		return "", errf(http.StatusUnprocessableEntity, CodeUnprocessable, r.Op+" takes exactly one unit")
	}
	return r.Units[0], nil
}

func (s *Server) applyEdit(c echo.Context) error {
	r, err := bindEdit(c)
	if err != nil {
		return err
	}
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e := edit.Edit{Base: r.BaseRevision, Author: defaultAuthor, Comment: r.Comment}
	stage := func() (data.Stage, error) { return parseStage(r.Stage) }
	var res *edit.Result
	switch strings.ToLower(r.Op) {
	case "move", "pin", "unpin", "lock", "unlock":
		st, err := stage()
		if err != nil {
			return err
		}
		switch strings.ToLower(r.Op) {
		case "move":
			res, err = ses.Move(ctx, e, st, r.Units, r.School)
		case "pin", "unpin":
			u, uerr := oneUnit(r)
			if uerr != nil {
				return uerr
			}
			if strings.EqualFold(r.Op, "pin") {
				res, err = ses.Pin(ctx, e, st, u, r.School)
			} else {
				res, err = ses.Unpin(ctx, e, st, u)
			}
		case "lock":
			res, err = ses.Lock(ctx, e, st, r.School)
		case "unlock":
			res, err = ses.Unlock(ctx, e, st, r.School)
		}
		if err != nil {
			return editErr(err)
		}
	case "undo":
		res, err = ses.Undo(ctx, e)
	case "redo":
		res, err = ses.Redo(ctx, e)
	case "restore":
		res, err = ses.Restore(ctx, e, r.TargetRevision)
	case "repair":
		res, err = ses.Repair(ctx, e)
	default:
		return errf(http.StatusUnprocessableEntity, CodeUnprocessable,
			fmt.Sprintf("op %q: want move, pin, unpin, lock, unlock, undo, redo, restore or repair", r.Op))
	}
	if err != nil {
		return editErr(err)
	}
	return c.JSON(http.StatusOK, res)
}

// completeEdit runs "complete the plan" synchronously: the request holds
// until the re-solve around pins and locks is stored as a new revision.
// It runs under the upload timeout (ten request timeouts), enough for
// district-scale cities; a city-scale completion should be started from
// the CLI or a longer-timeout deployment.
func (s *Server) completeEdit(c echo.Context) error {
	r, err := bindEdit(c)
	if err != nil {
		return err
	}
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	e := edit.Edit{Base: r.BaseRevision, Author: defaultAuthor, Comment: r.Comment}
	res, err := ses.Complete(c.Request().Context(), e, nil)
	if err != nil {
		return editErr(err)
	}
	return c.JSON(http.StatusOK, res)
}

// revParam parses a revision number; 0 (or "head", or empty) is the head.
func revParam(v, name string) (int, error) {
	if v == "" || v == "head" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errf(http.StatusBadRequest, CodeBadRequest, name+" must be a revision number ≥ 0 or \"head\"")
	}
	return n, nil
}

func (s *Server) compareRevisions(c echo.Context) error {
	from, err := revParam(c.QueryParam("from"), "from")
	if err != nil {
		return err
	}
	to, err := revParam(c.QueryParam("to"), "to")
	if err != nil {
		return err
	}
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	cmp, err := ses.Compare(c.Request().Context(), from, to)
	if err != nil {
		return editErr(err)
	}
	return c.JSON(http.StatusOK, cmp)
}

// exportRevision returns a revision's publication list and zone GeoJSON,
// built (once, then cached like any draft plan) from its zones.
func (s *Server) exportRevision(c echo.Context) error {
	rev, err := revParam(c.Param("rev"), "revision")
	if err != nil {
		return err
	}
	ses, err := s.session(c)
	if err != nil {
		return err
	}
	if rev == 0 {
		rev, _ = ses.Head()
	}
	id, err := revisionPlan(c.Request().Context(), ses, rev)
	if err != nil {
		return editErr(err)
	}
	st, err := s.loadState(c, id)
	if err != nil {
		return err
	}
	out := RevisionExport{Scenario: c.Param("name"), Revision: rev, PlanID: id, Publication: st.publication, Zones: map[string]json.RawMessage{}}
	for i := range data.NumStages {
		out.Zones[data.Stage(i).String()] = st.zones[i]
	}
	return c.JSON(http.StatusOK, out)
}
