package roads

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"catchment/geo"
)

// gridOSM writes OSM XML on an exact grid: node (x, y) is at 1e-5° steps
// (about a metre) from (1.5°E, 42.5°N), so collinear and coincident points
// stay exactly so in the importer's 1e-7° integers.
type gridOSM struct {
	b      strings.Builder
	nextID int64
}

func (o *gridOSM) node(x, y int) int64 {
	o.nextID++
	lon, lat := 15_000_000+100*x, 425_000_000+100*y
	fmt.Fprintf(&o.b, `<node id="%d" lat="%d.%07d" lon="%d.%07d"/>`+"\n", o.nextID, lat/10_000_000, lat%10_000_000, lon/10_000_000, lon%10_000_000)
	return o.nextID
}

func (o *gridOSM) way(tags string, ids ...int64) {
	o.nextID++
	fmt.Fprintf(&o.b, `<way id="%d">`, o.nextID)
	for _, id := range ids {
		fmt.Fprintf(&o.b, `<nd ref="%d"/>`, id)
	}
	for _, kv := range strings.Split(tags, ";") {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&o.b, `<tag k="%s" v="%s"/>`, k, v)
	}
	o.b.WriteString("</way>\n")
}

func (o *gridOSM) xml() []byte {
	return []byte("<osm version=\"0.6\">\n" + o.b.String() + "</osm>\n")
}

