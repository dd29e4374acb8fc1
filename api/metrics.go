package api

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the request histogram.
var latencyBuckets = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds the Prometheus counters; all updates are atomic.
type metrics struct {
	routes sync.Map // routeKey → *routeMetrics

	rateLimited atomic.Int64
	planSwaps   atomic.Int64
	jobsStarted atomic.Int64
	jobsFailed  atomic.Int64
	jobsRunning atomic.Int64
	started     time.Time
}

type routeMetrics struct {
	method, path string
	// byClass counts responses by status class 1xx..5xx (index 1..5).
	byClass [6]atomic.Int64
	buckets [len(latencyBuckets) + 1]atomic.Int64
	sumNs   atomic.Int64
}

type routeKey struct{ method, path string }

func (m *metrics) observe(method, path string, status int, d time.Duration) {
	key := routeKey{method, path}
	v, ok := m.routes.Load(key)
	if !ok {
		v, _ = m.routes.LoadOrStore(key, &routeMetrics{method: method, path: path})
	}
	r := v.(*routeMetrics)
	cl := status / 100
	if cl < 1 || cl > 5 {
		cl = 5
	}
	r.byClass[cl].Add(1)
	sec := d.Seconds()
	i := 0
	for i < len(latencyBuckets) && sec > latencyBuckets[i] {
		i++
	}
	r.buckets[i].Add(1)
	r.sumNs.Add(int64(d))
}

// write renders the Prometheus text exposition format (version 0.0.4).
func (m *metrics) write(w io.Writer, st *state) error {
	bw := bufio.NewWriter(w)
	var rs []*routeMetrics
	m.routes.Range(func(_, v any) bool { rs = append(rs, v.(*routeMetrics)); return true })
	sort.Slice(rs, func(a, b int) bool {
		if rs[a].path != rs[b].path {
			return rs[a].path < rs[b].path
		}
		return rs[a].method < rs[b].method
	})
	fmt.Fprintln(bw, "# HELP catchment_http_requests_total HTTP responses by route and status class.")
	fmt.Fprintln(bw, "# TYPE catchment_http_requests_total counter")
	for _, r := range rs {
		for cl := 1; cl <= 5; cl++ {
			if n := r.byClass[cl].Load(); n > 0 {
				fmt.Fprintf(bw, "catchment_http_requests_total{method=%q,route=%q,code=\"%dxx\"} %d\n", r.method, r.path, cl, n)
			}
		}
	}
	fmt.Fprintln(bw, "# HELP catchment_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(bw, "# TYPE catchment_http_request_duration_seconds histogram")
	for _, r := range rs {
		var cum int64
		for i, le := range latencyBuckets {
			cum += r.buckets[i].Load()
			fmt.Fprintf(bw, "catchment_http_request_duration_seconds_bucket{method=%q,route=%q,le=%q} %d\n", r.method, r.path, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += r.buckets[len(latencyBuckets)].Load()
		fmt.Fprintf(bw, "catchment_http_request_duration_seconds_bucket{method=%q,route=%q,le=\"+Inf\"} %d\n", r.method, r.path, cum)
		fmt.Fprintf(bw, "catchment_http_request_duration_seconds_sum{method=%q,route=%q} %g\n", r.method, r.path, float64(r.sumNs.Load())/1e9)
		fmt.Fprintf(bw, "catchment_http_request_duration_seconds_count{method=%q,route=%q} %d\n", r.method, r.path, cum)
	}
	gauge := func(name, help, typ string, v any) {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	gauge("catchment_lookup_rate_limited_total", "Look-ups refused by the per-client rate limit.", "counter", m.rateLimited.Load())
	gauge("catchment_plan_swaps_total", "Plans published (atomic swaps).", "counter", m.planSwaps.Load())
	gauge("catchment_solve_jobs_started_total", "Solve jobs started.", "counter", m.jobsStarted.Load())
	gauge("catchment_solve_jobs_failed_total", "Solve jobs that failed or were cancelled.", "counter", m.jobsFailed.Load())
	gauge("catchment_solve_jobs_running", "Solve jobs queued or running.", "gauge", m.jobsRunning.Load())
	var planID int64 = -1
	if st != nil {
		planID = st.snap.Plan.ID
	}
	gauge("catchment_published_plan_id", "Id of the published plan (-1: none).", "gauge", planID)
	gauge("catchment_uptime_seconds", "Seconds since the server started.", "gauge", strconv.FormatFloat(time.Since(m.started).Seconds(), 'f', 3, 64))
	return bw.Flush()
}
