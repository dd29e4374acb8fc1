package mcf

import (
	"context"
	"math"
)

// Arc states. A non-tree arc sits at its lower bound (flow 0) or its upper
// bound (flow = capacity); stateTree marks the n arcs of the spanning tree.
// The value doubles as the sign that turns a reduced cost into "improvement
// per unit pushed in the arc's allowed direction": an arc may enter the tree
// iff state·reducedCost < 0.
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

// Tree-arc directions relative to the node that owns them as predecessor:
// dirUp means pred[v] is v → parent[v], dirDown means parent[v] → v.
const (
	dirUp   int8 = 1
	dirDown int8 = -1
)

// checkEvery is how many pivots pass between context checks and progress
// callbacks (a power of two).
const checkEvery = 4096

// solver is the network simplex state. Nodes 0..n−1 are the graph's, node
// n is the artificial root. Arcs 0..m−1 are the graph's, arc m+v is node v's
// artificial arc (v → root with cost 0, or root → v with cost bigM; its
// direction may be redefined whenever it is out of the tree, where its flow
// is always 0).
//
// Invariants between pivots:
//   - the arcs with state stateTree form a spanning tree rooted at root:
//     parent[v], pred[v] (the tree arc joining v and parent[v]) and dir[v]
//     describe it, parent[root] = −1;
//   - thread is the cyclic preorder successor list of that tree starting at
//     root, rev its inverse; the subtree of v is the contiguous run of
//     succ[v] nodes from v to lastSucc[v];
//   - flows satisfy conservation with the supplies, non-tree arcs are at a
//     bound matching their state, tree arcs within [0, cap];
//   - the tree is strongly feasible: every pred arc can carry more flow
//     towards the root (dirUp: flow < cap, dirDown: flow > 0), so the
//     last-blocking-arc leaving rule cannot cycle;
//   - pi satisfies cost + pi[src] − pi[dst] = 0 on every tree arc (pi[root]
//     is 0 after a (re)start and drifts within ±potentialDrift).
type solver struct {
	n, m, root int32

	src, dst          []int32 // len m+n
	capa, cost, flow  []int64 // len m+n
	state             []int8  // len m+n
	supply            []int64 // len n
	parent, pred      []int32 // len n+1
	thread, rev       []int32 // len n+1
	succ, lastSucc    []int32 // len n+1
	dir               []int8  // len n+1
	pi                []int64 // len n+1
	bigM, safeM       int64   // current artificial cost, and the provably sufficient one
	next, block       int32
	pivots            int64
	stem, last, pEnd  []int32 // scratch for updateTree
	qStart, order     []int32 // scratch
	acc               []int64 // scratch for warmStart
	childOff, childAt []int32 // scratch for rebuildThread
	// perm maps graph node ids to solver node ids and inv back; both nil
	// while they are the identity (see renumber).
	perm, inv []int32
}

// node returns the solver id of graph node v.
func (s *solver) node(v int32) int32 {
	if s.perm == nil {
		return v
	}
	return s.perm[v]
}

// newSolver builds the all-artificial strongly feasible starting tree for g:
// every node hangs from the root by its artificial arc, sources by v → root
// (cost 0, flow supply) and sinks by root → v (cost bigM, flow −supply).
func newSolver(g *Graph, bigM, safeM int64) *solver {
	n, m := g.n, int32(len(g.src))
	s := &solver{n: n, m: m, root: n, bigM: bigM, safeM: safeM}
	na := int(m) + int(n)
	s.src = make([]int32, na)
	s.dst = make([]int32, na)
	s.capa = make([]int64, na)
	s.cost = make([]int64, na)
	s.flow = make([]int64, na)
	s.state = make([]int8, na)
	copy(s.src, g.src)
	copy(s.dst, g.dst)
	copy(s.capa, g.capa)
	copy(s.cost, g.cost)
	for a := range m {
		s.state[a] = stateLower
	}
	s.supply = make([]int64, n)
	copy(s.supply, g.supply)

	nn := int(n) + 1
	s.parent = make([]int32, nn)
	s.pred = make([]int32, nn)
	s.thread = make([]int32, nn)
	s.rev = make([]int32, nn)
	s.succ = make([]int32, nn)
	s.lastSucc = make([]int32, nn)
	s.dir = make([]int8, nn)
	s.pi = make([]int64, nn)

	root := s.root
	s.parent[root] = -1
	s.pred[root] = -1
	s.thread[root] = 0
	s.rev[0] = root // n ≥ 0; with n = 0 this sets rev[root] = root
	s.succ[root] = n + 1
	s.lastSucc[root] = max(n-1, 0) // root itself when n = 0
	for v := range n {
		s.parent[v] = root
		s.succ[v] = 1
		s.lastSucc[v] = v
		s.thread[v] = v + 1 // v = n−1 links back to root
		s.rev[v+1] = v
		s.setArtificial(v, s.supply[v])
	}
	s.setBlock()
	return s
}

