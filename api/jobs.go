package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sort"
	"sync"
	"time"

	"catchment/allocation"
)

// Job states.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// JobStatus is a solve job as the API reports it.
type JobStatus struct {
	ID       string    `json:"id"`
	Scenario string    `json:"scenario"`
	State    string    `json:"state"`
	Progress Progress  `json:"progress"`
	Error    string    `json:"error,omitempty"`
	PlanID   int64     `json:"plan_id,omitempty"`
	Created  time.Time `json:"created"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
}

// jobs runs solves one at a time (the solver uses every core) in FIFO
// order, keeps the last maxJobs finished jobs, and publishes each finished
// plan.
type jobs struct {
	s    *Server
	mu   sync.Mutex
	byID map[string]*job
	sem  chan struct{}
	wg   sync.WaitGroup
	// base is cancelled by closeAll.
	base   context.Context
	cancel context.CancelFunc
}

type job struct {
	status JobStatus
	cancel context.CancelFunc
}

const maxJobs = 100

func newJobs(s *Server) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{s: s, byID: map[string]*job{}, sem: make(chan struct{}, 1), base: ctx, cancel: cancel}
}

// ErrClosed is returned when a solve is started after Close.
var ErrClosed = errors.New("server is shutting down")

// StartSolve queues a solve of scenario under pol and returns the job.
// When it finishes, the plan is stored by the Engine and published.
func (s *Server) StartSolve(scenario string, pol allocation.Policy) (JobStatus, error) {
	return s.jobs.start(scenario, pol)
}

// Job returns the status of job id.
func (s *Server) Job(id string) (JobStatus, bool) { return s.jobs.get(id) }

func (j *jobs) start(scenario string, pol allocation.Policy) (JobStatus, error) {
	if j.base.Err() != nil {
		return JobStatus{}, ErrClosed
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(j.base)
	jb := &job{cancel: cancel, status: JobStatus{ID: hex.EncodeToString(b[:]), Scenario: scenario, State: JobQueued, Created: time.Now().UTC()}}
	j.mu.Lock()
	j.byID[jb.status.ID] = jb
	j.pruneLocked()
	st := jb.status
	j.mu.Unlock()
	j.s.metrics.jobsStarted.Add(1)
	j.s.metrics.jobsRunning.Add(1)
	j.wg.Add(1)
	go j.run(ctx, jb, pol)
	return st, nil
}

func (j *jobs) run(ctx context.Context, jb *job, pol allocation.Policy) {
	defer j.wg.Done()
	defer j.s.metrics.jobsRunning.Add(-1)
	defer jb.cancel()
	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		j.finish(jb, nil, ctx.Err())
		return
	}
	defer func() { <-j.sem }()
	j.update(jb, func(st *JobStatus) { st.State, st.Started = JobRunning, time.Now().UTC() })
	log := j.s.log.With("job", jb.status.ID, "scenario", jb.status.Scenario)
	log.Info("solve started")
	snap, err := j.s.engine.Solve(ctx, jb.status.Scenario, pol, func(p Progress) {
		j.update(jb, func(st *JobStatus) { st.Progress = p })
	})
	if err == nil {
		err = j.s.Publish(snap)
	}
	if err != nil {
		log.Warn("solve ended without a plan", "err", err)
	} else {
		log.Info("solve done", "plan", snap.Plan.ID)
	}
	j.finish(jb, snap, err)
}

func (j *jobs) finish(jb *job, snap *Snapshot, err error) {
	j.update(jb, func(st *JobStatus) {
		st.Finished = time.Now().UTC()
		switch {
		case err == nil:
			st.State, st.PlanID = JobDone, snap.Plan.ID
			st.Progress.Fraction = 1
		case errors.Is(err, context.Canceled):
			st.State, st.Error = JobCancelled, "cancelled"
		default:
			st.State, st.Error = JobFailed, err.Error()
		}
	})
	if err != nil {
		j.s.metrics.jobsFailed.Add(1)
	}
}

func (j *jobs) update(jb *job, f func(*JobStatus)) {
	j.mu.Lock()
	f(&jb.status)
	j.mu.Unlock()
}

func (j *jobs) get(id string) (JobStatus, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jb, ok := j.byID[id]
	if !ok {
		return JobStatus{}, false
	}
	return jb.status, true
}

func (j *jobs) list() []JobStatus {
	j.mu.Lock()
	out := make([]JobStatus, 0, len(j.byID))
	for _, jb := range j.byID {
		out = append(out, jb.status)
	}
	j.mu.Unlock()
	sort.Slice(out, func(a, b int) bool { return out[a].Created.After(out[b].Created) })
	return out
}

// cancel cancels job id; it reports whether the job exists.
func (j *jobs) cancelJob(id string) (JobStatus, bool) {
	j.mu.Lock()
	jb, ok := j.byID[id]
	j.mu.Unlock()
	if !ok {
		return JobStatus{}, false
	}
	jb.cancel()
	return j.get(id)
}

// pruneLocked drops the oldest finished jobs beyond maxJobs.
func (j *jobs) pruneLocked() {
	if len(j.byID) <= maxJobs {
		return
	}
	var done []*job
	for _, jb := range j.byID {
		if !jb.status.Finished.IsZero() {
			done = append(done, jb)
		}
	}
	sort.Slice(done, func(a, b int) bool { return done[a].status.Finished.Before(done[b].status.Finished) })
	for _, jb := range done {
		if len(j.byID) <= maxJobs {
			break
		}
		delete(j.byID, jb.status.ID)
	}
}

func (j *jobs) closeAll() {
	j.cancel()
	j.wg.Wait()
}
