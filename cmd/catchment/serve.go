package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"catchment/allocation"
	"catchment/allocation/pipeline"
	"catchment/api"
	"catchment/api/engine"
	"catchment/data/demo"
	"catchment/data/store"
	"catchment/geo/roads"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve the HTTP API and the map pages (loads and solves the demo city when the database is empty)",
		run:     runServe,
	})
	register(command{
		name:    "serve-worker",
		summary: "(internal to serve) solve one stored scenario at low CPU priority and store the plan",
		run:     runServeWorker,
	})
}

// serveConfig is the serve command's configuration: flags, with the
// CATCHMENT_* environment variables as fallbacks.
type serveConfig struct {
	db, addr, token, cors, tiles, tilesAttr, policy, logLevel string
	lookupRate                                                float64
	lookupBurst                                               int
	maxUploadMiB, maxBodyKiB                                  int64
	demoPupils                                                int
	demoSeed                                                  int64
	trustProxy, solveInProcess                                bool
	grace                                                     time.Duration

	// Walking distances: the OpenStreetMap extract for scenarios without a
	// stored road network, the major-road crossing penalty, and whether a
	// demo city loaded into an empty database gets its own streets.
	roads           string
	crossingPenalty float64
	barrierPenalty  float64
	demoWalking     bool
}