// setArtificial makes node v's artificial arc its tree predecessor, hanging
// v from the root and carrying excess x ≥ 0 up (v → root, cost 0) or −x down
// (root → v, cost bigM). It sets pred, dir, parent, flow and state; pi and
// the thread are the caller's business.
func (s *solver) setArtificial(v int32, x int64) {
	a := s.m + v
	s.pred[v] = a
	s.parent[v] = s.root
	s.capa[a] = Inf
	s.state[a] = stateTree
	if x >= 0 {
		s.src[a], s.dst[a] = v, s.root
		s.cost[a] = 0
		s.flow[a] = x
		s.dir[v] = dirUp
		s.pi[v] = 0
	} else {
		s.src[a], s.dst[a] = s.root, v
		s.cost[a] = s.bigM
		s.flow[a] = -x
		s.dir[v] = dirDown
		s.pi[v] = s.bigM
	}
}

// setBlock sizes the pricing block: ⌈√m⌉ arcs, at least 10.
func (s *solver) setBlock() {
	b := int32(math.Ceil(math.Sqrt(float64(s.m))))
	s.block = max(b, 10)
	if s.next >= s.m {
		s.next = 0
	}
}

// run pivots until no arc prices out, then reports Optimal or, when flow is
// left on an artificial arc, Infeasible.
func (s *solver) run(ctx context.Context, progress func(int64)) (Status, error) {
	for {
		if s.pivots&(checkEvery-1) == 0 && s.pivots > 0 {
			if progress != nil {
				progress(s.pivots)
			}
			if err := ctx.Err(); err != nil {
				return NotSolved, err
			}
		}
		in := s.findEntering()
		if in < 0 {
			if s.bigM < s.safeM && s.artificialFlow() {
				// Optimal for the modest M but still using artificial
				// flow: only the safe M proves infeasibility. Raise it
				// and carry on from the same tree.
				s.setBigM(s.safeM)
				s.computePotentials()
				continue
			}
			break
		}
		if !s.pivot(in) {
			if s.bigM < s.safeM {
				// With the modest M a cycle through the root (artificial
				// arcs are uncapacitated) can be negative without the
				// instance being unbounded; with the safe M it cannot.
				s.setBigM(s.safeM)
				s.computePotentials()
				continue
			}
			return Unbounded, nil
		}
		s.pivots++
	}
	if s.artificialFlow() {
		return Infeasible, nil
	}
	return Optimal, nil
}

// artificialFlow reports whether any artificial arc carries flow.
func (s *solver) artificialFlow() bool {
	for _, f := range s.flow[s.m:] {
		if f != 0 {
			return true
		}
	}
	return false
}

// setBigM makes M the cost of every artificial root → v arc. The caller
// recomputes potentials if the tree holds such arcs.
func (s *solver) setBigM(M int64) {
	s.bigM = M
	for a := s.m; a < s.m+s.n; a++ {
		if s.src[a] == s.root {
			s.cost[a] = M
		}
	}
}

// findEntering returns a graph arc whose reduced cost allows improvement,
// by block search: scan blocks of s.block arcs cyclically from s.next and
// return the best candidate of the first block that has one; −1 when none
// exists (the tree is optimal). Artificial arcs never re-enter: an arc that
// left the tree only ever carried flow away from the artificial solution,
// and an optimum of the restricted problem still proves infeasibility (see
// Solve).
func (s *solver) findEntering() int32 {
	m := s.m
	if m == 0 {
		return -1
	}
	state := s.state[:m]
	cost := s.cost[:m]
	src := s.src[:m]
	dst := s.dst[:m]
	pi := s.pi
	best := int32(-1)
	var bestRC int64
	cnt := s.block
	// Two loops (next..m, 0..next) instead of a wrapping index.
	for pass := range 2 {
		lo, hi := s.next, m
		if pass == 1 {
			lo, hi = 0, s.next
		}
		for e := lo; e < hi; e++ {
			rc := int64(state[e]) * (cost[e] + pi[src[e]] - pi[dst[e]])
			if rc < bestRC {
				bestRC = rc
				best = e
			}
			cnt--
			if cnt == 0 {
				if best >= 0 {
					s.next = e + 1
					if s.next == m {
						s.next = 0
					}
					return best
				}
				cnt = s.block
			}
		}
	}
	return best
}

