package main

import (
	"context"
	"fmt"
	"time"

	"catchment/data"
	"catchment/data/demo"
)

func init() {
	register(command{name: "demo", summary: "write the deterministic demo city (schools, units, zoning, candidates, streets)", run: runDemo})
}

// runDemo generates the demo city and writes its files into --out.
func runDemo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "demo", "--out DIR [--pupils N] [--schools N] [--seed S] [--households] [--streets=false]")
	out := fs.String("out", "", "output directory (created if missing)")
	pupils := fs.Int("pupils", demo.DefaultPupils, fmt.Sprintf("total pupils, both stages (%d to %d)", demo.MinPupils, demo.MaxPupils))
	schools := fs.Int("schools", 0, "number of schools (0: about one per 1,000 pupils)")
	seed := fs.Int64("seed", 0, "random seed; the same flags always give the same bytes")
	households := fs.Bool("households", false, "also write households.csv: every pupil in a household point (large)")
	streets := fs.Bool("streets", true, "write streets.osm, the street network with river, railway and motorway ring")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(env.stderr, "demo: --out is required")
		fs.Usage()
		return errUsage
	}
	start := time.Now()
	city, err := demo.GenerateContext(ctx, demo.Config{
		Pupils: *pupils, Schools: *schools, Seed: *seed, NoStreets: !*streets,
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := city.WriteDir(*out); err != nil {
		return err
	}
	if *households {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := city.WriteHouseholdsFile(*out); err != nil {
			return err
		}
	}
	d := &city.Dataset
	nodes := 0
	if city.Streets != nil {
		nodes = len(city.Streets.Nodes)
	}
	env.log.Info("demo city written", "dir", *out, "pupils", city.Config.Pupils,
		"schools", len(d.Schools), "units", len(d.Units), "candidates", len(d.Candidates),
		"street_nodes", nodes, "seconds", time.Since(start).Seconds())
	fmt.Fprintf(env.stdout, "demo city in %s: %d schools, %d units, %d candidate sites, %d street nodes\n",
		*out, len(d.Schools), len(d.Units), len(d.Candidates), nodes)
	var nPupils, seats [data.NumStages]int
	for i := range d.Units {
		for st := range data.NumStages {
			nPupils[st] += d.Units[i].Pupils[st]
		}
	}
	for i := range d.Schools {
		for _, st := range data.Stages {
			if d.Schools[i].Zoneable(st) {
				seats[st] += d.Schools[i].Seats[st]
			}
		}
	}
	for _, st := range data.Stages {
		fmt.Fprintf(env.stdout, "  %-7s %8d pupils, %8d public zoneable seats\n", st, nPupils[st], seats[st])
	}
	return nil
}
