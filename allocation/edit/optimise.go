package edit

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"catchment/allocation"
	"catchment/data"
)

// Complete re-solves the plan around the planner's edits: every pinned
// unit keeps its pinned school, every locked zone keeps exactly its units
// (no unit leaves or joins it), and allocation.Solve zones the rest. The
// result is a new revision. At city scale this is a full solve (minutes):
// run it in a worker and report progress.
func (s *Session) Complete(ctx context.Context, e Edit, progress func(allocation.Progress)) (*Result, error) {
	return s.commit(ctx, e, Meta{Op: "complete"}, func(cons *constraints, m *Meta) error {
		in, err := s.solveInput(cons)
		if err != nil {
			return err
		}
		in.Progress = progress
		plan, err := allocation.Solve(ctx, in)
		if err != nil {
			return fmt.Errorf("solve: %w", err)
		}
		var zones [data.NumStages][]int32
		for st := range data.NumStages {
			zones[st] = slices.Clone(plan.Stages[st].Zone)
			for u, f := range in.Fixed[st] {
				if f >= 0 && zones[st][u] != f {
					return fmt.Errorf("solver moved the fixed unit %s from %s", s.ds.Units[u].ID, s.ds.Schools[f].ID)
				}
			}
			// A locked zone is kept as it stands: units the solver added
			// to it (it only sees them as a full school) go back to the
			// zone they had.
			for u, z := range zones[st] {
				if z >= 0 && cons.locks[st][z] && in.Fixed[st][u] < 0 {
					zones[st][u] = s.eval.Zone(data.Stage(st), int32(u))
				}
			}
		}
		return s.setZones(zones)
	})
}

// solveInput builds the solver input of a completion: pins and the units
// of locked zones are fixed; a locked school shows the solver only the
// seats its zone already fills, so no other unit is drawn into it.
func (s *Session) solveInput(cons *constraints) (allocation.Input, error) {
	ds := *s.ds
	ds.Schools = slices.Clone(s.ds.Schools)
	in := allocation.Input{Dataset: &ds, Policy: s.pol, Metric: s.metric, Adjacency: s.adj}
	for st := range data.NumStages {
		stage := data.Stage(st)
		fixed := make([]int32, len(ds.Units))
		for u := range fixed {
			fixed[u] = -1
			z := s.eval.Zone(stage, int32(u))
			if z >= 0 && cons.locks[st][z] && ds.Units[u].Pupils[st] > 0 {
				fixed[u] = z
			}
		}
		for u, sc := range cons.pins[st] {
			if !ds.Schools[sc].Zoneable(stage) {
				return in, fmt.Errorf("%w: unit %s is pinned to %s, which no longer zones %s pupils", ErrInvalid, ds.Units[u].ID, ds.Schools[sc].ID, stage)
			}
			if ds.Units[u].Pupils[st] > 0 {
				fixed[u] = sc
			}
		}
		for sc := range cons.locks[st] {
			if load := s.eval.Load(stage, sc); load > 0 && int(load) < ds.Schools[sc].Seats[st] {
				ds.Schools[sc].Seats[st] = int(load)
			}
		}
		in.Fixed[st] = fixed
	}
	return in, nil
}

// Repair fixes what breaks a rule, with few unit moves and never touching
// pins or locked zones: first every split zone keeps its largest piece
// and each other piece joins the neighbouring zone it shares most borders
// with; then every over-full zone hands border units to neighbouring
// zones with free seats, the unit whose pupils best cover the excess
// first, never splitting a zone. The result is a new revision; what could
// not be fixed shows in its warnings.
func (s *Session) Repair(ctx context.Context, e Edit) (*Result, error) {
	return s.commit(ctx, e, Meta{Op: "repair"}, func(cons *constraints, m *Meta) error {
		for st := range data.NumStages {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.repairSplits(cons, data.Stage(st)); err != nil {
				return err
			}
			if err := s.repairOverfull(ctx, cons, data.Stage(st)); err != nil {
				return err
			}
		}
		return nil
	})
}

// movable reports whether unit u of stage st may be moved by Repair.
func (s *Session) movable(cons *constraints, st data.Stage, u int32) bool {
	if _, ok := cons.pins[st][u]; ok {
		return false
	}
	z := s.eval.Zone(st, u)
	return z < 0 || !cons.locks[st][z]
}

// target reports whether school sc may receive units of stage st.
func (s *Session) target(cons *constraints, st data.Stage, sc int32) bool {
	return sc >= 0 && !cons.locks[st][sc] && s.ds.Schools[sc].Zoneable(st)
}

