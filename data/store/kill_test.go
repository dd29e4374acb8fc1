package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The SIGKILL tests re-execute this test binary as a child process (see
// TestMain): the child starts a large write transaction, prints childMarker
// once it is well inside it, and keeps writing slowly until the parent
// kills it with SIGKILL. The parent then reopens the database.

const (
	childEnv    = "CATCHMENT_STORE_KILL_CHILD" // "import" or "plan"
	childDBEnv  = "CATCHMENT_STORE_KILL_DB"
	childMarker = "INSIDE-TRANSACTION"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runKillChild(mode, os.Getenv(childDBEnv)))
	}
	os.Exit(m.Run())
}

// killChildUnits is the size of the child's import (the brief's 200,000).
const killChildUnits = 200_000

// runKillChild is the child's body. It returns only if it was not killed,
// which the parent reports as a failure.
func runKillChild(mode, path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 3
	}
	announced := false
	s.hook = func(stage string, done int) {
		if !strings.HasPrefix(stage, mode+":") {
			return
		}
		if announced {
			// Slow the rest of the transaction down so the kill lands
			// inside it, whatever the machine's speed.
			time.Sleep(20 * time.Millisecond)
			return
		}
		// Announce late in the transaction, when it has written (and
		// spilled to the WAL) a good part of its rows.
		if (mode == "import" && done >= killChildUnits/2) || stage == "plan:placements" {
			announced = true
			fmt.Println(childMarker)
		}
	}
	switch mode {
	case "import":
		err = s.ImportScenario(ctx, "A", bigDataset(killChildUnits, 1000), ScenarioInfo{CRS: "child"})
	case "plan":
		d, _, lerr := s.LoadScenario(ctx, "A")
		if lerr != nil {
			err = lerr
			break
		}
		_, err = s.SavePlan(ctx, bigPlan(d, "A"))
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	fmt.Println("CHILD-FINISHED", err)
	return 4
}

// killChildMidTransaction runs the child in mode against path, waits for
// its marker, kills it with SIGKILL and checks that it died by the signal.
func killChildMidTransaction(t *testing.T, mode, path string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childDBEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == childMarker {
				found <- true
				// Drain the rest so the child never blocks on a full pipe.
				for sc.Scan() {
				}
				return
			}
			t.Logf("child: %s", sc.Text())
		}
		found <- false
	}()
	select {
	case ok := <-found:
		if !ok {
			cmd.Wait()
			t.Fatalf("child exited without reaching its transaction; stderr:\n%s", stderr.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child did not reach its transaction in time")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child wait: %v", err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL: %v; stderr:\n%s", err, stderr.String())
	}
	// The child's transaction must have spilled uncommitted pages into the
	// WAL, so that reopening exercises recovery, not just an untouched file.
	fi, err := os.Stat(path + "-wal")
	if err != nil || fi.Size() == 0 {
		t.Fatalf("the killed child left no WAL frames (%v): the kill did not land in a large transaction", err)
	}
	t.Logf("WAL left by the killed child: %d bytes", fi.Size())
}

// integrityOK runs PRAGMA integrity_check.
func integrityOK(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.w.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
	var fk int
	rows, err := s.w.Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		fk++
	}
	rows.Close()
	if fk != 0 {
		t.Fatalf("foreign_key_check: %d violations", fk)
	}
}

func TestSIGKILLDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child that imports 200,000 units")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kill.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	before := bigDataset(3000, 40)
	mustImport(t, s, "A", before)
	sum := mustChecksum(t, s, "A")
	s.Close()

	killChildMidTransaction(t, "import", path)

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	integrityOK(t, s)
	if got := mustChecksum(t, s, "A"); got != sum {
		t.Fatal("scenario A changed after its replacement was killed")
	}
	d, info, err := s.LoadScenario(ctx, "A")
	if err != nil || info.Units != 3000 || !reflect.DeepEqual(d, before) {
		t.Fatalf("scenario A after the kill: %d units, %v", info.Units, err)
	}
	// The database accepts writes again.
	mustImport(t, s, "A", fullDataset())
}

func TestSIGKILLDuringSavePlan(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child that saves a 200,000-row plan")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "killplan.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d := bigDataset(50000, 200)
	mustImport(t, s, "A", d)
	prev := bigPlan(d, "A")
	prev.Comment = "the plan that must survive"
	if _, err := s.SavePlan(ctx, prev); err != nil {
		t.Fatal(err)
	}
	sum := mustChecksum(t, s, "A")
	s.Close()

	killChildMidTransaction(t, "plan", path)

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	integrityOK(t, s)
	latest, err := s.LatestPlan(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != prev.ID || !reflect.DeepEqual(latest, prev) {
		t.Fatalf("latest plan after the kill is %d (%q), want the previous %d", latest.ID, latest.Comment, prev.ID)
	}
	if infos, err := s.Plans(ctx, "A"); err != nil || len(infos) != 1 {
		t.Fatalf("Plans after the kill: %d, %v", len(infos), err)
	}
	if mustChecksum(t, s, "A") != sum {
		t.Fatal("scenario A changed")
	}
	if _, err := s.SavePlan(ctx, &PlanRecord{Scenario: "A"}); err != nil {
		t.Fatalf("SavePlan after the kill: %v", err)
	}
}
