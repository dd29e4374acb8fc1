package main

import (
	"context"
	"fmt"

	"catchment/allocation"
)

func init() {
	register(command{name: "policy", summary: "print the default policy (targets, thresholds, solver knobs) as JSON", run: runPolicy})
}

func runPolicy(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "policy", "[--check FILE]")
	check := fs.String("check", "", "validate this policy `file` (defaults filled in) and print it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	pol, err := allocation.ReadPolicyFile(*check)
	if err != nil {
		return err
	}
	b, err := pol.MarshalIndent()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.stdout, "%s\n", b)
	return err
}