// pivot brings arc in into the tree: it pushes the largest feasible amount
// around the cycle in closes, removes the last blocking arc (which may be in
// itself, then in only flips bound) and updates the tree and the
// potentials. It returns false when the cycle has unlimited residual
// capacity (the problem is unbounded); nothing is changed then.
func (s *solver) pivot(in int32) bool {
	parent, pred, dir, flow, capa := s.parent, s.pred, s.dir, s.flow, s.capa
	st := s.state[in]
	// Flow goes first → second through in, then up the tree from second to
	// the join node and down from the join node to first.
	first, second := s.src[in], s.dst[in]
	if st == stateUpper {
		first, second = second, first
	}
	join := s.findJoin(s.src[in], s.dst[in])

	delta := capa[in]
	side := 0 // 0: in itself blocks; 1: first's path; 2: second's path
	var uOut int32 = -1
	// Strict < on first's path and ≤ on second's path pick the last
	// blocking arc met when walking the cycle from the join node in the
	// direction of flow, which keeps the tree strongly feasible.
	for u := first; u != join; u = parent[u] {
		e := pred[u]
		d := flow[e] // flow runs parent → u: an up arc loses flow
		if dir[u] == dirDown {
			if capa[e] == Inf {
				d = Inf
			} else {
				d = capa[e] - d
			}
		}
		if d < delta {
			delta, uOut, side = d, u, 1
		}
	}
	for u := second; u != join; u = parent[u] {
		e := pred[u]
		d := flow[e] // flow runs u → parent: a down arc loses flow
		if dir[u] == dirUp {
			if capa[e] == Inf {
				d = Inf
			} else {
				d = capa[e] - d
			}
		}
		if d <= delta {
			delta, uOut, side = d, u, 2
		}
	}
	if delta == Inf {
		return false
	}

	if delta > 0 {
		val := int64(st) * delta
		flow[in] += val
		for u := s.src[in]; u != join; u = parent[u] {
			flow[pred[u]] -= int64(dir[u]) * val
		}
		for u := s.dst[in]; u != join; u = parent[u] {
			flow[pred[u]] += int64(dir[u]) * val
		}
	}

	if side == 0 {
		s.state[in] = -st
		return true
	}
	uIn, vIn := first, second
	if side == 2 {
		uIn, vIn = second, first
	}
	out := pred[uOut]
	if flow[out] == 0 {
		s.state[out] = stateLower
	} else {
		s.state[out] = stateUpper
	}
	s.state[in] = stateTree
	s.updateTree(in, uIn, vIn, uOut, join)
	return true
}

// findJoin returns the nearest common ancestor of u and v: a node with the
// smaller subtree cannot be an ancestor of the other, so it climbs.
func (s *solver) findJoin(u, v int32) int32 {
	parent, succ := s.parent, s.succ
	for u != v {
		if succ[u] < succ[v] {
			u = parent[u]
		} else {
			v = parent[v]
		}
	}
	return u
}