func envString(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// serveFlags declares the flags; defaults come from the environment so
// that a flag given on the command line always wins.
func serveFlags(fs *flag.FlagSet, c *serveConfig) (envErr error) {
	num := func(name string, def float64) float64 {
		v, ok := os.LookupEnv(name)
		if !ok {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			envErr = errors.Join(envErr, fmt.Errorf("environment %s=%q: not a number", name, v))
			return def
		}
		return f
	}
	fs.StringVar(&c.db, "db", envString("CATCHMENT_DB", "catchment.db"), "SQLite database `file` (env CATCHMENT_DB)")
	fs.StringVar(&c.addr, "addr", envString("CATCHMENT_ADDR", "127.0.0.1:8080"), "listen address `host:port` (env CATCHMENT_ADDR)")
	fs.StringVar(&c.token, "token", envString("CATCHMENT_TOKEN", ""), "planner bearer `token` (env CATCHMENT_TOKEN); when empty, the one stored in FILE.token, else a new one is generated, stored there and printed once")
	fs.StringVar(&c.cors, "cors", envString("CATCHMENT_CORS", ""), "comma-separated `origins` allowed to call the API from browsers; empty disables CORS (env CATCHMENT_CORS)")
	fs.StringVar(&c.tiles, "tiles", envString("CATCHMENT_TILES", ""), "optional base-map tile `url` template with {z}/{x}/{y}; empty draws zones on a plain background (env CATCHMENT_TILES)")
	fs.StringVar(&c.tilesAttr, "tiles-attribution", envString("CATCHMENT_TILES_ATTRIBUTION", ""), "attribution `text` for the tile layer (env CATCHMENT_TILES_ATTRIBUTION)")
	fs.StringVar(&c.policy, "policy", envString("CATCHMENT_POLICY", ""), "policy JSON `file` for solves started at start-up (default: POLICY.md defaults) (env CATCHMENT_POLICY)")
	fs.StringVar(&c.logLevel, "log-level", envString("CATCHMENT_LOG_LEVEL", "info"), "log `level`: debug (logs every look-up), info, warn, error (env CATCHMENT_LOG_LEVEL)")
	fs.Float64Var(&c.lookupRate, "lookup-rate", num("CATCHMENT_LOOKUP_RATE", 20), "look-ups per second allowed per client address; 0 disables the limit (env CATCHMENT_LOOKUP_RATE)")
	fs.IntVar(&c.lookupBurst, "lookup-burst", int(num("CATCHMENT_LOOKUP_BURST", 40)), "look-up burst per client (env CATCHMENT_LOOKUP_BURST)")
	fs.Int64Var(&c.maxUploadMiB, "max-upload", int64(num("CATCHMENT_MAX_UPLOAD_MIB", 256)), "largest scenario upload in `MiB` (env CATCHMENT_MAX_UPLOAD_MIB)")
	fs.Int64Var(&c.maxBodyKiB, "max-body", int64(num("CATCHMENT_MAX_BODY_KIB", 1024)), "largest other request body in `KiB` (env CATCHMENT_MAX_BODY_KIB)")
	fs.IntVar(&c.demoPupils, "demo-pupils", int(num("CATCHMENT_DEMO_PUPILS", 100_000)), "pupils of the built-in demo city loaded into an empty database (env CATCHMENT_DEMO_PUPILS)")
	fs.Int64Var(&c.demoSeed, "demo-seed", int64(num("CATCHMENT_DEMO_SEED", 1)), "seed of the demo city (env CATCHMENT_DEMO_SEED)")
	fs.BoolVar(&c.trustProxy, "trust-proxy", envString("CATCHMENT_TRUST_PROXY", "") == "true", "take client addresses from X-Forwarded-For (only behind a trusted proxy) (env CATCHMENT_TRUST_PROXY=true)")
	fs.BoolVar(&c.solveInProcess, "solve-in-process", envString("CATCHMENT_SOLVE_IN_PROCESS", "") == "true", "solve inside the server process instead of a low-priority worker process (env CATCHMENT_SOLVE_IN_PROCESS=true)")
	fs.DurationVar(&c.grace, "grace", 10*time.Second, "how long shutdown waits for requests in flight")
	fs.StringVar(&c.roads, "roads", envString("CATCHMENT_ROADS", ""), "OpenStreetMap extract `file` (.osm, .osm.bz2, .osm.pbf): zone every scenario that has no road network of its own (import --roads) by walking distance on its streets; a plan solved on foot is served only with its road network, never re-measured by straight line (env CATCHMENT_ROADS)")
	fs.Float64Var(&c.crossingPenalty, "crossing-penalty", num("CATCHMENT_CROSSING_PENALTY", 0), "extra cost in `metres` of crossing a trunk or primary road at grade, with a road network (env CATCHMENT_CROSSING_PENALTY)")
	fs.Float64Var(&c.barrierPenalty, "barrier-penalty", num("CATCHMENT_BARRIER_PENALTY", pipeline.DefaultBarrierPenaltyMeters), "extra cost in `metres` of crossing a river, railway or motorway, with a road network; 0 for plain walking metres (env CATCHMENT_BARRIER_PENALTY)")
	fs.BoolVar(&c.demoWalking, "demo-walking", envString("CATCHMENT_DEMO_WALKING", "") == "true", "store the demo city's own streets with it when loading it into an empty database, so that it is zoned by walking distance (a slower first solve) (env CATCHMENT_DEMO_WALKING=true)")
	return envErr
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "serve", "[--db FILE] [--addr HOST:PORT] [flags]")
	var c serveConfig
	envErr := serveFlags(fs, &c)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
	pol, err := allocation.ReadPolicyFile(c.policy)
	if err != nil {
		return err
	}
	fallback, roadOpts, err := serveRoads(ctx, log, c.roads, c.crossingPenalty, c.barrierPenalty)
	if err != nil {
		return err
	}

	st, err := store.Open(ctx, c.db)
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := plannerToken(env, c.token, c.db+".token")
	if err != nil {
		return err
	}
	eng := engine.New(st, log)
	eng.SetRoads(fallback, roadOpts)
	if !c.solveInProcess {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own executable for the solve worker: %w", err)
		}
		eng.SetSolver(workerSolver(exe, c.db, log, roadArgs(c.roads, c.crossingPenalty, c.barrierPenalty)))
	}
	var origins []string
	for _, o := range strings.Split(c.cors, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	srv, err := api.New(api.Config{
		Engine: eng, Token: token, Log: log,
		MaxBody: c.maxBodyKiB << 10, MaxUpload: c.maxUploadMiB << 20,
		LookupRate: c.lookupRate, LookupBurst: c.lookupBurst,
		CORSOrigins: origins, TrustProxy: c.trustProxy,
		TileURL: c.tiles, TileAttribution: c.tilesAttr,
		Version: "dev",
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "db", c.db)
	fmt.Fprintf(env.stdout, "catchment: map page at http://%s/ (parent page /parent)\n", ln.Addr())

	go loadInitialPlan(ctx, log, eng, srv, pol, c)
	return srv.Serve(ctx, ln, c.grace)
}

// serveRoads checks the penalties and loads the --roads extract (nil
// without one): the walking network of every scenario without a stored
// one, and the options of the stored ones.
func serveRoads(ctx context.Context, log *slog.Logger, path string, penalty, barrier float64) (*roads.Network, roads.Options, error) {
	opts, err := pipeline.RoadOptions(penalty, barrier)
	if err != nil {
		return nil, opts, err
	}
	if path == "" {
		return nil, opts, nil
	}
	start := time.Now()
	nw, err := pipeline.LoadRoadsWith(ctx, path, opts)
	if err != nil {
		return nil, opts, err
	}
	log.Info("road network loaded: scenarios without one of their own are zoned by walking distance", "file", path,
		"graph", nw.Graph().String(), "dur", time.Since(start).Round(time.Millisecond))
	return nw, opts, nil
}

// roadArgs are the solve worker's flags that give it the server's road
// network, so that it solves with the same metric.
func roadArgs(path string, penalty, barrier float64) []string {
	var args []string
	if path != "" {
		args = append(args, "--roads", path)
	}
	if penalty != 0 {
		args = append(args, "--crossing-penalty", strconv.FormatFloat(penalty, 'g', -1, 64))
	}
	return append(args, "--barrier-penalty", strconv.FormatFloat(barrier, 'g', -1, 64))
}

// demoStreets is the walking graph of the demo city's own streets.
func demoStreets(ctx context.Context, city *demo.City) (*roads.Graph, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(city.Streets.WriteOSM(pw)) }()
	defer pr.Close()
	g, err := roads.Read(ctx, pr, roads.FormatXML, roads.Options{})
	if err != nil {
		return nil, fmt.Errorf("demo city streets: %w", err)
	}
	return g, nil
}