// orient is the sign of (b − a) × (c − a) on grid points.
func orient(a, b, c [2]int) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// touches reports whether closed segments pq and ab share a point.
func touches(p, q, a, b [2]int) bool {
	onSeg := func(p, q, r [2]int) bool { // r on segment pq, given collinear
		return min(p[0], q[0]) <= r[0] && r[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= r[1] && r[1] <= max(p[1], q[1])
	}
	o1, o2, o3, o4 := orient(p, q, a), orient(p, q, b), orient(a, b, p), orient(a, b, q)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return (o1 == 0 && onSeg(p, q, a)) || (o2 == 0 && onSeg(p, q, b)) ||
		(o3 == 0 && onSeg(a, b, p)) || (o4 == 0 && onSeg(a, b, q))
}

// FuzzBarrierSeparates: a barrier line (a river or a railway, possibly
// split into two ways, or the south shore of a water area whose north
// shore is 1–4 units above it) runs across the whole area as the graph of
// a function; a walkable polyline with fuzzed vertices on a coarse grid
// (often exactly on the barrier's vertices or segments, sharing its nodes or
// only their positions) goes from below it to above it. Whatever the
// degeneracies, no walk from the start to the end avoids the barrier edges,
// and a walk that never touches the barrier has none; every barrier edge
// carries exactly the barrier's kind.
func FuzzBarrierSeparates(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 0})
	f.Add([]byte{1, 3, 250, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 128, 0, 129, 1, 130, 2, 131, 3})
	// A walk from a shared barrier vertex running along the barrier past
	// its next vertex, then above it.
	f.Add([]byte{48, 0, 1, 1, 0, 0, 0, 0, 0, 0, 131, 10, 10, 10})
	// Water areas, counter-clockwise and clockwise, with the walk on their
	// shores' vertices.
	f.Add([]byte{4 | 16, 0, 1, 2, 3, 4, 5, 4, 3, 2, 131, 10, 132, 12, 10, 15})
	f.Add([]byte{12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x80 | 5, 10, 0x80 | 5, 11, 6, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 11 {
			return
		}
		mode, ys, rest := data[0], data[1:10], data[10:]
		var o gridOSM
		// The barrier: x = −1000, −40, −30, …, 40, 1000; y in −5..5.
		var bar [][2]int
		var barID []int64
		at := map[[2]int]int64{} // barrier vertex ids by position
		for i := -1; i <= 9; i++ {
			x, y := -1000, 0
			switch {
			case i == 9:
				x = 1000
			case i >= 0:
				x, y = -40+10*i, int(int8(ys[i]))%6
			}
			if i == 9 {
				y = bar[len(bar)-1][1]
			}
			p := [2]int{x, y}
			bar = append(bar, p)
			barID = append(barID, o.node(x, y))
			at[p] = barID[len(barID)-1]
		}
		tags := "waterway=river"
		if mode&1 != 0 {
			tags = "railway=rail"
		}
		switch {
		case mode&4 != 0: // a water area: the line is its south shore
			h := 1 + int(mode>>4)%4
			ring := slices.Clone(barID)
			for i := len(bar) - 1; i >= 0; i-- {
				p := [2]int{bar[i][0], bar[i][1] + h}
				id, ok := at[p]
				if !ok {
					id = o.node(p[0], p[1])
					at[p] = id
				}
				ring = append(ring, id)
				bar = append(bar, p)
			}
			ring = append(ring, barID[0])
			bar = append(bar, bar[0])
			if mode&8 != 0 {
				slices.Reverse(ring)
			}
			o.way("natural=water", ring...)
		case mode&2 != 0: // split into two ways at a middle vertex
			o.way(tags, barID[:6]...)
			o.way(tags, barID[5:]...)
		default:
			o.way(tags, barID...)
		}
		// The walk: from (0, −20) to (0, 20) through up to 12 fuzzed points
		// in −45..45 × −9..9; a point on a barrier vertex shares its node
		// when the byte's top bit is set.
		walk := [][2]int{{0, -20}}
		ids := []int64{o.node(0, -20)}
		for i := 0; i+1 < len(rest) && i < 24; i += 2 {
			p := [2]int{int(rest[i]&0x7f)%19*5 - 45, int(rest[i+1])%19 - 9}
			if p == walk[len(walk)-1] {
				continue
			}
			id, ok := at[p]
			if !ok || rest[i]&0x80 == 0 {
				id = o.node(p[0], p[1])
			}
			walk, ids = append(walk, p), append(ids, id)
		}
		walk, ids = append(walk, [2]int{0, 20}), append(ids, o.node(0, 20))
		o.way("highway=footway", ids...)

		g, err := Read(context.Background(), bytes.NewReader(o.xml()), FormatXML, Options{MinComponentNodes: -1})
		if err != nil {
			t.Fatal(err)
		}
		kind := geo.BarrierWater
		if mode&1 != 0 && mode&4 == 0 {
			kind = geo.BarrierRailway
		}
		for e := range g.NumEdges() {
			if ed := g.Edge(e); ed.Barrier != (ed.BarrierKinds != 0) || (ed.Barrier && ed.BarrierKinds != kind) {
				t.Fatalf("edge %d: %+v, want kinds %v on barrier edges only", e, ed, kind)
			}
		}
		node := map[int64]int32{}
		for u := range g.NumNodes() {
			node[g.Node(u).OSMID] = int32(u)
		}
		start, end := node[ids[0]], node[ids[len(ids)-1]]
		// Search from start without barrier edges.
		seen := make([]bool, g.NumNodes())
		seen[start] = true
		stack := []int32{start}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			g.Neighbors(int(u), func(v, e int) bool {
				if !g.Edge(e).Barrier && !seen[v] {
					seen[v] = true
					stack = append(stack, int32(v))
				}
				return true
			})
		}
		if seen[end] {
			t.Fatalf("walk %v reaches the other side of barrier %v (mode %d) without a barrier edge", walk, bar, mode)
		}
		touching := false
		for i := 0; i+1 < len(walk); i++ {
			for j := 0; j+1 < len(bar); j++ {
				if touches(walk[i], walk[i+1], bar[j], bar[j+1]) {
					touching = true
				}
			}
		}
		if !touching && g.Stats().BarrierEdges != 0 {
			t.Fatalf("walk %v never touches barrier %v but has %d barrier edges", walk, bar, g.Stats().BarrierEdges)
		}
	})
}