// updateTree replaces the tree arc pred[uOut] by in, which joins uIn (inside
// the subtree of uOut) to vIn (outside it). The stem uIn = s0, s1 = parent(s0),
// …, sk = uOut is reversed: s0 hangs from vIn and each s(i) from s(i−1).
//
// Thread: the moved part keeps its node set (the old subtree of uOut) and
// gets the preorder seg(s0) seg(s1) … seg(sk), where seg(si) is the old
// subtree of si without the old subtree of s(i−1): a prefix run
// [si .. rev[s(i−1)]] and a suffix run [thread[last(s(i−1))] .. last(si)]
// (possibly empty). It is cut out of the thread and spliced back right
// after vIn with O(k) link changes.
//
// Subtree sizes change only on the stem and on the paths from parent(uOut)
// and from vIn up to the join node. Last successors change on the stem (all
// become the new end of the moved run), on the chain of ancestors of
// parent(uOut) whose subtree ended with the moved run (they now end just
// before it), and on the chain of vIn and its ancestors whose subtree ended
// at vIn (they now end with the moved run).
//
// Potentials: the moved part shifts by sigma so that in gets reduced cost 0;
// when it is the larger side, the rest of the tree shifts by −sigma instead
// (only differences of potentials matter).
func (s *solver) updateTree(in, uIn, vIn, uOut, join int32) {
	parent, pred, dir := s.parent, s.pred, s.dir
	thread, rev, succ, lastSucc, pi := s.thread, s.rev, s.succ, s.lastSucc, s.pi

	stem := s.stem[:0]
	for u := uIn; ; u = parent[u] {
		stem = append(stem, u)
		if u == uOut {
			break
		}
	}
	s.stem = stem
	k := int32(len(stem) - 1)

	var sigma int64
	if s.src[in] == uIn {
		sigma = pi[vIn] - s.cost[in] - pi[uIn]
	} else {
		sigma = pi[vIn] + s.cost[in] - pi[uIn]
	}

	size := succ[uOut]
	vOut := parent[uOut]
	oldLastOut := lastSucc[uOut]
	before, after := rev[uOut], thread[oldLastOut]

	// Old run boundaries, read before any link changes.
	last := grow(&s.last, int(k)+1)
	pEnd := grow(&s.pEnd, int(k)+1)
	qStart := grow(&s.qStart, int(k)+1)
	last[0] = lastSucc[stem[0]]
	for i := int32(1); i <= k; i++ {
		last[i] = lastSucc[stem[i]]
		pEnd[i] = rev[stem[i-1]]
		qStart[i] = thread[last[i-1]]
	}

	// Unlink the old subtree of uOut, then insert the new order after vIn.
	thread[before] = after
	rev[after] = before
	nxt := thread[vIn]
	tail := last[0]
	for i := int32(1); i <= k; i++ {
		thread[tail] = stem[i]
		rev[stem[i]] = tail
		tail = pEnd[i]
		if last[i] != last[i-1] {
			thread[tail] = qStart[i]
			rev[qStart[i]] = tail
			tail = last[i]
		}
	}
	thread[vIn] = uIn
	rev[uIn] = vIn
	thread[tail] = nxt
	rev[nxt] = tail
	newLast := tail

	// Last successors: removal, then insertion, then the stem.
	for a := vOut; a >= 0 && lastSucc[a] == oldLastOut; a = parent[a] {
		lastSucc[a] = before
	}
	for a := vIn; a >= 0 && lastSucc[a] == vIn; a = parent[a] {
		lastSucc[a] = newLast
	}
	// Subtree sizes off the stem (parents outside the moved part are
	// unchanged so far).
	for a := vOut; a != join; a = parent[a] {
		succ[a] -= size
	}
	for a := vIn; a != join; a = parent[a] {
		succ[a] += size
	}

	// Reverse the stem: new size of s(i) is size − old size of s(i−1).
	for i := k; i >= 1; i-- {
		u, c := stem[i], stem[i-1]
		parent[u] = c
		pred[u] = pred[c]
		dir[u] = -dir[c]
		succ[u] = size - succ[c]
		lastSucc[u] = newLast
	}
	parent[uIn] = vIn
	pred[uIn] = in
	succ[uIn] = size
	lastSucc[uIn] = newLast
	if s.src[in] == uIn {
		dir[uIn] = dirUp
	} else {
		dir[uIn] = dirDown
	}

	// Potentials on the smaller side (sigma = ±reduced cost of in ≠ 0).
	if 2*int64(size) <= int64(s.n)+1 {
		for v := uIn; ; v = thread[v] {
			pi[v] += sigma
			if v == newLast {
				break
			}
		}
		return
	}
	for v := thread[newLast]; v != uIn; v = thread[v] {
		pi[v] -= sigma
	}
	if r := pi[s.root]; r > potentialDrift || r < -potentialDrift {
		for v := range pi {
			pi[v] -= r
		}
	}
}

// potentialDrift bounds |pi[root]|: shifting the root side instead of the
// moved side lets all potentials drift; they are re-centred on the root
// when it exceeds this. A variable only so tests can force re-centring.
var potentialDrift int64 = 1 << 60