// loadInitialPlan publishes the last complete plan; with none, it solves
// the newest scenario, importing the demo city first into an empty
// database. The server answers (readyz: not ready) meanwhile.
func loadInitialPlan(ctx context.Context, log *slog.Logger, eng *engine.Engine, srv *api.Server, pol allocation.Policy, c serveConfig) {
	snap, err := eng.Current(ctx)
	if err == nil {
		if err := srv.Publish(snap); err != nil {
			log.Error("cannot publish the stored plan", "err", err)
		}
		return
	}
	if !errors.Is(err, api.ErrNotFound) {
		if ctx.Err() == nil {
			log.Error("cannot load the stored plan", "err", err)
		}
		return
	}
	sc, err := eng.Scenarios(ctx)
	if err != nil {
		log.Error("cannot list scenarios", "err", err)
		return
	}
	name := "demo"
	if len(sc) > 0 {
		name = sc[0].Name
	} else {
		start := time.Now()
		city, err := demo.GenerateContext(ctx, demo.Config{Pupils: c.demoPupils, Seed: c.demoSeed, NoStreets: !c.demoWalking})
		if err != nil {
			log.Error("cannot generate the demo city", "err", err)
			return
		}
		var streets *roads.Graph
		note := fmt.Sprintf("built-in demo city, %d pupils, seed %d", c.demoPupils, c.demoSeed)
		if c.demoWalking {
			if streets, err = demoStreets(ctx, city); err != nil {
				log.Error("cannot build the demo city's streets", "err", err)
				return
			}
			note += ", zoned by walking distance on its streets"
		}
		if err := eng.ImportWithRoads(ctx, name, &city.Dataset, city.Boundary, streets, note); err != nil {
			log.Error("cannot store the demo city", "err", err)
			return
		}
		log.Info("demo city loaded", "pupils", c.demoPupils, "schools", len(city.Dataset.Schools), "units", len(city.Dataset.Units),
			"walking", streets != nil, "dur", time.Since(start).Round(time.Millisecond))
	}
	job, err := srv.StartSolve(name, pol)
	if err != nil {
		log.Error("cannot start the first solve", "err", err)
		return
	}
	log.Info("solving at start-up", "scenario", name, "job", job.ID)
}

