package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"catchment/allocation"
	"catchment/api"
	"catchment/api/engine"
	"catchment/data/store"
)

// TestMain lets the test binary double as a server process for the
// SIGKILL test (CATCHMENT_E2E_CHILD=serve).
func TestMain(m *testing.M) {
	if os.Getenv("CATCHMENT_E2E_CHILD") == "serve" {
		os.Exit(runChild(os.Getenv("CATCHMENT_E2E_DB")))
	}
	os.Exit(m.Run())
}

// runChild serves the database like "catchment serve" does (publishing the
// last complete plan) and prints its address on stdout.
func runChild(db string) int {
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	eng := engine.New(st, nil)
	srv, err := api.New(api.Config{Engine: eng, Token: token, UploadDir: filepath.Dir(db)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if snap, err := eng.Current(ctx); err == nil {
		if err := srv.Publish(snap); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	return func() int { _ = http.Serve(ln, srv.Handler()); return 0 }()
}

type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, db string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CATCHMENT_E2E_CHILD=serve", "CATCHMENT_E2E_DB="+db)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child server: %v", err)
	}
	return &child{cmd: cmd, base: "http://" + strings.TrimSpace(line)}
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

func (c *child) get(t *testing.T, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// TestSIGKILLLosesNothing kills the server during an upload and during a
// solve; after each restart every stored scenario is intact and the last
// complete plan is served.
func TestSIGKILLLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "catchment.db")
	ctx := context.Background()
	// Seed: a small solved scenario and a bigger unsolved one.
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(st, nil)
	small := demoCity(t, 4000)
	if err := eng.Import(ctx, "small", &small.Dataset, small.Boundary, ""); err != nil {
		t.Fatal(err)
	}
	snap, err := eng.Solve(ctx, "small", allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	planID := snap.Plan.ID
	big := demoCity(t, 60000)
	if err := eng.Import(ctx, "big", &big.Dataset, big.Boundary, ""); err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, n := range []string{"small", "big"} {
		if sums[n], err = st.Checksum(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	check := func(c *child, when string) {
		t.Helper()
		var info api.PlanInfo
		if code := c.get(t, "/api/v1/plans/current", &info); code != 200 || info.ID != planID {
			t.Fatalf("%s: served plan %d (status %d), want %d", when, info.ID, code, planID)
		}
		var sc []api.ScenarioInfo
		c.get(t, "/api/v1/scenarios", &sc)
		if len(sc) != 2 {
			t.Fatalf("%s: scenarios %+v", when, sc)
		}
	}

	// 1. Kill during an upload replacing "big": half the body is sent.
	c := startChild(t, db)
	check(c, "first start")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/scenarios", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XYZ")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	fmt.Fprint(pw, "--XYZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbig\r\n--XYZ\r\nContent-Disposition: form-data; name=\"schools\"; filename=\"schools.csv\"\r\nContent-Type: text/csv\r\n\r\nid,lon,lat,primary_seats\r\n")
	for i := range 2000 {
		fmt.Fprintf(pw, "S%d,117.0,35.0,100\r\n", i)
	}
	time.Sleep(200 * time.Millisecond)
	c.kill(t)
	pw.Close()
	<-done
	c = startChild(t, db)
	check(c, "after a kill during an upload")

	// 2. Kill during a solve of "big".
	r, _ := http.NewRequest("POST", c.base+"/api/v1/scenarios/big/solve", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var job api.JobStatus
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("solve: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		var j api.JobStatus
		c.get(t, "/api/v1/jobs/"+job.ID, &j)
		if j.State == api.JobRunning && j.Progress.Fraction > 0.05 {
			break
		}
		if j.State == api.JobDone || time.Now().After(deadline) {
			t.Skipf("the solve finished (%s) before it could be killed; machine too fast for this check", j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.kill(t)
	c = startChild(t, db)
	check(c, "after a kill during a solve")
	var plans []api.PlanInfo
	c.get(t, "/api/v1/plans?scenario=big", &plans)
	if len(plans) != 0 {
		t.Fatalf("a killed solve left plans %+v", plans)
	}
	c.kill(t)

	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for n, want := range sums {
		if got, err := st.Checksum(ctx, n); err != nil || got != want {
			t.Errorf("scenario %s changed: %v", n, err)
		}
	}
}
