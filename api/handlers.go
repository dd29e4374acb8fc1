package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"catchment/allocation"
	"catchment/data"
)

const (
	mimeJSON    = "application/json"
	mimeGeoJSON = "application/geo+json"
	mimeCSV     = "text/csv; charset=utf-8"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// readyz is ready when the database answers and a plan is published.
func (s *Server) readyz(c echo.Context) error {
	if err := s.engine.Ping(c.Request().Context()); err != nil {
		s.log.Warn("readiness: database unreachable", "err", err)
		return errf(http.StatusServiceUnavailable, CodeNotReady, "database unreachable")
	}
	st := s.published.Load()
	if st == nil {
		return errf(http.StatusServiceUnavailable, CodeNotReady, "no plan loaded yet")
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "plan": st.snap.Plan.ID})
}

func (s *Server) metricsHandler(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	return s.metrics.write(c.Response(), s.published.Load())
}

// config tells the pages what they need: the published plan, whether
// coordinates are planar, and the optional tile layer.
func (s *Server) config(c echo.Context) error {
	out := map[string]any{
		"tile_url":         s.cfg.TileURL,
		"tile_attribution": s.cfg.TileAttribution,
		"stages":           stageNames(),
		"crs":              []string{"wgs84", "gcj02", "bd09", "xy"},
	}
	if st := s.published.Load(); st != nil {
		out["plan_id"] = st.snap.Plan.ID
		out["scenario"] = st.snap.Plan.Scenario
		out["planar"] = st.snap.Planar
	} else {
		out["plan_id"] = nil
		out["planar"] = false
	}
	// Only the progress of a running solve is public, not its scenario or errors.
	if j := s.jobs.list(); len(j) > 0 && (j[0].State == JobQueued || j[0].State == JobRunning) {
		out["solving"] = j[0].Progress
	}
	return c.JSON(http.StatusOK, out)
}

func stageNames() []string {
	out := make([]string, data.NumStages)
	for i := range out {
		out[i] = data.Stage(i).String()
	}
	return out
}

func (s *Server) listScenarios(c echo.Context) error {
	sc, err := s.engine.Scenarios(c.Request().Context())
	if err != nil {
		return fmt.Errorf("list scenarios: %w", err)
	}
	if sc == nil {
		sc = []ScenarioInfo{}
	}
	return c.JSON(http.StatusOK, sc)
}

var scenarioName = regexp.MustCompile(`^[\p{L}\p{N}_.-]{1,64}$`)

func checkScenarioName(name string) error {
	if !scenarioName.MatchString(name) || name == "." || name == ".." {
		return errf(http.StatusBadRequest, CodeBadRequest, "scenario name must be 1–64 letters, digits, '_', '-' or '.'")
	}
	return nil
}

// uploadRoles maps multipart field names to FORMATS.md files.
var uploadRoles = []string{"schools", "units", "households", "current", "candidates", "boundary"}

// createScenario streams a multipart upload (fields name, crs and one file
// per FORMATS.md role) to a private temp dir, then asks the Engine to
// ingest and store it. The files are removed afterwards.
func (s *Server) createScenario(c echo.Context) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || mt != "multipart/form-data" {
		return errf(http.StatusUnsupportedMediaType, CodeUnsupportedType, "upload the files as multipart/form-data")
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return errf(http.StatusBadRequest, CodeBadRequest, "malformed multipart body")
	}
	dir, err := os.MkdirTemp(s.cfg.UploadDir, "catchment-upload-")
	if err != nil {
		return fmt.Errorf("upload dir: %w", err)
	}
	defer os.RemoveAll(dir)
	var files UploadFiles
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bodyErr(err, "malformed multipart body")
		}
		field := part.FormName()
		if part.FileName() == "" {
			if field != "name" && field != "crs" {
				part.Close()
				return errf(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("unknown form field %q", field))
			}
			b, err := io.ReadAll(io.LimitReader(part, 4096))
			part.Close()
			if err != nil {
				return bodyErr(err, "reading form field")
			}
			fields[field] = strings.TrimSpace(string(b))
			continue
		}
		dst, ok := fileSlot(&files, field)
		if !ok {
			part.Close()
			return errf(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("unknown file field %q (want one of %s)", field, strings.Join(uploadRoles, ", ")))
		}
		if *dst != "" {
			part.Close()
			return errf(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("file field %q given twice", field))
		}
		ext := strings.ToLower(filepath.Ext(part.FileName()))
		switch ext {
		case ".csv", ".geojson", ".json":
		default:
			part.Close()
			return errf(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%s: file must be .csv, .geojson or .json", field))
		}
		path := filepath.Join(dir, field+ext)
		if err := saveFile(path, part); err != nil {
			return bodyErr(err, "saving upload")
		}
		*dst = path
	}
	name := fields["name"]
	if err := checkScenarioName(name); err != nil {
		return err
	}
	if files.Schools == "" || (files.Units == "" && files.Households == "") {
		return errf(http.StatusBadRequest, CodeBadRequest, "an upload needs a schools file and a units or households file")
	}
	info, err := s.engine.CreateScenario(req.Context(), name, files, fields["crs"])
	if err != nil {
		return fmt.Errorf("create scenario %q: %w", name, err)
	}
	return c.JSON(http.StatusCreated, info)
}

