// Package allocation owns the decisions: which school's zone each
// residential unit belongs to, who overflows where when seats are short, and
// the policy report that says whether the targets of POLICY.md are met.
//
// # The model
//
// For each stage separately, units (supply: pupils) are zoned to zoneable
// schools (open, public, non-boarding, offering the stage; capacity: seats).
// The objective is lexicographic: first place as many pupils as possible in
// their zone school, then minimise the pupil-weighted home-to-school
// distance (plus, optionally, a stability charge per pupil moved away from
// today's zone school). A zone is a set of whole units and should be
// contiguous.
//
// # The method
//
//  1. Candidate schools per unit come from the distance Metric (k nearest,
//     widened where the dual prices show that a farther school could help).
//  2. The splittable relaxation — a transportation problem — is solved
//     exactly by our network simplex (package allocation/mcf). Its optimum,
//     certified over all schools with the Metric's Beyond bounds and the
//     seat prices (duals), is the proven lower bound of the report.
//  3. Whole-unit zones are rounded from the relaxation (an optimal vertex
//     splits at most schools−1 units), repaired to respect seats (moves and
//     two-step ejections), made contiguous, and improved by boundary local
//     search that never breaks seats or contiguity.
//  4. Pupils beyond a zone's seats overflow (统筹安排) by priority tier to
//     the nearest free seats (purchased places count for migrant children),
//     solved as a second min-cost flow; the rest are unplaced.
//
// Plans are immutable values; the report is computed from a plan by
// Evaluate, which also scores given zonings such as today's hand-drawn one.
package allocation
