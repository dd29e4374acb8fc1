package mcf

import (
	"context"
	"testing"
)

// FuzzAgainstReference decodes small instances (≤ 8 nodes, ≤ 24 arcs) from
// fuzz bytes and checks the network simplex against the
// successive-shortest-path reference: same status, same cost, valid
// certificate, for cold, cold-without-crash and warm (after a capacity and a
// cost change) solves.
func FuzzAgainstReference(f *testing.F) {
	f.Add([]byte{3, 0, 1, 5, 3, 1, 2, 9, 1, 4, 0, 0, 2, 200})
	f.Add([]byte{4, 0, 1, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 1, 0, 255, 128, 0, 1, 255, 0, 7, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, changeArc, newCap, newCost := decodeInstance(data)
		if in == nil {
			return
		}
		checkAgainstReference(t, in)

		g := in.graph()
		if _, err := g.Solve(context.Background()); err != nil {
			t.Fatal(err)
		}
		if changeArc < 0 {
			return
		}
		if newCost < 0 && newCap == Inf {
			newCap = 3
		}
		in.capa[changeArc], in.cost[changeArc] = newCap, newCost
		g.SetCapacity(int32(changeArc), newCap)
		g.SetCost(int32(changeArc), newCost)
		st, err := g.Solve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want, wantCost, err := refSolve(in)
		if err != nil {
			t.Fatal(err)
		}
		if st != want || (st == Optimal && g.TotalCost() != wantCost) {
			t.Fatalf("warm %v/%d, reference %v/%d", st, g.TotalCost(), want, wantCost)
		}
		if st == Optimal {
			if err := checkCertificate(in, g); err != nil {
				t.Fatalf("warm: %v", err)
			}
		}
	})
}

// decodeInstance turns bytes into an instance: byte 0 → node count 1..8,
// then per node one supply byte, then 4-byte arcs (src, dst, capacity, cost).
// Supplies are balanced by adjusting the last node unless the first byte is
// ≥ 128 (then Σ supply may be non-zero). Negative costs get finite
// capacities (the reference's only restriction). The trailing bytes choose an
// arc change for the warm start.
func decodeInstance(data []byte) (in *instance, changeArc int, newCap, newCost int64) {
	if len(data) < 2 {
		return nil, -1, 0, 0
	}
	n := 1 + int(data[0])%8
	unbalanced := data[0] >= 128
	data = data[1:]
	in = &instance{n: n, supply: make([]int64, n)}
	var sum int64
	for v := 0; v < n && len(data) > 0; v++ {
		in.supply[v] = int64(int8(data[0])) % 20
		sum += in.supply[v]
		data = data[1:]
	}
	if !unbalanced {
		in.supply[n-1] -= sum
	}
	for len(data) >= 4 && len(in.src) < 24 {
		s, d := int(data[0])%n, int(data[1])%n
		c := int64(data[2] % 16)
		if data[2] >= 240 {
			c = Inf
		}
		k := int64(int8(data[3])) % 50
		if k < 0 && c == Inf {
			c = 10
		}
		in.addArc(s, d, c, k)
		data = data[4:]
	}
	changeArc = -1
	if len(data) >= 3 && len(in.src) > 0 {
		changeArc = int(data[0]) % len(in.src)
		newCap = int64(data[1] % 12)
		if data[1] >= 240 {
			newCap = Inf
		}
		newCost = int64(int8(data[2])) % 40
	}
	return in, changeArc, newCap, newCost
}