// grow returns (*buf)[:n], reallocating when needed.
func grow(buf *[]int32, n int) []int32 {
	if cap(*buf) < n {
		*buf = make([]int32, n, 2*n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// warmStart refreshes capacities, costs and supplies from g and turns the
// previous tree into a strongly feasible starting tree for the new data:
// non-tree arcs go back to their (new) bounds, tree flows are recomputed
// bottom-up, and every tree arc whose new flow would be infeasible or
// degenerate in the wrong direction leaves the tree at a bound, its subtree
// re-hung from the root by its artificial arc. It returns the number of arcs
// so replaced.
func (s *solver) warmStart(g *Graph, bigM, safeM int64) int {
	m := s.m
	s.pivots = 0
	copy(s.capa[:m], g.capa)
	copy(s.cost[:m], g.cost)
	for v, b := range g.supply {
		s.supply[s.node(int32(v))] = b
	}
	s.safeM = safeM
	s.setBigM(bigM)
	return s.repair(false)
}

// repair turns the current tree (parent, pred, dir, states) into a strongly
// feasible basis for the current data: non-tree arcs go to their bounds,
// tree flows are recomputed bottom-up, and every tree arc whose flow would be
// infeasible, or degenerate against the root, leaves the tree at a bound
// while its subtree is re-hung from the root by its artificial arc. thread,
// rev, succ and lastSucc must describe the tree unless rebuild is set, in
// which case they are recomputed from parent. It returns the number of arcs
// replaced.
func (s *solver) repair(rebuild bool) int {
	m, n, root := s.m, s.n, s.root
	if rebuild {
		s.rebuildThread()
	}
	// Balances of every node from supplies and non-tree flows.
	acc := s.acc
	if cap(acc) < int(n)+1 {
		acc = make([]int64, n+1)
		s.acc = acc
	}
	acc = acc[:n+1]
	copy(acc, s.supply)
	acc[root] = 0
	for a := range m + n {
		switch s.state[a] {
		case stateTree:
			continue
		case stateUpper:
			if s.capa[a] == Inf {
				s.state[a] = stateLower
				s.flow[a] = 0
			} else {
				s.flow[a] = s.capa[a]
			}
		default:
			s.flow[a] = 0
		}
		if f := s.flow[a]; f != 0 {
			acc[s.src[a]] -= f
			acc[s.dst[a]] += f
		}
	}

	// Preorder, then children before parents.
	order := grow(&s.order, int(n))
	i := 0
	for v := s.thread[root]; v != root; v = s.thread[v] {
		order[i] = v
		i++
	}
	repaired := 0
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		x := acc[v] // net excess of v's subtree, to be carried to parent[v]
		e := s.pred[v]
		if e >= m {
			s.setArtificial(v, x)
			continue
		}
		p := s.parent[v]
		f := x
		if s.dir[v] == dirDown {
			f = -x
		}
		c := s.capa[e]
		if (s.dir[v] == dirUp && f >= 0 && f < c) || (s.dir[v] == dirDown && f > 0 && f <= c) {
			s.flow[e] = f
			acc[p] += x
			continue
		}
		// Take e out of the tree at the bound nearest to f.
		fe := int64(0)
		s.state[e] = stateLower
		if f >= c {
			fe = c
			s.state[e] = stateUpper
		}
		s.flow[e] = fe
		if s.dir[v] == dirUp { // e: v → p carries fe out of v
			acc[p] += fe
			x -= fe
		} else { // e: p → v carries fe into v
			acc[p] -= fe
			x += fe
		}
		s.setArtificial(v, x)
		repaired++
	}
	if repaired > 0 {
		s.rebuildThread()
	}
	s.computePotentials()
	s.setBlock()
	return repaired
}

// rebuildThread recomputes thread, rev, succ and lastSucc from parent
// (children in increasing id order).
func (s *solver) rebuildThread() {
	nn := s.n + 1
	off := grow(&s.childOff, int(nn)+1)
	clear(off)
	for v := range s.n {
		off[s.parent[v]+1]++
	}
	for v := range nn {
		off[v+1] += off[v]
	}
	at := grow(&s.childAt, int(s.n))
	fill := grow(&s.qStart, int(nn))
	copy(fill, off[:nn])
	for v := range s.n {
		p := s.parent[v]
		at[fill[p]] = v
		fill[p]++
	}
	// Iterative preorder into order; the stack lives in s.stem.
	order := grow(&s.order, int(nn))[:0]
	stack := append(s.stem[:0], s.root)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		order = append(order, u)
		for j := off[u+1] - 1; j >= off[u]; j-- {
			stack = append(stack, at[j])
		}
	}
	s.stem = stack
	s.order = order
	for i, u := range order {
		s.thread[u] = order[(i+1)%len(order)]
		s.rev[order[(i+1)%len(order)]] = u
		s.succ[u] = 1
	}
	// Sizes children-first; a subtree is order[i : i+succ].
	for i := len(order) - 1; i > 0; i-- {
		u := order[i]
		s.succ[s.parent[u]] += s.succ[u]
	}
	for i, u := range order {
		s.lastSucc[u] = order[i+int(s.succ[u])-1]
	}
}

// computePotentials sets pi from the tree, in preorder from the root.
func (s *solver) computePotentials() {
	root := s.root
	s.pi[root] = 0
	for v := s.thread[root]; v != root; v = s.thread[v] {
		e := s.pred[v]
		if s.dir[v] == dirUp {
			s.pi[v] = s.pi[s.parent[v]] - s.cost[e]
		} else {
			s.pi[v] = s.pi[s.parent[v]] + s.cost[e]
		}
	}
}
