package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMain lets the test binary act as the catchment binary when serve
// re-executes itself as a solve worker (os.Executable is the test binary).
func TestMain(m *testing.M) {
	if os.Getenv("CATCHMENT_TEST_RUN_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

var serveURL = regexp.MustCompile(`map page at (http://[^/\s]+)/`)

// startServe runs "catchment serve" in-process until the returned stop is
// called; it returns the base URL and the stdout buffer.
func startServe(t *testing.T, args ...string) (base string, out *syncBuffer, stop func() int) {
	t.Helper()
	out = &syncBuffer{}
	errb := &syncBuffer{}
	env := &cliEnv{stdout: out, stderr: errb, log: slog.New(slog.NewTextHandler(errb, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	codec := make(chan int, 1)
	go func() { codec <- runMain(ctx, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := serveURL.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-codec:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-codec:
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return base, out, stop
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server never became ready")
}

func TestServeDemoRestartAndShutdown(t *testing.T) {
	t.Setenv("CATCHMENT_TEST_RUN_MAIN", "1") // solves run in a worker: this binary
	db := filepath.Join(t.TempDir(), "c.db")
	base, out, stop := startServe(t, "--db", db, "--demo-pupils", "3000")
	waitReady(t, base)
	m := regexp.MustCompile(`planner token \(printed once, stored in ([^)]+)\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no token printed: %s", out.String())
	}
	tokFile, tok := m[1], m[2]
	fi, err := os.Stat(tokFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v", tokFile, fi.Mode(), err)
	}
	resp, err := http.Get(base + "/api/v1/plans/current/zones/primary")
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("zones: %v %v", err, resp)
	}
	resp.Body.Close()
	post := func(tok string) int {
		req, _ := http.NewRequest("POST", base+"/api/v1/scenarios/demo/solve", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(""); c != 401 {
		t.Fatalf("solve without token: %d", c)
	}
	if c := post(tok); c != 202 {
		t.Fatalf("solve with token: %d", c)
	}
	if code := stop(); code != 0 {
		t.Fatalf("shutdown exit code %d", code)
	}

	// Restart: the stored plan is served at once, no token is printed, and
	// the stored token still works.
	base, out, _ = startServe(t, "--db", db)
	waitReady(t, base)
	if strings.Contains(out.String(), "token") {
		t.Errorf("token printed again: %s", out.String())
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/plans", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("plans with the stored token: %v %v", err, resp)
	}
	var plans []struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&plans)
	resp.Body.Close()
	if len(plans) == 0 {
		t.Fatal("no stored plans after restart")
	}
}

func TestServeFlagsFromEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr bool
		check   func(serveConfig) bool
	}{
		{"defaults", nil, nil, false, func(c serveConfig) bool {
			return c.addr == "127.0.0.1:8080" && c.db == "catchment.db" && c.lookupRate == 20 && c.cors == ""
		}},
		{"env", map[string]string{"CATCHMENT_ADDR": ":9999", "CATCHMENT_LOOKUP_RATE": "5", "CATCHMENT_CORS": "https://a.example"}, nil, false, func(c serveConfig) bool {
			return c.addr == ":9999" && c.lookupRate == 5 && c.cors == "https://a.example"
		}},
		{"flag beats env", map[string]string{"CATCHMENT_ADDR": ":9999"}, []string{"--addr", ":7777"}, false, func(c serveConfig) bool { return c.addr == ":7777" }},
		{"bad env number", map[string]string{"CATCHMENT_LOOKUP_RATE": "fast"}, nil, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var c serveConfig
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			envErr := serveFlags(fs, &c)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if (envErr != nil) != tc.wantErr {
				t.Fatalf("env error %v, want error %v", envErr, tc.wantErr)
			}
			if tc.check != nil && !tc.check(c) {
				t.Fatalf("config %+v", c)
			}
		})
	}
}

func TestPlannerToken(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: io.Discard, log: slog.New(slog.DiscardHandler)}
	if _, err := plannerToken(env, "short", filepath.Join(dir, "x")); err == nil {
		t.Error("a short --token was accepted")
	}
	if tok, err := plannerToken(env, "a-long-enough-token", filepath.Join(dir, "x")); err != nil || tok != "a-long-enough-token" {
		t.Errorf("configured token: %q %v", tok, err)
	}
	p := filepath.Join(dir, "db.token")
	t1, err := plannerToken(env, "", p)
	if err != nil || len(t1) < 16 || !strings.Contains(out.String(), t1) {
		t.Fatalf("generated %q %v, printed %q", t1, err, out.String())
	}
	out.Reset()
	t2, err := plannerToken(env, "", p)
	if err != nil || t2 != t1 || out.Len() != 0 {
		t.Fatalf("second start: %q %v, printed %q", t2, err, out.String())
	}
	os.WriteFile(p, []byte("tiny\n"), 0o600)
	if _, err := plannerToken(env, "", p); err == nil {
		t.Error("an invalid token file was accepted")
	}
}
