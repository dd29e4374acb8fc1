package main

import (
	"context"
	"errors"
	"fmt"

	"catchment/data"
)

func init() {
	register(command{name: "validate", summary: "check input files and print every problem (exit 1 if any)", run: runValidate})
}

func runValidate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "validate", "--schools F (--units F | --households F) [--current F] [--candidates F] [--boundary F] [--crs C]")
	var in inputFlags
	in.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.db != "" {
		fmt.Fprintln(env.stderr, "validate reads files, not --db")
		return errUsage
	}
	ds, _, _, err := in.load(ctx, env)
	var el data.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			fmt.Fprintln(env.stdout, e)
		}
		return fmt.Errorf("%d problem(s) found", len(el))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "ok: %d schools, %d units, %d current zoning rows, %d candidate sites\n",
		len(ds.Schools), len(ds.Units), len(ds.Current), len(ds.Candidates))
	return nil
}