// plannerToken returns the configured token, else the one stored in path,
// else a new random one that it stores (mode 0600) and prints once.
func plannerToken(env *cliEnv, configured, path string) (string, error) {
	if configured != "" {
		if len(configured) < 16 {
			return "", errors.New("--token must be at least 16 characters")
		}
		return configured, nil
	}
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			env.log.Info("planner token read", "file", path)
			return t, nil
		}
		return "", fmt.Errorf("token file %s holds no valid token (16+ characters); delete it to generate a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read token: %w", err)
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	t := base64.RawURLEncoding.EncodeToString(b[:])
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	if _, err := fmt.Fprintln(f, t); err != nil {
		f.Close()
		return "", fmt.Errorf("store token: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("store token: %w", err)
	}
	fmt.Fprintf(env.stdout, "catchment: planner token (printed once, stored in %s): %s\n", path, t)
	return t, nil
}

// workerSolver runs each solve in a child "catchment serve-worker" process
// at the lowest CPU priority, so that look-ups keep their latency while a
// long solve runs. The child stores the plan in the database and reports
// progress and the plan id as JSON lines on stdout; cancelling ctx kills
// it (the store's transactions make that safe). roadArgs (see the
// function roadArgs) give the worker the server's road network.
func workerSolver(exe, db string, log *slog.Logger, roadArgs []string) engine.SolverFunc {
	return func(ctx context.Context, scenario string, pol allocation.Policy, progress func(api.Progress)) (int64, error) {
		polJSON, err := json.Marshal(pol)
		if err != nil {
			return 0, err
		}
		args := append([]string{"serve-worker", "--db", db, "--scenario", scenario}, roadArgs...)
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Stdin = bytes.NewReader(polJSON)
		var stderr tailBuffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, fmt.Errorf("start solve worker: %w", err)
		}
		var planID int64
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var msg workerMessage
			if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
				log.Warn("solve worker: unreadable line", "line", sc.Text())
				continue
			}
			if msg.Progress != nil && progress != nil {
				progress(*msg.Progress)
			}
			if msg.PlanID != 0 {
				planID = msg.PlanID
			}
		}
		werr := cmd.Wait()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if werr != nil {
			return 0, fmt.Errorf("solve worker: %v: %s", werr, strings.TrimSpace(stderr.String()))
		}
		if planID == 0 {
			return 0, errors.New("solve worker reported no plan")
		}
		return planID, nil
	}
}

// workerMessage is one JSON line of the solve worker's stdout.
type workerMessage struct {
	Progress *api.Progress `json:"progress,omitempty"`
	PlanID   int64         `json:"plan_id,omitempty"`
}

// tailBuffer keeps the last 4 KiB written (a worker's error output).
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func runServeWorker(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "serve-worker", "--db FILE --scenario NAME [--roads FILE] [--crossing-penalty M] [--barrier-penalty M] < policy.json")
	db := fs.String("db", "", "SQLite database `file`")
	scenario := fs.String("scenario", "", "scenario `name` to solve")
	roadsFile := fs.String("roads", "", "OpenStreetMap extract `file` for a scenario without a stored road network (serve's --roads)")
	penalty := fs.Float64("crossing-penalty", 0, "major-road crossing penalty in `metres` (serve's --crossing-penalty)")
	barrier := fs.Float64("barrier-penalty", pipeline.DefaultBarrierPenaltyMeters, "barrier crossing penalty in `metres` (serve's --barrier-penalty)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *db == "" || *scenario == "" {
		fs.Usage()
		return errUsage
	}
	lowerPriority(env.log)
	pol, err := allocation.ReadPolicy(os.Stdin)
	if err != nil {
		return err
	}
	fallback, roadOpts, err := serveRoads(ctx, env.log, *roadsFile, *penalty, *barrier)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(env.stdout)
	var mu sync.Mutex
	eng := engine.New(st, env.log)
	eng.SetRoads(fallback, roadOpts)
	id, err := eng.SolveAndStore(ctx, *scenario, pol, func(p api.Progress) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(workerMessage{Progress: &p})
	})
	if err != nil {
		return err
	}
	return enc.Encode(workerMessage{PlanID: id})
}

// lowerPriority sets every thread of this process to nice 19 (Linux
// priorities are per thread; threads created later inherit it).
func lowerPriority(log *slog.Logger) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, 19)
		return
	}
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil {
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, 19); err != nil {
				log.Debug("cannot lower thread priority", "tid", tid, "err", err)
			}
		}
	}
}