func fileSlot(f *UploadFiles, field string) (*string, bool) {
	switch field {
	case "schools":
		return &f.Schools, true
	case "units":
		return &f.Units, true
	case "households":
		return &f.Households, true
	case "current":
		return &f.Current, true
	case "candidates":
		return &f.Candidates, true
	case "boundary":
		return &f.Boundary, true
	}
	return nil, false
}

func saveFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// bodyErr keeps a body-limit error recognisable (413) and turns other read
// errors into 400.
func bodyErr(err error, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return errf(http.StatusBadRequest, CodeBadRequest, msg)
}

func (s *Server) deleteScenario(c echo.Context) error {
	name := c.Param("name")
	if err := checkScenarioName(name); err != nil {
		return err
	}
	if st := s.published.Load(); st != nil && st.snap.Plan.Scenario == name {
		return errf(http.StatusConflict, CodeConflict, "the published plan belongs to this scenario; publish another plan first")
	}
	if err := s.engine.DeleteScenario(c.Request().Context(), name); err != nil {
		return fmt.Errorf("delete scenario %q: %w", name, err)
	}
	s.dropCached(func(st *state) bool { return st.snap.Plan.Scenario == name })
	return c.NoContent(http.StatusNoContent)
}

// startSolve queues a solve. The body, when present, is a policy JSON
// document: fields left out keep POLICY.md defaults.
func (s *Server) startSolve(c echo.Context) error {
	name := c.Param("name")
	if err := checkScenarioName(name); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return bodyErr(err, "reading body")
	}
	pol := allocation.DefaultPolicy()
	if len(bytes.TrimSpace(body)) > 0 {
		if pol, err = allocation.ReadPolicy(bytes.NewReader(body)); err != nil {
			return errf(http.StatusBadRequest, CodeBadRequest, err.Error())
		}
	}
	ok, err := s.scenarioExists(c, name)
	if err != nil {
		return err
	}
	if !ok {
		return errf(http.StatusNotFound, CodeNotFound, fmt.Sprintf("no scenario %q", name))
	}
	job, err := s.StartSolve(name, pol)
	if errors.Is(err, ErrClosed) {
		return errf(http.StatusServiceUnavailable, CodeUnavailable, err.Error())
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPrefix+"/jobs/"+job.ID)
	return c.JSON(http.StatusAccepted, job)
}