// pieces splits school sc's zone into connected pieces, largest (by
// pupils, then by lowest unit) first.
func (s *Session) pieces(st data.Stage, sc int32) [][]int32 {
	ms := slices.Clone(s.eval.Members(st, sc))
	slices.Sort(ms)
	seen := map[int32]bool{}
	var out [][]int32
	for _, u := range ms {
		if seen[u] {
			continue
		}
		seen[u] = true
		piece := []int32{u}
		for i := 0; i < len(piece); i++ {
			for _, w := range s.adj[piece[i]] {
				if !seen[w] && s.eval.Zone(st, w) == sc && s.ds.Units[w].Pupils[st] > 0 {
					seen[w] = true
					piece = append(piece, w)
				}
			}
		}
		out = append(out, piece)
	}
	pupils := func(p []int32) int {
		n := 0
		for _, u := range p {
			n += s.ds.Units[u].Pupils[st]
		}
		return n
	}
	sort.SliceStable(out, func(a, b int) bool { return pupils(out[a]) > pupils(out[b]) })
	return out
}

func (s *Session) repairSplits(cons *constraints, st data.Stage) error {
	if s.adj == nil {
		return nil
	}
	for sc := range s.ds.Schools {
		sc := int32(sc)
		if s.eval.Components(st, sc) <= 1 || cons.locks[st][sc] {
			continue
		}
		ps := s.pieces(st, sc)
		for _, piece := range ps[1:] {
			ok := true
			for _, u := range piece {
				if !s.movable(cons, st, u) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			in := map[int32]bool{}
			for _, u := range piece {
				in[u] = true
			}
			border := map[int32]int{}
			for _, u := range piece {
				for _, w := range s.adj[u] {
					if z := s.eval.Zone(st, w); !in[w] && z != sc && s.target(cons, st, z) {
						border[z]++
					}
				}
			}
			best, bestN := int32(-1), 0
			for z, n := range border {
				if n > bestN || (n == bestN && z < best) {
					best, bestN = z, n
				}
			}
			if best >= 0 {
				if err := s.move(st, piece, best); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *Session) repairOverfull(ctx context.Context, cons *constraints, st data.Stage) error {
	for sc := range s.ds.Schools {
		sc := int32(sc)
		seats := int64(s.ds.Schools[sc].Seats[st])
		if cons.locks[st][sc] || !s.ds.Schools[sc].Zoneable(st) {
			continue
		}
		for tries := 0; s.eval.Load(st, sc) > seats && tries < 10000; tries++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			excess := s.eval.Load(st, sc) - seats
			type cand struct {
				u, to int32
				n     int64
			}
			var cands []cand
			ms := slices.Clone(s.eval.Members(st, sc))
			slices.Sort(ms)
			for _, u := range ms {
				if !s.movable(cons, st, u) {
					continue
				}
				n := int64(s.ds.Units[u].Pupils[st])
				best, bestFree := int32(-1), int64(0)
				for _, w := range s.adj[u] {
					z := s.eval.Zone(st, w)
					if z == sc || !s.target(cons, st, z) {
						continue
					}
					free := int64(s.ds.Schools[z].Seats[st]) - s.eval.Load(st, z)
					if free >= n && (free > bestFree || (free == bestFree && z < best)) {
						best, bestFree = z, free
					}
				}
				if best >= 0 {
					cands = append(cands, cand{u, best, n})
				}
			}
			// Fewest moves: a unit that covers the excess alone (the
			// smallest such), else the largest unit.
			sort.SliceStable(cands, func(a, b int) bool {
				ca, cb := cands[a].n >= excess, cands[b].n >= excess
				if ca != cb {
					return ca
				}
				if ca {
					return cands[a].n < cands[b].n
				}
				return cands[a].n > cands[b].n
			})
			moved := false
			for _, c := range cands {
				before, beforeTo := s.eval.Components(st, sc), s.eval.Components(st, c.to)
				if err := s.move(st, []int32{c.u}, c.to); err != nil {
					return err
				}
				if s.eval.Components(st, sc) <= max(before, 1) && s.eval.Components(st, c.to) <= max(beforeTo, 1) {
					moved = true
					break
				}
				// It would split a zone: put it back.
				s.log = s.log[:len(s.log)-1]
				if _, err := s.eval.Move(st, []int32{c.u}, sc); err != nil {
					return err
				}
			}
			if !moved {
				break
			}
		}
	}
	return nil
}