func (s *Server) scenarioExists(c echo.Context, name string) (bool, error) {
	sc, err := s.engine.Scenarios(c.Request().Context())
	if err != nil {
		return false, fmt.Errorf("list scenarios: %w", err)
	}
	for _, x := range sc {
		if x.Name == name {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) listJobs(c echo.Context) error { return c.JSON(http.StatusOK, s.jobs.list()) }

func (s *Server) getJob(c echo.Context) error {
	j, ok := s.jobs.get(c.Param("id"))
	if !ok {
		return errf(http.StatusNotFound, CodeNotFound, "no such job")
	}
	return c.JSON(http.StatusOK, j)
}

func (s *Server) cancelJob(c echo.Context) error {
	j, ok := s.jobs.cancelJob(c.Param("id"))
	if !ok {
		return errf(http.StatusNotFound, CodeNotFound, "no such job")
	}
	return c.JSON(http.StatusAccepted, j)
}

func (s *Server) listPlans(c echo.Context) error {
	ps, err := s.engine.Plans(c.Request().Context(), c.QueryParam("scenario"))
	if err != nil {
		return fmt.Errorf("list plans: %w", err)
	}
	if ps == nil {
		ps = []PlanInfo{}
	}
	return c.JSON(http.StatusOK, ps)
}

// planState resolves the :id parameter: "current" (or its number) is the
// published plan, public; any other number is a stored draft plan, built
// once and cached, for planners only.
func (s *Server) planState(c echo.Context) (*state, error) {
	id := c.Param("id")
	pub := s.published.Load()
	if id == "current" {
		if pub == nil {
			return nil, errf(http.StatusServiceUnavailable, CodeNotReady, "no plan published yet")
		}
		return pub, nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return nil, errf(http.StatusBadRequest, CodeBadRequest, "plan id must be a positive integer or \"current\"")
	}
	if pub != nil && pub.snap.Plan.ID == n {
		return pub, nil
	}
	// Plans other than the published one are drafts: planner only.
	if !s.isPlanner(c) {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="catchment"`)
		return nil, errf(http.StatusUnauthorized, CodeUnauthorized, "only the published plan is public; other plans need the planner bearer token")
	}
	return s.loadState(c, n)
}

// loadState returns the state of stored plan n (the caller checked the
// planner token), from the small cache of recently viewed plans.
func (s *Server) loadState(c echo.Context, n int64) (*state, error) {
	if pub := s.published.Load(); pub != nil && pub.snap.Plan.ID == n {
		return pub, nil
	}
	s.plansMu.Lock()
	for _, st := range s.plans {
		if st.snap.Plan.ID == n {
			s.plansMu.Unlock()
			return st, nil
		}
	}
	s.plansMu.Unlock()
	snap, err := s.engine.Snapshot(c.Request().Context(), n)
	if err != nil {
		return nil, fmt.Errorf("load plan %d: %w", n, err)
	}
	st, err := newState(snap)
	if err != nil {
		return nil, err
	}
	s.plansMu.Lock()
	s.plans = append(s.plans, st)
	if len(s.plans) > 3 {
		s.plans = s.plans[len(s.plans)-3:]
	}
	s.plansMu.Unlock()
	return st, nil
}

func (s *Server) dropCached(drop func(*state) bool) {
	s.plansMu.Lock()
	defer s.plansMu.Unlock()
	kept := s.plans[:0]
	for _, st := range s.plans {
		if !drop(st) {
			kept = append(kept, st)
		}
	}
	s.plans = kept
}

func (s *Server) planInfo(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeJSON, st.info)
}

func (s *Server) planReport(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeJSON, st.report)
}

func (s *Server) planZones(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	stage, err := data.ParseStage(c.Param("stage"))
	if err != nil {
		return errf(http.StatusBadRequest, CodeBadRequest, err.Error())
	}
	if c.QueryParam("download") != "" {
		c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=\"zones-%s-plan%d.geojson\"", stage, st.snap.Plan.ID))
	}
	return c.Blob(http.StatusOK, mimeGeoJSON, st.zones[stage])
}

func (s *Server) planSchools(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeGeoJSON, st.schools)
}

func (s *Server) planPublication(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeJSON, st.publication)
}

func (s *Server) planComparison(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeJSON, st.comparison)
}

func (s *Server) planChanges(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mimeGeoJSON, st.changes)
}

// planAssignments streams FORMATS.md assignments.csv (unit-level
// aggregates; planner only).
func (s *Server) planAssignments(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	if st.snap.WriteAssignments == nil {
		return errf(http.StatusNotFound, CodeNotFound, "this plan has no assignments")
	}
	var buf bytes.Buffer
	if err := st.snap.WriteAssignments(&buf); err != nil {
		return fmt.Errorf("write assignments of plan %d: %w", st.snap.Plan.ID, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=\"assignments-plan%d.csv\"", st.snap.Plan.ID))
	return c.Blob(http.StatusOK, mimeCSV, buf.Bytes())
}

// publishPlan makes a stored plan the served one, durably.
func (s *Server) publishPlan(c echo.Context) error {
	st, err := s.planState(c)
	if err != nil {
		return err
	}
	if err := s.engine.Publish(c.Request().Context(), st.snap.Plan.ID); err != nil {
		return fmt.Errorf("publish plan %d: %w", st.snap.Plan.ID, err)
	}
	s.published.Store(st)
	s.metrics.planSwaps.Add(1)
	s.log.Info("plan published", "plan", st.snap.Plan.ID, "scenario", st.snap.Plan.Scenario)
	return c.Blob(http.StatusOK, mimeJSON, st.info)
}

// searchUnits finds residential units by name for the parent page.
func (s *Server) searchUnits(c echo.Context) error {
	st := s.published.Load()
	if st == nil {
		return errf(http.StatusServiceUnavailable, CodeNotReady, "no plan published yet")
	}
	q := c.QueryParam("q")
	if len([]rune(q)) > 100 {
		return errf(http.StatusBadRequest, CodeBadRequest, "q is too long")
	}
	limit, err := intParam(c, "limit", 10, 1, 50)
	if err != nil {
		return err
	}
	type hit struct {
		ID   string  `json:"id"`
		Name string  `json:"name"`
		Lon  float64 `json:"lon"`
		Lat  float64 `json:"lat"`
	}
	out := []hit{}
	for _, u := range st.searchUnits(q, limit) {
		out = append(out, hit{u.ID, u.Name, u.Loc[0], u.Loc[1]})
	}
	return c.JSON(http.StatusOK, out)
}

func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errf(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%s must be an integer in [%d, %d]", name, lo, hi))
	}
	return n, nil
}
